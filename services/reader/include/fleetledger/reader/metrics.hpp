#pragma once
// Request counters and latency histograms per route template and status code, rendered with the
// views' offsets, lag, readiness and projector counters in the Prometheus text format (0.0.4).
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

#include "fleetledger/reader/routes.hpp"

namespace fleetledger::reader {

class view_set;

// Fixed latency buckets, seconds.
inline constexpr std::array<double, 14> latency_buckets{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
                                                        0.025,  0.05,    0.1,    0.25,  0.5,   1.0,   2.5};

// How GET /v1/edges/score got its tenant's scoring pool (score_pools.hpp), and the catch-up
// thread's re-resolutions.
enum class score_pool_source : std::uint8_t {
  current,    // kept, at the views' current generations
  previous,   // kept, the previous state, while the catch-up thread re-resolves it
  resolved,   // resolved by the request (first request, or not refreshed)
  refreshed,  // re-resolved by the catch-up thread
};
inline constexpr std::size_t score_pool_source_count = 4;

class http_metrics {
public:
  void record(route_id route, unsigned status, std::chrono::nanoseconds duration) noexcept;
  void record(score_pool_source source) noexcept {
    score_pools_[static_cast<std::size_t>(source)].fetch_add(1, std::memory_order_relaxed);
  }
  // The request metrics, then (when views is given) the view metrics.
  [[nodiscard]] std::string render(view_set* views) const;
  [[nodiscard]] std::uint64_t requests(route_id route, unsigned status) const noexcept;

private:
  static constexpr std::array<unsigned, 15> statuses{200, 304, 400, 401, 403, 404, 405, 408,
                                                     413, 414, 431, 500, 503, 504, 0 /* other */};
  struct route_stats {
    std::array<std::atomic<std::uint64_t>, statuses.size()> by_status{};
    std::array<std::atomic<std::uint64_t>, latency_buckets.size() + 1> buckets{};
    std::atomic<std::uint64_t> sum_ns{0};
    std::atomic<std::uint64_t> count{0};
  };
  static std::size_t status_index(unsigned status) noexcept;
  std::array<route_stats, route_count> routes_{};
  std::array<std::atomic<std::uint64_t>, score_pool_source_count> score_pools_{};
};

}  // namespace fleetledger::reader

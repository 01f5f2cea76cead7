#pragma once
// The reader's request handling without sockets: routing, parameter parsing, access rules, errors,
// freshness headers, the response cache and read-your-writes waits. The Beast server (server.hpp)
// and the unit tests call it; http.hpp wraps it for Beast messages.
//
// Read-your-writes: begin() answers at once, or returns a pending request when min_offsets is not
// reached yet. The server parks it with park(): no thread is held; the catch-up loop calls
// on_tick() after each pass, which wakes a parked request (wake(true)) once every listed partition
// is reached, or at its deadline (wake(false)), and the server then calls complete() on its own
// strand. handle() is the synchronous form: it never waits (an unreached min_offsets is 504 at once).
#include <chrono>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "fleetledger/reader/access.hpp"
#include "fleetledger/reader/metrics.hpp"
#include "fleetledger/reader/routes.hpp"
#include "fleetledger/reader/view_set.hpp"

namespace fleetledger::projections::edges {
class snapshot_cache;
}

namespace fleetledger::reader {

class score_pool_cache;

struct api_request {
  std::string_view method;         // "GET"
  std::string_view target;         // "/v1/clusters?page=2"
  std::string_view authorization;  // the Authorization header, empty when absent
};

struct api_response {
  unsigned status{200};
  std::shared_ptr<const std::string> body;
  std::string_view content_type{"application/json"};
  bool freshness{false};  // send X-Fleetledger-Offsets and X-Fleetledger-Lag-Ms
  std::string offsets;
  std::int64_t lag_ms{0};
  bool allow_header{false};       // 405: "Allow: GET, HEAD"
  bool www_authenticate{false};   // 401: "WWW-Authenticate: Bearer"
  route_id route{route_id::unmatched};
  [[nodiscard]] const std::string& text() const;  // the body ("" when none)
};

struct service_options {
  std::string domain{"fleetledger.local"};       // {domain} of ingest/playback URLs
  std::chrono::milliseconds default_wait{2000};  // wait_ms default
  std::chrono::milliseconds max_wait{30000};     // wait_ms above this is 400
  std::int64_t ready_max_lag_ms{5000};           // /ready: every view open and lag_ms <= this
  std::size_t cache_entries{2048};               // response cache (LRU) entries
  std::size_t cache_max_body{256 * 1024};        // bodies larger than this are not cached
  std::size_t cache_max_bytes{32u << 20};        // all cached bodies together
  // A cached body is reused while the views' generations are unchanged and it is younger than this
  // (time-dependent fields: staleness, invite expiry).
  std::chrono::milliseconds cache_ttl{1000};
};

class service {
public:
  // tokens: nullopt = no --auth-tokens (every caller may read everything).
  service(view_set& views, std::optional<token_table> tokens, service_options options = {});
  ~service();
  service(const service&) = delete;
  service& operator=(const service&) = delete;

  struct pending;
  struct started {
    std::optional<api_response> response;  // the answer, or
    std::shared_ptr<pending> wait;         // a request waiting for min_offsets
  };

  [[nodiscard]] api_response handle(const api_request& request);
  [[nodiscard]] started begin(const api_request& request);
  // wake is called exactly once, from on_tick()/release_all() (the catch-up thread) or at once.
  void park(const std::shared_ptr<pending>& request, std::function<void(bool reached)> wake);
  [[nodiscard]] api_response complete(pending& request, bool reached);
  void on_tick();
  // From the catch-up thread after each pass, before on_tick(): re-resolves the edge scoring pools of
  // the tenants asked for in the last 30 s (at most 64 per call) whose entry is older than the views'
  // current generations, so their next requests score without reading the views (score_pools.hpp);
  // meanwhile their requests are answered from the previous pool (with its offsets) unless their
  // min_offsets need the newer state.
  void refresh_score_pools();
  // Wakes every parked request now (shutdown): reached ones answer, the rest 504.
  void release_all();
  [[nodiscard]] std::size_t parked() const;

  // An error answer: {"error":{"code":...,"message":...}}.
  [[nodiscard]] static api_response error(unsigned status, std::string_view code, std::string_view message);
  // For answers the server gives itself (malformed requests, limits).
  void record(route_id route, unsigned status, std::chrono::nanoseconds duration) noexcept {
    metrics_.record(route, status, duration);
  }
  [[nodiscard]] http_metrics& metrics() { return metrics_; }
  [[nodiscard]] view_set& views() { return views_; }

private:
  struct cache_entry;
  [[nodiscard]] bool views_reached(const pending& request) const;
  api_response execute(pending& request);
  api_response compute(pending& request);
  std::optional<api_response> cache_lookup(const std::string& key);
  void cache_store(const std::string& key, const api_response& response, const pending& request,
                   const std::array<std::uint64_t, view_count>& generations);

  view_set& views_;
  std::optional<token_table> tokens_;
  service_options options_;
  http_metrics metrics_;
  std::unique_ptr<projections::edges::snapshot_cache> snapshots_;
  std::unique_ptr<score_pool_cache> pools_;

  mutable std::mutex waiters_mu_;
  std::list<std::pair<std::shared_ptr<pending>, std::function<void(bool)>>> waiters_;

  std::mutex cache_mu_;
  std::list<std::string> lru_;  // most recent first
  std::size_t cache_bytes_{0};
  std::unordered_map<std::string, std::unique_ptr<cache_entry>> cache_;
};

}  // namespace fleetledger::reader

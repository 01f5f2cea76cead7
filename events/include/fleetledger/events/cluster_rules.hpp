#pragma once
// Rules about clusters (DESIGN.md section 4) shared by the write side (fleetctl, the gateway and the
// health prober, which refuse or compute before publishing) and the fleet projection (which applies
// them again to whatever reaches the log).
#include <chrono>
#include <string_view>

#include "fleetledger/events/result.hpp"
#include "fleetledger/v1/cluster.pb.h"

namespace fleetledger::events {

// ---- names ----

// A cluster name is a DNS label: ^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$ (3 to 63 characters, lower-case
// letters, digits and '-', neither first nor last a '-').
[[nodiscard]] bool is_valid_cluster_name(std::string_view name) noexcept;

// Success, or errc::invalid_argument whose message starts with the contract's error code:
// "INVALID_CLUSTER_NAME: name \"Foo\" ...: <what is wrong>".
[[nodiscard]] result<void> validate_cluster_name(std::string_view name);

// ---- health ----

// Score deductions per failed check of a configured endpoint; the score starts at 100, floor 0.
inline constexpr int health_score_max = 100;
inline constexpr int api_server_down_penalty = 50;
inline constexpr int prometheus_down_penalty = 20;
inline constexpr int tempo_down_penalty = 15;
inline constexpr int loki_down_penalty = 15;

struct health_assessment {
  int score{health_score_max};
  fleetledger::v1::ClusterState state{fleetledger::v1::CLUSTER_STATE_UNKNOWN};
  friend bool operator==(const health_assessment&, const health_assessment&) = default;
};

// Score and state from the per-check results of one health check (the event's own health_score and
// state are not consulted):
//   - API server: always counts. Anything but OK (FAILED, NOT_CONFIGURED, missing) is "down": -50.
//   - Prometheus -20, Tempo -15, Loki -15, each only when its status is FAILED. NOT_CONFIGURED and
//     UNSPECIFIED (not reported) cost nothing: the endpoint is treated as not configured.
//   - state: API down => OFFLINE; API up and a configured check failed => DEGRADED; else ONLINE.
//     This holds on the first check too (UNKNOWN -> ONLINE | DEGRADED | OFFLINE).
[[nodiscard]] health_assessment assess_health(const fleetledger::v1::ClusterHealthChecked& check) noexcept;

// ---- check cadence and liveness ----

// Health-check interval and timeout per cluster type: HUB 15 s/5 s, SPOKE 30/10, EDGE 60/15,
// FAR_EDGE 120/30. An unspecified (or unknown) type uses SPOKE's.
[[nodiscard]] std::chrono::seconds check_interval(fleetledger::v1::ClusterType type) noexcept;
[[nodiscard]] std::chrono::seconds check_timeout(fleetledger::v1::ClusterType type) noexcept;

// A cluster whose last check is this many intervals old (or older) reads as UNKNOWN (stale).
inline constexpr int stale_after_intervals = 3;

// How long health history is kept, by event time, relative to a cluster's newest check.
inline constexpr std::chrono::hours health_history_retention{24 * 7};

}  // namespace fleetledger::events

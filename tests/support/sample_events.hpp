#pragma once
// A realistic, reproducible mix of fleetledger events for integration tests and benchmarks:
// tenants and clusters first, then a stream dominated by edge summaries and health checks with
// marketplace, subscription, invite, peering and offering events in between. Same seed, same events
// (event ids included), so two runs can be compared record by record.
#include <cstdint>
#include <vector>

#include "fleetledger/v1/envelope.pb.h"

namespace fleetledger::testing {

struct sample_mix {
  std::uint64_t seed{42};
  int tenants{20};
  int clusters{200};
  int edges_per_cluster{8};
  // Share of the stream after the setup events, in percent (the rest is marketplace/subscription/...).
  int edge_summary_percent{70};
  int health_check_percent{20};
  // Add events that break rules (non-owner approvals, expired invites, duplicate names...).
  bool include_rule_breakers{true};
};

// Exactly `count` events (count must be at least the setup size, about tenants + 2 * clusters).
[[nodiscard]] std::vector<fleetledger::v1::Envelope> make_sample_events(std::size_t count, const sample_mix& mix = {});

}  // namespace fleetledger::testing

#pragma once
// GET /v1/marketplace/rejections?since=: events a rule refused, with reasons. Two sources, merged:
//  - rejections recorded when an event was applied (the common runtime's "rejection\x1f..." entries);
//  - rules across keys decided at read time: a TENANT_PRIVATE cluster beyond its owner's cap
//    (OWNED_CLUSTER_LIMIT). A non-provider tenant owns at most max_owned_clusters (unset: 1; no
//    TenantCreated yet: non-provider with cap 1) private clusters; claims are ordered by
//    (occurred_at, event_id) and counted only while their cluster is not deleted; providers have no cap.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <boost/json/object.hpp>

#include "fleetledger/projections/view.hpp"

namespace fleetledger::projections::marketplace {

struct rejection_entry {
  std::string event_id;
  std::string event_type;
  std::string aggregate_id;
  std::string actor;
  std::string reason;  // "CODE: detail"
  std::chrono::system_clock::time_point occurred_at;
  std::string topic;
  std::int32_t partition{0};
  std::int64_t offset{0};
  bool decided_at_read{false};  // true for cross-key rules (OWNED_CLUSTER_LIMIT)
};

// Rejections with occurred_at >= since (all without since), oldest first, ties by event_id.
[[nodiscard]] std::vector<rejection_entry> list_rejections(
    const state_reader& state, std::optional<std::chrono::system_clock::time_point> since = std::nullopt);

// The code before the first ':' of a reason ("NOT_OWNER").
[[nodiscard]] std::string reason_code(std::string_view reason);

[[nodiscard]] boost::json::object to_json(const rejection_entry& entry);

}  // namespace fleetledger::projections::marketplace

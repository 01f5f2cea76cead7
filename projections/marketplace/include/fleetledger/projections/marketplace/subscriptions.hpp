#pragma once
// GET /v1/marketplace/clusters/{id}/subscriptions?status= (operator view).
//
// Lifecycle (applied per cluster, in partition order): SubscriptionRequested -> ACTIVE, or
// PENDING_APPROVAL when the cluster requires approval; PENDING_APPROVAL -> ACTIVE (approved) |
// REJECTED (rejected), both only by the owner (approved_by/rejected_by == owner == envelope actor);
// ACTIVE -> SUSPENDED -> ACTIVE (reinstated); PENDING_APPROVAL/ACTIVE/SUSPENDED -> CANCELLED by the
// subscribing tenant. REJECTED and CANCELLED are final.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "fleetledger/projections/view.hpp"
#include "fleetledger/v1/common.pb.h"

namespace fleetledger::projections::marketplace {

struct subscription_entry {
  std::string subscription_id;
  std::string cluster_id;
  std::string tenant_id;
  fleetledger::v1::SubscriptionStatus status{};
  std::chrono::system_clock::time_point requested_at;
  std::chrono::system_clock::time_point updated_at;
  std::optional<std::string> invite_id;    // the invite whose use admitted it
  std::optional<std::string> approved_by;
  std::optional<std::string> reason;       // of the last rejection, suspension or cancellation
};

struct subscription_filter {
  std::optional<fleetledger::v1::SubscriptionStatus> status{};
  std::optional<std::string> tenant_id{};  // for tenant-scoped callers: only this tenant's subscriptions
};

// Any case; the unprefixed name ("pending_approval"), the full name, or "pending" for
// PENDING_APPROVAL. nullopt for anything else.
[[nodiscard]] std::optional<fleetledger::v1::SubscriptionStatus> parse_subscription_status(std::string_view text);

// The cluster's subscriptions ordered by (requested_at, subscription_id); nullopt when the cluster is
// unknown to the view.
[[nodiscard]] std::optional<std::vector<subscription_entry>> list_subscriptions(const state_reader& state,
                                                                               std::string_view cluster_id,
                                                                               const subscription_filter& filter);

[[nodiscard]] boost::json::object to_json(const subscription_entry& entry);

}  // namespace fleetledger::projections::marketplace

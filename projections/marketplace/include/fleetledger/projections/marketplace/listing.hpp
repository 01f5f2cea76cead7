#pragma once
// GET /v1/marketplace/clusters?tenant_id=&pricing_model=&region=&eligible= and
// GET /v1/marketplace/clusters/{id}?tenant_id=.
//
// Listed to tenant T: a live, non-deleted cluster that is PUBLIC, or owned by T, or to which T holds
// an ACTIVE/PENDING_APPROVAL subscription, or for which T holds an unexpired (at `now`), unrevoked
// invite targeted at T. Without a tenant: PUBLIC clusters only. A cluster never put on the marketplace
// is PRIVATE. "Live" excludes private clusters beyond their owner's cap (see rejections.hpp).
// Eligibility is computed here, at read time: tier_level (0 when the tenant has none, and for
// anonymous reads) >= required_tier_level, else is_eligible=false with
// "TIER_TOO_LOW: tenant tier 1 < required 3". The owner is always eligible for its own cluster.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "fleetledger/events/result.hpp"
#include "fleetledger/projections/view.hpp"
#include "fleetledger/v1/common.pb.h"

namespace fleetledger::projections::marketplace {

using time_point = std::chrono::system_clock::time_point;

struct pricing_info {
  fleetledger::v1::PricingModel pricing_model{};
  std::int64_t monthly_price_cents{0};
  std::string currency;
  double metered_price_per_gb_egress_cents{0};
  double metered_price_per_viewer_hour_cents{0};
};

struct capacity_info {
  std::int64_t max_streams{0};
  std::int64_t max_viewers{0};
  std::int64_t max_bandwidth_mbps{0};  // megabits per second
};

// From the cluster's latest EdgeSummaryReported. Ratios are null when the capacity is 0.
struct utilisation_info {
  time_point reported_at;
  bool stale{false};  // older than 3 report intervals at `now`
  std::int32_t edge_count{0};
  std::int64_t viewers{0};
  std::int64_t streams{0};
  std::uint64_t bandwidth_used_bytes_per_sec{0};   // sum of (limit - available)
  std::uint64_t bandwidth_limit_bytes_per_sec{0};
  std::optional<double> viewer_utilisation;     // viewers / max_viewers
  std::optional<double> stream_utilisation;     // streams / max_streams
  std::optional<double> bandwidth_utilisation;  // used * 8 / (max_bandwidth_mbps * 1e6)
};

struct listing_entry {
  std::string cluster_id;
  std::string name;
  std::string display_name;
  std::string owner_tenant_id;
  std::string region;
  fleetledger::v1::ClusterClass cluster_class{};
  fleetledger::v1::Visibility visibility{};
  pricing_info pricing;
  std::int32_t required_tier_level{0};
  bool requires_approval{false};
  std::string short_description;
  bool is_eligible{true};
  std::optional<std::string> denial_reason;
  // The tenant's latest subscription to this cluster, whatever its status (null: never subscribed).
  std::optional<fleetledger::v1::SubscriptionStatus> subscription_status;
  std::optional<std::string> subscription_id;
  capacity_info capacity;
  std::optional<utilisation_info> utilisation;
};

struct listing_filter {
  std::optional<std::string> tenant_id{};
  std::optional<fleetledger::v1::PricingModel> pricing_model{};
  std::optional<std::string> region{};  // compared case-insensitively
  std::optional<bool> eligible{};
};

// Builds a filter from query-string values (empty = not given), any case: pricing_model "monthly",
// eligible "true"/"FALSE". Unknown values -> errc::invalid_argument.
[[nodiscard]] events::result<listing_filter> make_listing_filter(std::string_view tenant_id,
                                                                 std::string_view pricing_model,
                                                                 std::string_view region,
                                                                 std::string_view eligible);

// Every matching cluster, ordered by cluster_id.
[[nodiscard]] std::vector<listing_entry> list_clusters(const state_reader& state, const listing_filter& filter,
                                                       time_point now);

// One cluster as `tenant_id` (or an anonymous caller) may see it: nullopt when it does not exist, is
// deleted or not live, or is PRIVATE and the caller is not its owner, a subscriber or an invitee.
// UNLISTED clusters are visible to anyone who knows the id (the direct link).
[[nodiscard]] std::optional<listing_entry> find_cluster(const state_reader& state, std::string_view cluster_id,
                                                        std::optional<std::string_view> tenant_id,
                                                        time_point now);

[[nodiscard]] boost::json::object to_json(const listing_entry& entry);

}  // namespace fleetledger::projections::marketplace

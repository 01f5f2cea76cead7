#pragma once
// GET /v1/tenants/{id}/network and the scoring pool the edges view uses.
//
// Effective cluster: the preferred cluster (PreferredClusterSet) while the tenant's subscription to
// it is ACTIVE and the cluster is not deleted, or when it is the official cluster
// (TenantBillingTierChanged.official_cluster_id); otherwise the official cluster.
// URLs: ingest rtmp://edge-ingest.{cluster}.{domain}:1935/live/{stream_key}, playback
// https://foghorn.{cluster}.{domain}, where {cluster} is the cluster's name and {domain} the cluster's
// `domain`, or the reader-wide default. The stream key is not in the contract: the URL keeps the
// literal placeholder "{stream_key}" for the client to fill in.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "fleetledger/projections/view.hpp"
#include "fleetledger/v1/common.pb.h"

namespace fleetledger::projections::marketplace {

inline constexpr std::string_view default_domain = "fleetledger.local";
inline constexpr std::string_view stream_key_placeholder = "{stream_key}";

struct cluster_endpoints {
  std::string cluster_id;
  std::string name;
  std::string ingest_url;
  std::string playback_url;
};

struct subscribed_cluster {
  std::string cluster_id;
  std::string name;  // empty when the cluster is unknown to the view
  std::string subscription_id;
  fleetledger::v1::SubscriptionStatus status{};
};

struct network_info {
  std::string tenant_id;
  std::optional<std::int32_t> tier_level;
  std::optional<std::string> official_cluster_id;
  std::optional<std::string> preferred_cluster_id;
  std::optional<std::string> effective_cluster_id;
  // Why the preferred cluster is not effective ("SUBSCRIPTION_NOT_ACTIVE: ...", "CLUSTER_DELETED: ...").
  std::optional<std::string> preferred_fallback_reason;
  // Subscriptions that are PENDING_APPROVAL, ACTIVE or SUSPENDED, ordered by cluster_id.
  std::vector<subscribed_cluster> subscribed_clusters;
  std::optional<cluster_endpoints> effective;  // null when there is no effective cluster (or unknown)
  std::optional<cluster_endpoints> official;   // only when it differs from the effective cluster
};

// nullopt when the view knows nothing of the tenant (no tenant event, no subscription).
[[nodiscard]] std::optional<network_info> tenant_network(const state_reader& state, std::string_view tenant_id,
                                                         std::string_view fallback_domain = default_domain);

// The URLs for one cluster name and domain.
[[nodiscard]] std::string ingest_url(std::string_view cluster_name, std::string_view domain);
[[nodiscard]] std::string playback_url(std::string_view cluster_name, std::string_view domain);

// Pool for edge scoring: official + effective preferred always, plus other ACTIVE subscriptions while
// peered (a (cluster, tenant) pair is peered while at least one stream's PeeringActivated has no
// PeeringDeactivated). Home = effective; every other pool member is remote (sorted, no duplicates,
// never the home cluster, never empty ids).
struct tenant_pool_members {
  std::string home_cluster_id;  // effective; empty when the tenant has none
  std::string official_cluster_id;
  std::vector<std::string> remote_cluster_ids;
};
[[nodiscard]] tenant_pool_members tenant_pool(const state_reader& state, std::string_view tenant_id);

[[nodiscard]] boost::json::object to_json(const network_info& network);

}  // namespace fleetledger::projections::marketplace

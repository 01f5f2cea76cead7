#pragma once
// The reader's routes (DESIGN.md section 6). Route templates are the metric labels, never raw paths.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace fleetledger::reader {

enum class route_id : std::uint8_t {
  health,
  ready,
  metrics,
  clusters,
  cluster,
  cluster_by_name,
  cluster_status,
  cluster_history,
  cluster_edges,
  fleet_summary,
  fleet_health,
  fleet_capabilities,
  market_clusters,
  market_cluster,
  market_subscriptions,
  market_invites,
  market_rejections,
  tenant_network,
  offerings,
  offering_template,
  edges_score,
  projections,
  unmatched,  // unknown routes and requests that did not parse
  count_,
};
inline constexpr std::size_t route_count = static_cast<std::size_t>(route_id::count_);

// "/v1/clusters/{id}", ... ("unmatched" for route_id::unmatched).
[[nodiscard]] std::string_view route_template(route_id r) noexcept;

// Matches decoded path segments ({"v1","clusters","c1"}). unmatched when nothing fits (empty
// segments, e.g. a trailing '/', never match a parameter).
[[nodiscard]] route_id match_route(const std::vector<std::string>& segments) noexcept;

}  // namespace fleetledger::reader

#pragma once
// A cluster's edges (GET /v1/clusters/{id}/edges): every node the view knows for the cluster, merged
// from the latest summary and the cluster topic's enrolment/drain facts, sorted by node_id, each
// marked stale or not against `now`.
//
// An edge is "stale" when it has no fresh metrics: the cluster's latest summary is older than 3 report
// intervals, or the edge is not in that summary (reported=false), or there is no summary at all.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/value.hpp>

#include "fleetledger/projections/edges/snapshot.hpp"
#include "fleetledger/projections/view.hpp"

namespace fleetledger::projections::edges {

struct cluster_edge_item {
  std::string cluster_id;
  edge_info edge;
  bool stale{true};
};

struct cluster_edge_list {
  std::string cluster_id;
  std::optional<time_point> reported_at;  // of the latest summary; none before the first
  std::chrono::nanoseconds report_interval{default_report_interval};
  std::optional<time_point> stale_at;     // reported_at + 3 intervals
  bool stale{true};                       // the summary (or its absence) as of now
  std::vector<cluster_edge_item> items;   // sorted by node_id
  std::size_t total{0};
};

// nullopt when the edges view knows nothing of the cluster (never reported, enrolled or drained) or
// it was deleted; the reader answers 404 CLUSTER_NOT_FOUND when the fleet view does not know the
// cluster either (or it is deleted), else an empty list.
[[nodiscard]] std::optional<cluster_edge_list> cluster_edges(const state_reader& edges, std::string_view cluster_id,
                                                             time_point now, snapshot_cache* cache = nullptr,
                                                             std::optional<std::uint64_t> cache_generation = std::nullopt);

// {"node_id","cluster_id","base_url","geo":{"lat","lon"},"bw_available_bytes_per_sec",
//  "bw_limit_bytes_per_sec","cpu_percent","ram_used","ram_max","viewers","streams","roles",
//  "draining","drain_reason","reported","enrolled","stale"}
[[nodiscard]] boost::json::value to_json(const cluster_edge_item& item);
// {"cluster_id","reported_at","report_interval_seconds","stale_at","stale","items":[...],"total"}
// (the reader pages "items" itself with to_json(item)).
[[nodiscard]] boost::json::value to_json(const cluster_edge_list& list);

}  // namespace fleetledger::projections::edges

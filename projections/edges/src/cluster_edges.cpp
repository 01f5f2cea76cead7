#include "fleetledger/projections/edges/cluster_edges.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "fleetledger/events/timestamps.hpp"

namespace fleetledger::projections::edges {

std::optional<cluster_edge_list> cluster_edges(const state_reader& edges, std::string_view cluster_id,
                                               time_point now, snapshot_cache* cache,
                                               std::optional<std::uint64_t> cache_generation) {
  const auto snap = cache ? cache->get(edges, cluster_id, cache_generation) : load_snapshot(edges, cluster_id);
  if (!snap) return std::nullopt;
  cluster_edge_list out;
  out.cluster_id = std::string(cluster_id);
  out.stale = snap->is_stale(now);
  if (snap->has_summary) {
    out.reported_at = snap->reported_at;
    out.report_interval = snap->report_interval;
    out.stale_at = snap->stale_at();
  }
  out.items.reserve(snap->edges.size());
  for (const auto& e : snap->edges) out.items.push_back({out.cluster_id, e, out.stale || !e.reported});
  out.total = out.items.size();
  return out;
}

boost::json::value to_json(const cluster_edge_item& item) {
  const edge_info& e = item.edge;
  boost::json::array roles;
  roles.reserve(e.roles.size());
  for (const auto& r : e.roles) roles.emplace_back(r);
  return boost::json::object{
      {"node_id", e.node_id},
      {"cluster_id", item.cluster_id},
      {"base_url", e.base_url},
      {"geo", boost::json::object{{"lat", e.geo_lat}, {"lon", e.geo_lon}}},
      {"bw_available_bytes_per_sec", e.bw_available_bytes_per_sec},
      {"bw_limit_bytes_per_sec", e.bw_limit_bytes_per_sec},
      {"cpu_percent", e.cpu_percent},
      {"ram_used", e.ram_used},
      {"ram_max", e.ram_max},
      {"viewers", e.viewers},
      {"streams", e.streams},
      {"roles", std::move(roles)},
      {"draining", e.draining()},
      {"drain_reason", e.drain_reason.empty() ? boost::json::value(nullptr) : boost::json::value(e.drain_reason)},
      {"reported", e.reported},
      {"enrolled", e.enrolled},
      {"stale", item.stale},
  };
}

boost::json::value to_json(const cluster_edge_list& list) {
  boost::json::array items;
  items.reserve(list.items.size());
  for (const auto& i : list.items) items.push_back(to_json(i));
  const auto time_or_null = [](const std::optional<time_point>& t) {
    return t ? boost::json::value(events::format_rfc3339(*t)) : boost::json::value(nullptr);
  };
  return boost::json::object{
      {"cluster_id", list.cluster_id},
      {"reported_at", time_or_null(list.reported_at)},
      {"report_interval_seconds", std::chrono::duration<double>(list.report_interval).count()},
      {"stale_at", time_or_null(list.stale_at)},
      {"stale", list.stale},
      {"items", std::move(items)},
      {"total", list.total},
  };
}

}  // namespace fleetledger::projections::edges

#include "fleetledger/projections/edges/snapshot.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include <boost/json/serialize.hpp>
#include <boost/json/string_view.hpp>

#include "edges_records.pb.h"
#include "fleetledger/events/timestamps.hpp"
#include "fleetledger/v1/edge.pb.h"
#include "keys.hpp"
#include "scoring_math.hpp"
#include "state_codec.hpp"

namespace fleetledger::projections::edges {
namespace {

// Moves the strings out of the parsed message (it is discarded afterwards).
edge_info from_report(fleetledger::v1::EdgeNode& e) {
  edge_info out;
  out.node_id = std::move(*e.mutable_node_id());
  out.base_url = std::move(*e.mutable_base_url());
  out.geo_lat = e.geo_lat();
  out.geo_lon = e.geo_lon();
  out.bw_available_bytes_per_sec = e.bw_available_bytes_per_sec();
  out.bw_limit_bytes_per_sec = e.bw_limit_bytes_per_sec();
  out.cpu_percent = e.cpu_percent();
  out.ram_used = e.ram_used();
  out.ram_max = e.ram_max();
  out.viewers = e.viewers();
  out.streams = e.streams();
  out.roles.reserve(static_cast<std::size_t>(e.roles_size()));
  for (auto& r : *e.mutable_roles()) out.roles.push_back(std::move(r));
  out.reported = true;
  out.summary_draining = e.draining();
  return out;
}

void merge_facts(edge_info& edge, const NodeFacts& facts) {
  edge.enrolled = facts.enrolled();
  edge.drain_flag = facts.draining();
  edge.drain_reason = facts.drain_reason();
  if (!edge.reported && facts.enrolled()) {
    edge.base_url = facts.base_url();
    edge.geo_lat = facts.geo_lat();
    edge.geo_lon = facts.geo_lon();
    edge.roles.assign(facts.roles().begin(), facts.roles().end());
  } else if (edge.base_url.empty()) {
    edge.base_url = facts.base_url();  // a summary that omits it: the enrolled URL is still right
  }
}

edge_basis basis_of(const edge_info& e) {
  edge_basis b;
  const auto p = detail::unit_vector(e.geo_lat, e.geo_lon);
  b.x = p.x;
  b.y = p.y;
  b.z = p.z;
  b.cpu = detail::cpu_part(e.cpu_percent);
  b.ram = detail::ram_part(e.ram_used, e.ram_max);
  b.bw = detail::bw_part(e.bw_available_bytes_per_sec);
  // In order of precedence (the enum's order); staleness is judged per request.
  if (e.node_id.empty()) b.static_rejection = edge_rejection::missing_node_id;
  else if (!e.reported) b.static_rejection = edge_rejection::not_reported;
  else if (e.draining()) b.static_rejection = edge_rejection::draining;
  else if (e.ram_max == 0) b.static_rejection = edge_rejection::no_ram_info;
  else if (e.bw_available_bytes_per_sec == 0) b.static_rejection = edge_rejection::no_bandwidth;
  else if (!std::isfinite(e.cpu_percent) || !std::isfinite(e.geo_lat) || !std::isfinite(e.geo_lon)) {
    b.static_rejection = edge_rejection::invalid_metrics;
  }
  return b;
}

}  // namespace

std::string_view to_string(edge_rejection r) noexcept {
  switch (r) {
    case edge_rejection::none: return "";
    case edge_rejection::missing_node_id: return "MISSING_NODE_ID";
    case edge_rejection::not_reported: return "NOT_REPORTED";
    case edge_rejection::stale: return "STALE";
    case edge_rejection::draining: return "DRAINING";
    case edge_rejection::no_ram_info: return "NO_RAM_INFO";
    case edge_rejection::no_bandwidth: return "NO_BANDWIDTH";
    case edge_rejection::invalid_metrics: return "INVALID_METRICS";
    case edge_rejection::penalty_dropped: return "PENALTY_DROPPED";
  }
  return "";
}

bool cluster_snapshot::is_stale(time_point now) const {
  if (!has_summary) return true;
  return now - reported_at > stale_after_intervals * report_interval;
}

std::shared_ptr<const cluster_snapshot> parse_snapshot(std::string_view cluster_id, std::string_view value) {
  ClusterEdgeState state;
  if (!state.ParseFromArray(value.data(), static_cast<int>(value.size()))) return nullptr;
  if (state.deleted()) return nullptr;
  if (state.summary_revision() == 0 && state.facts_revision() == 0) return nullptr;

  auto snap = std::make_shared<cluster_snapshot>();
  snap->cluster_id = std::string(cluster_id);
  snap->version = {state.summary_revision(), state.facts_revision()};
  if (state.summary_revision() > 0) {
    fleetledger::v1::EdgeSummaryReported summary;
    if (!summary.ParseFromString(state.summary())) return nullptr;
    snap->has_summary = true;
    snap->reported_at = detail::from_ns(state.reported_at_ns());
    snap->report_interval = std::chrono::nanoseconds(state.report_interval_ns() > 0
                                                         ? state.report_interval_ns()
                                                         : detail::default_report_interval_ns);
    snap->edges.reserve(static_cast<std::size_t>(summary.edges_size()));
    for (auto& e : *summary.mutable_edges()) snap->edges.push_back(from_report(e));
  }
  std::stable_sort(snap->edges.begin(), snap->edges.end(),
                   [](const edge_info& a, const edge_info& b) { return a.node_id < b.node_id; });

  if (state.facts_revision() > 0) {
    NodeFactsList facts;
    if (!facts.ParseFromString(state.node_facts())) return nullptr;
    const std::size_t reported = snap->edges.size();
    for (const NodeFacts& f : facts.nodes()) {
      const auto first = snap->edges.begin();
      const auto last = first + static_cast<std::ptrdiff_t>(reported);
      auto lo = std::lower_bound(first, last, f.node_id(),
                                 [](const edge_info& a, const std::string& id) { return a.node_id < id; });
      bool found = false;
      for (auto it = lo; it != last && it->node_id == f.node_id(); ++it) {
        merge_facts(*it, f);
        found = true;
      }
      if (!found) {
        edge_info e;
        e.node_id = f.node_id();
        merge_facts(e, f);
        snap->edges.push_back(std::move(e));
      }
    }
    if (snap->edges.size() != reported) {
      std::stable_sort(snap->edges.begin(), snap->edges.end(),
                       [](const edge_info& a, const edge_info& b) { return a.node_id < b.node_id; });
    }
  }

  snap->basis.reserve(snap->edges.size());
  for (const auto& e : snap->edges) snap->basis.push_back(basis_of(e));
  snap->cluster_id_json = boost::json::serialize(boost::json::string_view(snap->cluster_id));
  snap->reported_at_json = snap->has_summary ? "\"" + events::format_rfc3339(snap->reported_at) + "\"" : "null";
  return snap;
}

std::shared_ptr<const cluster_snapshot> load_snapshot(const state_reader& edges, std::string_view cluster_id) {
  const auto raw = edges.get(keys::cluster(cluster_id));
  if (!raw) return nullptr;
  return parse_snapshot(cluster_id, *raw);
}

bool is_deleted(const state_reader& edges, std::string_view cluster_id) {
  const auto raw = edges.get(keys::cluster(cluster_id));
  if (!raw) return false;
  if (const auto h = detail::peek_header(*raw)) return h->deleted;
  ClusterEdgeState state;
  return state.ParseFromString(*raw) && state.deleted();
}

std::shared_ptr<const cluster_snapshot> snapshot_cache::get(const state_reader& edges, std::string_view cluster_id,
                                                            std::optional<std::uint64_t> generation) {
  const std::string id(cluster_id);
  if (generation) {
    std::lock_guard lock(mu_);
    if (auto it = map_.find(id); it != map_.end() && it->second.validated_at && *it->second.validated_at >= *generation) {
      ++hits_;
      return it->second.snapshot;
    }
  }
  const auto raw = edges.get(keys::cluster(cluster_id));
  const auto header = raw ? detail::peek_header(*raw) : std::nullopt;
  if (!raw || (header && header->deleted)) {
    std::lock_guard lock(mu_);
    map_.erase(id);
    return nullptr;
  }
  if (header) {
    const snapshot_version stored{header->summary_revision, header->facts_revision};
    std::lock_guard lock(mu_);
    if (auto it = map_.find(id); it != map_.end() && it->second.snapshot->version == stored) {
      ++hits_;
      if (generation && (!it->second.validated_at || *it->second.validated_at < *generation)) {
        it->second.validated_at = generation;
      }
      return it->second.snapshot;
    }
  }
  auto snap = parse_snapshot(cluster_id, *raw);
  std::lock_guard lock(mu_);
  ++misses_;
  if (!snap) {
    map_.erase(id);
    return nullptr;
  }
  if (map_.size() >= max_clusters_ && map_.find(id) == map_.end()) map_.clear();
  map_[id] = entry{snap, generation};
  return snap;
}

std::size_t snapshot_cache::size() const {
  std::lock_guard lock(mu_);
  return map_.size();
}
std::uint64_t snapshot_cache::hits() const {
  std::lock_guard lock(mu_);
  return hits_;
}
std::uint64_t snapshot_cache::misses() const {
  std::lock_guard lock(mu_);
  return misses_;
}
void snapshot_cache::clear() {
  std::lock_guard lock(mu_);
  map_.clear();
}

}  // namespace fleetledger::projections::edges

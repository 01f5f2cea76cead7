#include "fleetledger/projections/edges/scoring.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <string>
#include <unordered_set>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/string_view.hpp>

#include "fleetledger/events/timestamps.hpp"
#include "scoring_math.hpp"

namespace fleetledger::projections::edges {
namespace {

// A rankable edge while ranking: its score and where to find it.
struct candidate {
  double score;
  std::uint32_t member;
  std::uint32_t edge;
};

const edge_info& edge_of(std::span<const pool_member> members, const candidate& c) {
  return members[c.member].snapshot->edges[c.edge];
}

void append_number(std::string& out, std::size_t n) {
  char buf[24];
  const auto end = std::to_chars(buf, buf + sizeof buf, n).ptr;
  out.append(buf, end);
}

// One "clusters" entry, as to_json writes it.
void append_cluster(std::string& out, const pool_cluster& c) {
  const bool cached = c.snapshot && c.snapshot->cluster_id == c.cluster_id &&
                      c.snapshot->has_summary == c.reported_at.has_value() &&
                      (!c.reported_at || c.snapshot->reported_at == *c.reported_at);
  out += "{\"cluster_id\":";
  if (cached) out += c.snapshot->cluster_id_json;
  else out += boost::json::serialize(boost::json::string_view(c.cluster_id));
  out += c.where == locality::local ? ",\"locality\":\"local\",\"known\":" : ",\"locality\":\"remote\",\"known\":";
  out += c.known ? "true" : "false";
  out += ",\"stale\":";
  out += c.stale ? "true" : "false";
  out += ",\"reported_at\":";
  if (cached) {
    out += c.snapshot->reported_at_json;
  } else if (c.reported_at) {
    out += '"';
    out += events::format_rfc3339(*c.reported_at);
    out += '"';
  } else {
    out += "null";
  }
  out += ",\"edges\":";
  append_number(out, c.edges);
  out += '}';
}

boost::json::value optional_time(const std::optional<time_point>& t) {
  if (!t) return nullptr;
  return boost::json::value(events::format_rfc3339(*t));
}

}  // namespace

std::string_view to_string(locality l) noexcept { return l == locality::local ? "local" : "remote"; }

events::result<void> validate_viewer(double lat, double lon) {
  if (!std::isfinite(lat) || lat < -90.0 || lat > 90.0) {
    return events::error{events::errc::invalid_argument, "lat must be a number in [-90, 90]"};
  }
  if (!std::isfinite(lon) || lon < -180.0 || lon > 180.0) {
    return events::error{events::errc::invalid_argument, "lon must be a number in [-180, 180]"};
  }
  return {};
}

std::size_t effective_limit(std::size_t requested) noexcept {
  if (requested == 0) return default_score_limit;
  return std::min(requested, max_score_limit);
}

std::vector<pool_member> resolve_pool(const state_reader& edges, const scoring_pool& pool, snapshot_cache* cache,
                                      std::optional<std::uint64_t> cache_generation) {
  std::vector<pool_member> members;
  members.reserve(pool.remote_cluster_ids.size() + 1);
  std::unordered_set<std::string_view> seen;
  auto add = [&](const std::string& id, locality where) {
    if (id.empty() || !seen.insert(id).second) return;
    members.push_back({id, where, cache ? cache->get(edges, id, cache_generation) : load_snapshot(edges, id)});
  };
  add(pool.home_cluster_id, locality::local);
  for (const auto& id : pool.remote_cluster_ids) add(id, locality::remote);
  return members;
}

events::result<edge_ranking> score_members(std::span<const pool_member> members, const score_request& request) {
  if (auto ok = validate_viewer(request.lat, request.lon); !ok) return ok.err();

  edge_ranking out;
  out.lat = request.lat;
  out.lon = request.lon;
  out.evaluated_at = request.now;
  out.limit = effective_limit(request.limit);
  out.clusters.reserve(members.size());

  const detail::vec3 viewer = detail::unit_vector(request.lat, request.lon);
  auto reject = [&](const pool_member& m, const edge_info& e, edge_rejection why, std::optional<double> score) {
    ++out.rejected_total;
    ++out.rejected_by_reason[static_cast<std::size_t>(why)];
    if (out.rejected.size() < request.max_rejected_listed) {
      out.rejected.push_back({e.node_id, m.cluster_id, m.where, why, score});
    }
  };
  const auto better = [&](const candidate& a, const candidate& b) {
    if (a.score != b.score) return a.score > b.score;
    const edge_info& ea = edge_of(members, a);
    const edge_info& eb = edge_of(members, b);
    if (ea.node_id != eb.node_id) return ea.node_id < eb.node_id;
    return members[a.member].cluster_id < members[b.member].cluster_id;
  };

  // The best `limit` edges so far, as a heap whose front is the worst of them. An edge whose score
  // cannot reach that front is counted without computing its great-circle angle (atan2): first with
  // the best possible geo part (1000), then with the chord bound below. The result is the same as
  // scoring everything, for less work.
  //
  // Chord bound: for unit vectors the chord |a - b| = sqrt(2 - 2 a.b) = 2 sin(angle/2) <= angle, so
  // geo <= 1000 * (1 - chord/pi) and an edge is below the front when chord > A, where A is the angle
  // its geo part would need. Only edges clearly below are skipped: A is taken for a front lowered by
  // prune_margin (far above the rounding of either computation), and chord^2 must exceed A^2 by
  // chord2_margin (the rounding of 2 - 2 a.b), so an edge that could tie or beat the front, after
  // rounding, is always scored exactly.
  constexpr double prune_margin = 1e-6;
  constexpr double chord2_margin = 1e-12;
  const std::size_t k = out.limit;
  std::vector<candidate> top;
  top.reserve(k + 1);

  for (std::uint32_t mi = 0; mi < members.size(); ++mi) {
    const pool_member& m = members[mi];
    pool_cluster info{m.cluster_id, m.where, false, true, std::nullopt, std::nullopt, 0, nullptr};
    if (!m.snapshot) {
      out.clusters.push_back(std::move(info));
      continue;
    }
    const cluster_snapshot& snap = *m.snapshot;
    const bool stale = snap.is_stale(request.now);
    info.known = true;
    info.stale = stale;
    if (snap.has_summary) {
      info.reported_at = snap.reported_at;
      info.stale_at = snap.stale_at();
    }
    info.edges = snap.edges.size();
    info.snapshot = m.snapshot;
    out.clusters.push_back(std::move(info));

    const bool remote = m.where == locality::remote;
    const double penalty = remote ? detail::cross_cluster_penalty : 0.0;
    for (std::uint32_t ei = 0; ei < snap.edges.size(); ++ei) {
      const edge_basis& b = snap.basis[ei];
      edge_rejection why = b.static_rejection;
      // Precedence follows the enum's order; STALE sits after MISSING_NODE_ID and NOT_REPORTED.
      if (stale && (why == edge_rejection::none || why > edge_rejection::stale)) why = edge_rejection::stale;
      if (why != edge_rejection::none) {
        reject(m, snap.edges[ei], why, std::nullopt);
        continue;
      }
      const double base = b.cpu + b.ram + b.bw;
      // A remote edge with base <= 200 may be dropped by the penalty: that needs its geo part.
      const bool may_drop = remote && base <= detail::cross_cluster_penalty;
      if (!may_drop && top.size() == k) {
        const double front = top.front().score;
        if ((base + detail::weight_geo) - penalty < front) {
          ++out.total;
          continue;
        }
        // The angle the geo part would need to reach the (lowered) front.
        const double needed = std::numbers::pi * (1.0 - (front - prune_margin - base + penalty) / detail::weight_geo);
        if (needed >= 0.0) {
          const double chord2 = 2.0 - 2.0 * (viewer.x * b.x + viewer.y * b.y + viewer.z * b.z);
          if (chord2 > needed * needed + chord2_margin) {
            ++out.total;
            continue;
          }
        }
      }
      const double before_penalty = base + detail::geo_part(viewer, {b.x, b.y, b.z});
      if (remote && before_penalty <= detail::cross_cluster_penalty) {
        reject(m, snap.edges[ei], edge_rejection::penalty_dropped, before_penalty);
        continue;
      }
      ++out.total;
      const candidate c{before_penalty - penalty, mi, ei};
      if (top.size() < k) {
        top.push_back(c);
        std::push_heap(top.begin(), top.end(), better);
      } else if (better(c, top.front())) {
        std::pop_heap(top.begin(), top.end(), better);
        top.back() = c;
        std::push_heap(top.begin(), top.end(), better);
      }
    }
  }
  std::sort(top.begin(), top.end(), better);

  out.items.reserve(top.size());
  for (const candidate& c : top) {
    const pool_member& m = members[c.member];
    const edge_info& e = m.snapshot->edges[c.edge];
    const edge_basis& b = m.snapshot->basis[c.edge];
    ranked_edge r;
    r.node_id = e.node_id;
    r.cluster_id = m.cluster_id;
    r.base_url = e.base_url;
    r.where = m.where;
    r.score = c.score;
    r.parts = {b.cpu, b.ram, b.bw, detail::geo_part(viewer, {b.x, b.y, b.z}),
               m.where == locality::remote ? detail::cross_cluster_penalty : 0.0};
    r.geo_lat = e.geo_lat;
    r.geo_lon = e.geo_lon;
    out.items.push_back(std::move(r));
  }
  return out;
}

events::result<edge_ranking> score_edges(const state_reader& edges, const scoring_pool& pool,
                                         const score_request& request, snapshot_cache* cache) {
  if (auto ok = validate_viewer(request.lat, request.lon); !ok) return ok.err();
  const auto members = resolve_pool(edges, pool, cache, request.cache_generation);
  return score_members(members, request);
}

boost::json::value to_json(const ranked_edge& e) {
  return boost::json::object{
      {"node_id", e.node_id},
      {"cluster_id", e.cluster_id},
      {"base_url", e.base_url},
      {"locality", to_string(e.where)},
      {"score", e.score},
      {"parts",
       boost::json::object{{"cpu", e.parts.cpu},
                           {"ram", e.parts.ram},
                           {"bw", e.parts.bw},
                           {"geo", e.parts.geo},
                           {"penalty", e.parts.penalty}}},
      {"geo", boost::json::object{{"lat", e.geo_lat}, {"lon", e.geo_lon}}},
  };
}

boost::json::value to_json(const rejected_edge& e) {
  boost::json::object o{
      {"node_id", e.node_id},
      {"cluster_id", e.cluster_id},
      {"locality", to_string(e.where)},
      {"reason", to_string(e.reason)},
  };
  if (e.score_before_penalty) o["score_before_penalty"] = *e.score_before_penalty;
  return o;
}

boost::json::value to_json(const edge_ranking& r) {
  boost::json::array items;
  items.reserve(r.items.size());
  for (const auto& e : r.items) items.push_back(to_json(e));
  boost::json::array rejected;
  rejected.reserve(r.rejected.size());
  for (const auto& e : r.rejected) rejected.push_back(to_json(e));
  boost::json::object by_reason;
  for (std::size_t i = 1; i < r.rejected_by_reason.size(); ++i) {
    if (r.rejected_by_reason[i] != 0) {
      by_reason[to_string(static_cast<edge_rejection>(i))] = r.rejected_by_reason[i];
    }
  }
  boost::json::array clusters;
  clusters.reserve(r.clusters.size());
  for (const auto& c : r.clusters) {
    clusters.push_back(boost::json::object{
        {"cluster_id", c.cluster_id},
        {"locality", to_string(c.where)},
        {"known", c.known},
        {"stale", c.stale},
        {"reported_at", optional_time(c.reported_at)},
        {"edges", c.edges},
    });
  }
  return boost::json::object{
      {"viewer", boost::json::object{{"lat", r.lat}, {"lon", r.lon}}},
      {"evaluated_at", events::format_rfc3339(r.evaluated_at)},
      {"limit", r.limit},
      {"total", r.total},
      {"items", std::move(items)},
      {"rejected", std::move(rejected)},
      {"rejected_total", r.rejected_total},
      {"rejected_by_reason", std::move(by_reason)},
      {"clusters", std::move(clusters)},
  };
}

std::string serialize(const edge_ranking& r) {
  std::string out;
  out.reserve(512 + 320 * r.items.size() + 128 * r.rejected.size() + 128 * r.clusters.size());
  out += "{\"viewer\":";
  out += boost::json::serialize(boost::json::object{{"lat", r.lat}, {"lon", r.lon}});
  out += ",\"evaluated_at\":";
  out += boost::json::serialize(boost::json::string_view(events::format_rfc3339(r.evaluated_at)));
  out += ",\"limit\":";
  append_number(out, r.limit);
  out += ",\"total\":";
  append_number(out, r.total);
  out += ",\"items\":[";
  for (std::size_t i = 0; i < r.items.size(); ++i) {
    if (i > 0) out += ',';
    out += boost::json::serialize(to_json(r.items[i]));
  }
  out += "],\"rejected\":[";
  for (std::size_t i = 0; i < r.rejected.size(); ++i) {
    if (i > 0) out += ',';
    out += boost::json::serialize(to_json(r.rejected[i]));
  }
  out += "],\"rejected_total\":";
  append_number(out, r.rejected_total);
  out += ",\"rejected_by_reason\":{";
  bool first = true;
  for (std::size_t i = 1; i < r.rejected_by_reason.size(); ++i) {
    if (r.rejected_by_reason[i] == 0) continue;
    if (!first) out += ',';
    first = false;
    out += '"';
    out += to_string(static_cast<edge_rejection>(i));
    out += "\":";
    append_number(out, r.rejected_by_reason[i]);
  }
  out += "},\"clusters\":[";
  for (std::size_t i = 0; i < r.clusters.size(); ++i) {
    if (i > 0) out += ',';
    append_cluster(out, r.clusters[i]);
  }
  out += "]}";
  return out;
}

}  // namespace fleetledger::projections::edges

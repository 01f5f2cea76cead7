#include "fleetledger/reader/metrics.hpp"

#include <cstdio>

#include "fleetledger/reader/view_set.hpp"

namespace fleetledger::reader {

// ---- routes ----

std::string_view route_template(route_id r) noexcept {
  switch (r) {
    case route_id::health: return "/health";
    case route_id::ready: return "/ready";
    case route_id::metrics: return "/metrics";
    case route_id::clusters: return "/v1/clusters";
    case route_id::cluster: return "/v1/clusters/{id}";
    case route_id::cluster_by_name: return "/v1/clusters/by-name/{name}";
    case route_id::cluster_status: return "/v1/clusters/{id}/status";
    case route_id::cluster_history: return "/v1/clusters/{id}/history";
    case route_id::cluster_edges: return "/v1/clusters/{id}/edges";
    case route_id::fleet_summary: return "/v1/fleet/summary";
    case route_id::fleet_health: return "/v1/fleet/health";
    case route_id::fleet_capabilities: return "/v1/fleet/capabilities";
    case route_id::market_clusters: return "/v1/marketplace/clusters";
    case route_id::market_cluster: return "/v1/marketplace/clusters/{id}";
    case route_id::market_subscriptions: return "/v1/marketplace/clusters/{id}/subscriptions";
    case route_id::market_invites: return "/v1/marketplace/clusters/{id}/invites";
    case route_id::market_rejections: return "/v1/marketplace/rejections";
    case route_id::tenant_network: return "/v1/tenants/{id}/network";
    case route_id::offerings: return "/v1/offerings";
    case route_id::offering_template: return "/v1/offerings/template/{product_type}";
    case route_id::edges_score: return "/v1/edges/score";
    case route_id::projections: return "/v1/projections";
    case route_id::unmatched:
    case route_id::count_: break;
  }
  return "unmatched";
}

route_id match_route(const std::vector<std::string>& s) noexcept {
  for (const auto& seg : s) {
    if (seg.empty()) return route_id::unmatched;
  }
  const auto n = s.size();
  if (n == 1) {
    if (s[0] == "health") return route_id::health;
    if (s[0] == "ready") return route_id::ready;
    if (s[0] == "metrics") return route_id::metrics;
    return route_id::unmatched;
  }
  if (n < 2 || s[0] != "v1") return route_id::unmatched;
  const auto& area = s[1];
  if (area == "clusters") {
    if (n == 2) return route_id::clusters;
    if (s[2] == "by-name") return n == 4 ? route_id::cluster_by_name : route_id::unmatched;
    if (n == 3) return route_id::cluster;
    if (n == 4) {
      if (s[3] == "status") return route_id::cluster_status;
      if (s[3] == "history") return route_id::cluster_history;
      if (s[3] == "edges") return route_id::cluster_edges;
    }
    return route_id::unmatched;
  }
  if (area == "fleet" && n == 3) {
    if (s[2] == "summary") return route_id::fleet_summary;
    if (s[2] == "health") return route_id::fleet_health;
    if (s[2] == "capabilities") return route_id::fleet_capabilities;
    return route_id::unmatched;
  }
  if (area == "marketplace" && n >= 3) {
    if (s[2] == "rejections") return n == 3 ? route_id::market_rejections : route_id::unmatched;
    if (s[2] != "clusters") return route_id::unmatched;
    if (n == 3) return route_id::market_clusters;
    if (n == 4) return route_id::market_cluster;
    if (n == 5 && s[4] == "subscriptions") return route_id::market_subscriptions;
    if (n == 5 && s[4] == "invites") return route_id::market_invites;
    return route_id::unmatched;
  }
  if (area == "tenants" && n == 4 && s[3] == "network") return route_id::tenant_network;
  if (area == "offerings") {
    if (n == 2) return route_id::offerings;
    if (n == 4 && s[2] == "template") return route_id::offering_template;
    return route_id::unmatched;
  }
  if (area == "edges" && n == 3 && s[2] == "score") return route_id::edges_score;
  if (area == "projections" && n == 2) return route_id::projections;
  return route_id::unmatched;
}

// ---- metrics ----

std::size_t http_metrics::status_index(unsigned status) noexcept {
  for (std::size_t i = 0; i + 1 < statuses.size(); ++i) {
    if (statuses[i] == status) return i;
  }
  return statuses.size() - 1;
}

void http_metrics::record(route_id route, unsigned status, std::chrono::nanoseconds duration) noexcept {
  const auto r = static_cast<std::size_t>(route);
  if (r >= route_count) return;
  auto& st = routes_[r];
  st.by_status[status_index(status)].fetch_add(1, std::memory_order_relaxed);
  const double seconds = std::chrono::duration<double>(duration).count();
  std::size_t b = 0;
  while (b < latency_buckets.size() && seconds > latency_buckets[b]) ++b;
  st.buckets[b].fetch_add(1, std::memory_order_relaxed);
  st.sum_ns.fetch_add(static_cast<std::uint64_t>(duration.count() < 0 ? 0 : duration.count()), std::memory_order_relaxed);
  st.count.fetch_add(1, std::memory_order_relaxed);
}

std::uint64_t http_metrics::requests(route_id route, unsigned status) const noexcept {
  return routes_[static_cast<std::size_t>(route)].by_status[status_index(status)].load();
}

namespace {

std::string num(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

void escape_label(std::string& out, std::string_view v) {
  for (const char c : v) {
    if (c == '\\' || c == '"') {
      out.push_back('\\');
      out.push_back(c);
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out.push_back(c);
    }
  }
}

}  // namespace

std::string http_metrics::render(view_set* views) const {
  std::string out;
  out.reserve(16 * 1024);
  out += "# HELP fleetledger_http_requests_total HTTP requests by route template and status code.\n";
  out += "# TYPE fleetledger_http_requests_total counter\n";
  for (std::size_t r = 0; r < route_count; ++r) {
    for (std::size_t i = 0; i < statuses.size(); ++i) {
      const auto n = routes_[r].by_status[i].load(std::memory_order_relaxed);
      if (n == 0) continue;
      out += "fleetledger_http_requests_total{route=\"";
      escape_label(out, route_template(static_cast<route_id>(r)));
      out += "\",code=\"";
      out += statuses[i] == 0 ? std::string("other") : std::to_string(statuses[i]);
      out += "\"} " + std::to_string(n) + "\n";
    }
  }
  out += "# HELP fleetledger_http_request_duration_seconds Time from a parsed request to its response.\n";
  out += "# TYPE fleetledger_http_request_duration_seconds histogram\n";
  for (std::size_t r = 0; r < route_count; ++r) {
    const auto& st = routes_[r];
    const auto count = st.count.load(std::memory_order_relaxed);
    if (count == 0) continue;
    std::string label = "route=\"";
    escape_label(label, route_template(static_cast<route_id>(r)));
    label += "\"";
    std::uint64_t cumulative = 0;
    for (std::size_t b = 0; b < latency_buckets.size(); ++b) {
      cumulative += st.buckets[b].load(std::memory_order_relaxed);
      out += "fleetledger_http_request_duration_seconds_bucket{" + label + ",le=\"" + num(latency_buckets[b]) +
             "\"} " + std::to_string(cumulative) + "\n";
    }
    cumulative += st.buckets[latency_buckets.size()].load(std::memory_order_relaxed);
    out += "fleetledger_http_request_duration_seconds_bucket{" + label + ",le=\"+Inf\"} " +
           std::to_string(cumulative) + "\n";
    out += "fleetledger_http_request_duration_seconds_sum{" + label + "} " +
           num(static_cast<double>(st.sum_ns.load(std::memory_order_relaxed)) / 1e9) + "\n";
    out += "fleetledger_http_request_duration_seconds_count{" + label + "} " + std::to_string(cumulative) + "\n";
  }
  out += "# HELP fleetledger_edge_score_pools_total Scoring pools by source: kept and current, the previous one "
         "during a refresh, resolved by a request, re-resolved by the catch-up thread.\n";
  out += "# TYPE fleetledger_edge_score_pools_total counter\n";
  constexpr std::array<const char*, score_pool_source_count> sources{"current", "previous", "resolved", "refreshed"};
  for (std::size_t i = 0; i < sources.size(); ++i) {
    out += std::string("fleetledger_edge_score_pools_total{source=\"") + sources[i] + "\"} " +
           std::to_string(score_pools_[i].load(std::memory_order_relaxed)) + "\n";
  }
  if (views == nullptr) return out;

  std::array<view_status, view_count> status;
  for (const auto v : all_views) status[static_cast<std::size_t>(v)] = views->status(v);
  const auto each_view = [&](const char* name, const char* type, const char* help, auto&& value) {
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
    for (const auto v : all_views) {
      const auto& s = status[static_cast<std::size_t>(v)];
      out += std::string(name) + "{view=\"" + std::string(to_string(v)) + "\"} " + value(s) + "\n";
    }
  };
  each_view("fleetledger_view_ready", "gauge", "1 when the reader has the view open.",
            [](const view_status& s) { return std::string(s.open ? "1" : "0"); });
  each_view("fleetledger_view_lag_ms", "gauge", "Milliseconds the view is behind (see docs/READER.md).",
            [](const view_status& s) { return std::to_string(s.lag_ms); });
  each_view("fleetledger_view_generation", "counter", "Catch-ups that changed the view as the reader sees it.",
            [](const view_status& s) { return std::to_string(s.generation); });
  out += "# HELP fleetledger_view_offset Next offset the view will apply, per partition (Kafka convention).\n";
  out += "# TYPE fleetledger_view_offset gauge\n";
  for (const auto v : all_views) {
    for (const auto& o : status[static_cast<std::size_t>(v)].offsets) {
      out += "fleetledger_view_offset{view=\"" + std::string(to_string(v)) + "\",topic=\"";
      escape_label(out, o.where.topic.value());
      out += "\",partition=\"" + std::to_string(o.where.partition.value()) + "\"} " +
             std::to_string(o.next.value()) + "\n";
    }
  }
  each_view("fleetledger_projector_applied_total", "counter", "Events the projector applied.",
            [](const view_status& s) { return std::to_string(s.counters.applied); });
  each_view("fleetledger_projector_rejected_total", "counter", "Events a rule refused (listed in rejections).",
            [](const view_status& s) { return std::to_string(s.counters.rejected); });
  each_view("fleetledger_projector_ignored_total", "counter", "Events not relevant to the view.",
            [](const view_status& s) { return std::to_string(s.counters.ignored); });
  each_view("fleetledger_projector_duplicates_total", "counter", "Duplicate event ids skipped.",
            [](const view_status& s) { return std::to_string(s.counters.duplicates); });
  each_view("fleetledger_projector_dead_lettered_total", "counter", "Records sent to fleet.deadletter.v1.",
            [](const view_status& s) { return std::to_string(s.counters.dead_lettered); });
  return out;
}

}  // namespace fleetledger::reader

#include "fleetledger/projections/fleet/queries.hpp"

#include <algorithm>
#include <cctype>
#include <limits>

#include <boost/json.hpp>

#include "fleet_state.hpp"
#include "fleetledger/events/cluster_rules.hpp"
#include "fleetledger/events/timestamps.hpp"

namespace fleetledger::projections::fleet {

using namespace detail;  // NOLINT(google-build-using-namespace): the layout this file reads

namespace {

constexpr std::int64_t retention_ns =
    std::chrono::duration_cast<std::chrono::nanoseconds>(events::health_history_retention).count();
constexpr std::int64_t max_page_size = 100;

// ---- enums ----

std::string strip(const std::string& full, std::string_view prefix) {
  return std::string_view(full).starts_with(prefix) ? full.substr(prefix.size()) : full;
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

template <typename E, typename ParseFn>
std::optional<E> parse_enum(std::string_view text, std::string_view prefix, ParseFn parse) {
  std::string u = upper(text);
  if (!std::string_view(u).starts_with(prefix)) u = std::string(prefix) + u;
  E v{};
  if (!parse(u, &v) || static_cast<int>(v) == 0) return std::nullopt;
  return v;
}

// ---- time ----

std::string format_time(time_point t) { return events::format_rfc3339(t); }

std::int64_t now_ns(time_point now) { return to_ns(now); }

boost::json::value json_time(const std::optional<time_point>& t) {
  if (!t) return nullptr;
  return boost::json::value(format_time(*t));
}

std::optional<time_point> optional_time(bool present, const google::protobuf::Timestamp& t) {
  if (!present) return std::nullopt;
  return to_time_point(t);
}

// ---- liveness ----

std::int64_t stale_after_ns(v1::ClusterType type) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(events::check_interval(type)).count() *
         events::stale_after_intervals;
}

// Checked before, but no check for 3 intervals (a check dated in the future counts as fresh).
bool is_stale(v1::ClusterType type, std::int64_t last_checked_ns, std::int64_t now) {
  return now - last_checked_ns >= stale_after_ns(type);
}

struct read_state {
  v1::ClusterState state{v1::CLUSTER_STATE_UNKNOWN};
  bool stale{false};
};

read_state state_at(bool checked, v1::ClusterType type, std::int64_t last_checked_ns, v1::ClusterState last_state,
                    std::int64_t now) {
  if (!checked) return {v1::CLUSTER_STATE_UNKNOWN, false};
  if (is_stale(type, last_checked_ns, now)) return {v1::CLUSTER_STATE_UNKNOWN, true};
  return {last_state, false};
}

read_state state_at(const ClusterFacts& f, std::int64_t now) {
  return state_at(f.checked(), f.cluster_type(), f.last_checked_ns(), f.state(), now);
}

read_state state_at(const ClusterRecord& r, std::int64_t now) {
  if (!r.has_last_check()) return {v1::CLUSTER_STATE_UNKNOWN, false};
  return state_at(true, r.cluster_type(), to_ns(r.last_check().checked_at()), r.last_check().state(), now);
}

// ---- records to results ----

check_info check_of(const CheckOutcome& c) {
  check_info out;
  out.status = c.status();
  if (c.has_latency()) {
    out.latency_ms = static_cast<double>(c.latency().seconds()) * 1000.0 + static_cast<double>(c.latency().nanos()) / 1e6;
  }
  out.error = c.error();
  out.http_status = c.http_status();
  return out;
}

health_checks checks_of(const LastCheck& c) {
  return {check_of(c.api_server()), check_of(c.prometheus()), check_of(c.tempo()), check_of(c.loki())};
}

status_change_info status_change_of(const StatusNote& n) {
  return {to_time_point(n.at()), n.old_state(), n.new_state(), n.health_score(), n.reason()};
}

cluster_info info_of(const ClusterRecord& r, std::int64_t now) {
  cluster_info c;
  c.cluster_id = r.cluster_id();
  c.name = r.name();
  c.display_name = r.display_name();
  c.owner_tenant_id = r.owner_tenant_id();
  c.api_server_url = r.api_server_url();
  c.cluster_type = r.cluster_type();
  c.platform = r.platform();
  c.region = r.region();
  c.environment = r.environment();
  c.labels.insert(r.labels().begin(), r.labels().end());
  c.endpoints = {r.endpoints().prometheus_url(), r.endpoints().tempo_url(), r.endpoints().loki_url(),
                 r.endpoints().alertmanager_url()};
  c.geo = {r.geo().latitude(), r.geo().longitude(), r.geo().country(), r.geo().city()};
  c.cluster_class = r.cluster_class();
  c.capacity = {r.capacity().max_streams(), r.capacity().max_viewers(), r.capacity().max_bandwidth_mbps()};
  c.domain = r.domain();
  const read_state rs = state_at(r, now);
  c.state = rs.state;
  c.stale = rs.stale;
  if (r.has_last_check()) {
    c.health_score = r.last_check().health_score();
    c.last_checked_at = to_time_point(r.last_check().checked_at());
  }
  const CapabilitySet& cap = r.capabilities();
  c.capabilities.has_gpu_nodes = cap.has_gpu_nodes();
  c.capabilities.gpu_count = cap.gpu_count();
  c.capabilities.gpu_types.assign(cap.gpu_types().begin(), cap.gpu_types().end());
  c.capabilities.has_prometheus = cap.has_prometheus();
  c.capabilities.has_thanos = cap.has_thanos();
  c.capabilities.has_tempo = cap.has_tempo();
  c.capabilities.has_loki = cap.has_loki();
  c.capabilities.has_service_mesh = cap.has_service_mesh();
  c.capabilities.has_cnf_workloads = cap.has_cnf_workloads();
  for (const int t : cap.cnf_types()) c.capabilities.cnf_types.push_back(static_cast<v1::CnfType>(t));
  c.capabilities.reported_at = optional_time(cap.has_reported_at(), cap.reported_at());
  if (r.has_credentials()) {
    c.credentials = credentials_info{r.credentials().auth_type(), r.credentials().fingerprint(),
                                     optional_time(r.credentials().has_expires_at(), r.credentials().expires_at())};
  }
  c.created_at = to_time_point(r.created_at());
  c.updated_at = to_time_point(r.updated_at());
  return c;
}

events::error cluster_not_found(std::string message) {
  return events::make_error(events::errc::not_found, "CLUSTER_NOT_FOUND: " + std::move(message));
}

// The record of a live cluster: registered, not deleted, owning its name.
events::result<ClusterRecord> load_live_record(const state_reader& state, std::string_view cluster_id) {
  auto r = load_record(state, cluster_id);
  if (!r) return cluster_not_found("cluster '" + std::string(cluster_id) + "' is not registered");
  if (r->deleted()) return cluster_not_found("cluster '" + std::string(cluster_id) + "' was deleted");
  std::optional<std::string> refused_by;
  walk_claims(state, claim_prefix(r->name()), [&](const claim_visit& v) {
    if (v.claim.cluster_id() != r->cluster_id() || v.claim.event_id() != r->registration_event_id()) return true;
    if (v.standing == claim_standing::refused) refused_by = v.owner->cluster_id;
    return false;
  });
  if (refused_by) {
    return cluster_not_found("the registration of cluster '" + std::string(cluster_id) +
                             "' was refused (CLUSTER_ALREADY_EXISTS): name '" + r->name() +
                             "' is owned by cluster '" + *refused_by + "'");
  }
  return std::move(*r);
}

std::int64_t clamp_page_size(std::int64_t s) { return std::clamp<std::int64_t>(s, 1, max_page_size); }

template <typename T>
page<T> page_shell(std::int64_t total, const page_request& paging) {
  page<T> p;
  p.total = total;
  p.page = std::max<std::int64_t>(paging.page, 1);
  p.page_size = clamp_page_size(paging.page_size);
  p.total_pages = (total + p.page_size - 1) / p.page_size;
  return p;
}

bool equals_ci(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::optional<bool> parse_bool(std::string_view s) {
  const std::string l = lower(s);
  if (l == "true") return true;
  if (l == "false") return false;
  return std::nullopt;
}

// Every live cluster's claim, in name order.
void for_each_live(const state_reader& state, const std::function<void(std::string_view, const NameClaim&)>& fn) {
  std::string all(claim_ns);
  all += key_sep;
  walk_claims(state, all, [&](const claim_visit& v) {
    if (v.standing == claim_standing::live) fn(v.name, v.claim);
    return true;
  });
}

// ---- JSON helpers ----

boost::json::object json_check(const check_info& c) {
  boost::json::object o;
  o["status"] = enum_name(c.status);
  o["latency_ms"] = c.latency_ms ? boost::json::value(*c.latency_ms) : boost::json::value(nullptr);
  o["error"] = c.error;
  o["http_status"] = c.http_status;
  return o;
}

boost::json::object json_checks(const health_checks& c) {
  boost::json::object o;
  o["api_server"] = json_check(c.api_server);
  o["prometheus"] = json_check(c.prometheus);
  o["tempo"] = json_check(c.tempo);
  o["loki"] = json_check(c.loki);
  return o;
}

boost::json::object json_status_change(const status_change_info& s) {
  boost::json::object o;
  o["at"] = format_time(s.at);
  o["old_state"] = enum_name(s.old_state);
  o["new_state"] = enum_name(s.new_state);
  o["health_score"] = s.health_score;
  o["reason"] = s.reason;
  return o;
}

template <typename T>
boost::json::value json_page(const page<T>& p) {
  boost::json::array items;
  items.reserve(p.items.size());
  for (const auto& i : p.items) items.push_back(to_json(i));
  boost::json::object o;
  o["items"] = std::move(items);
  o["total"] = p.total;
  o["page"] = p.page;
  o["page_size"] = p.page_size;
  o["total_pages"] = p.total_pages;
  return o;
}

template <typename E>
boost::json::object json_counts(const std::map<E, std::int64_t>& counts) {
  boost::json::object o;
  for (const auto& [k, n] : counts) o[enum_name(k)] = n;
  return o;
}

}  // namespace

// ---- enums ----

std::string enum_name(v1::ClusterType v) { return strip(v1::ClusterType_Name(v), "CLUSTER_TYPE_"); }
std::string enum_name(v1::Platform v) { return strip(v1::Platform_Name(v), "PLATFORM_"); }
std::string enum_name(v1::Environment v) { return strip(v1::Environment_Name(v), "ENVIRONMENT_"); }
std::string enum_name(v1::ClusterClass v) { return strip(v1::ClusterClass_Name(v), "CLUSTER_CLASS_"); }
std::string enum_name(v1::ClusterState v) { return strip(v1::ClusterState_Name(v), "CLUSTER_STATE_"); }
std::string enum_name(v1::CheckStatus v) { return strip(v1::CheckStatus_Name(v), "CHECK_STATUS_"); }
std::string enum_name(v1::Connectivity v) { return strip(v1::Connectivity_Name(v), "CONNECTIVITY_"); }
std::string enum_name(v1::CnfType v) { return strip(v1::CnfType_Name(v), "CNF_TYPE_"); }
std::string enum_name(v1::AuthType v) { return strip(v1::AuthType_Name(v), "AUTH_TYPE_"); }

std::optional<v1::ClusterType> parse_cluster_type(std::string_view s) {
  return parse_enum<v1::ClusterType>(s, "CLUSTER_TYPE_", [](const std::string& n, v1::ClusterType* v) {
    return v1::ClusterType_Parse(n, v);
  });
}
std::optional<v1::Environment> parse_environment(std::string_view s) {
  return parse_enum<v1::Environment>(s, "ENVIRONMENT_", [](const std::string& n, v1::Environment* v) {
    return v1::Environment_Parse(n, v);
  });
}
std::optional<v1::ClusterState> parse_cluster_state(std::string_view s) {
  return parse_enum<v1::ClusterState>(s, "CLUSTER_STATE_", [](const std::string& n, v1::ClusterState* v) {
    return v1::ClusterState_Parse(n, v);
  });
}

// ---- filters ----

events::result<cluster_filter> parse_cluster_filter(const std::vector<std::pair<std::string, std::string>>& query) {
  cluster_filter f;
  auto bad = [](const std::string& what) {
    return events::make_error(events::errc::invalid_argument, "INVALID_ARGUMENT: " + what);
  };
  for (const auto& [key, value] : query) {
    if (value.empty()) continue;
    if (key == "name") {
      f.name_contains = lower(value);
    } else if (key == "cluster_type") {
      f.cluster_type = parse_cluster_type(value);
      if (!f.cluster_type) return bad("cluster_type must be one of HUB, SPOKE, EDGE, FAR_EDGE, not '" + value + "'");
    } else if (key == "environment") {
      f.environment = parse_environment(value);
      if (!f.environment) {
        return bad("environment must be one of PRODUCTION, STAGING, DEVELOPMENT, LAB, not '" + value + "'");
      }
    } else if (key == "region") {
      f.region = value;
    } else if (key == "state") {
      f.state = parse_cluster_state(value);
      if (!f.state) return bad("state must be one of UNKNOWN, ONLINE, DEGRADED, OFFLINE, not '" + value + "'");
    } else if (key == "has_gpu" || key == "has_cnf") {
      const auto b = parse_bool(value);
      if (!b) return bad(key + " must be true or false, not '" + value + "'");
      (key == "has_gpu" ? f.has_gpu : f.has_cnf) = b;
    } else if (key == "label") {
      const auto eq = value.find('=');
      if (eq == 0) return bad("label must be key=value or key, not '" + value + "'");
      if (eq == std::string::npos) {
        f.labels.emplace_back(value, std::nullopt);
      } else {
        f.labels.emplace_back(value.substr(0, eq), value.substr(eq + 1));
      }
    }
  }
  return f;
}

// ---- queries ----

page<cluster_info> list_clusters(const state_reader& state, const cluster_filter& filter, const page_request& paging,
                                 time_point now) {
  const std::int64_t t = now_ns(now);
  std::vector<std::string> matching;  // cluster ids, in name order
  for_each_live(state, [&](std::string_view name, const NameClaim& claim) {
    const ClusterFacts& f = claim.facts();
    if (filter.name_contains && name.find(*filter.name_contains) == std::string_view::npos) return;
    if (filter.cluster_type && f.cluster_type() != *filter.cluster_type) return;
    if (filter.environment && f.environment() != *filter.environment) return;
    if (filter.region && !equals_ci(f.region(), *filter.region)) return;
    if (filter.state && state_at(f, t).state != *filter.state) return;
    if (filter.has_gpu && f.has_gpu_nodes() != *filter.has_gpu) return;
    if (filter.has_cnf && f.has_cnf_workloads() != *filter.has_cnf) return;
    if (!filter.labels.empty()) {
      const auto r = load_record(state, claim.cluster_id());
      if (!r) return;
      for (const auto& [k, v] : filter.labels) {
        const auto it = r->labels().find(k);
        if (it == r->labels().end() || (v && it->second != *v)) return;
      }
    }
    matching.push_back(claim.cluster_id());
  });
  auto p = page_shell<cluster_info>(static_cast<std::int64_t>(matching.size()), paging);
  const std::int64_t first = (p.page - 1) * p.page_size;
  for (std::int64_t i = first; i < p.total && i < first + p.page_size; ++i) {
    if (const auto r = load_record(state, matching[static_cast<std::size_t>(i)])) p.items.push_back(info_of(*r, t));
  }
  return p;
}

events::result<cluster_info> read_cluster(const state_reader& state, std::string_view cluster_id, time_point now) {
  auto r = load_live_record(state, cluster_id);
  if (!r) return r.err();
  return info_of(*r, now_ns(now));
}

events::result<cluster_info> read_cluster_by_name(const state_reader& state, std::string_view name, time_point now) {
  const std::string wanted = lower(name);
  if (!events::is_valid_cluster_name(wanted)) return cluster_not_found("no cluster is named '" + std::string(name) + "'");
  std::optional<std::string> owner;
  walk_claims(state, claim_prefix(wanted), [&](const claim_visit& v) {
    if (v.standing == claim_standing::live) owner = v.claim.cluster_id();
    return !owner;
  });
  if (!owner) return cluster_not_found("no cluster is named '" + wanted + "'");
  const auto r = load_record(state, *owner);
  if (!r) return cluster_not_found("no cluster is named '" + wanted + "'");
  return info_of(*r, now_ns(now));
}

events::result<cluster_status> read_status(const state_reader& state, std::string_view cluster_id, time_point now) {
  auto r = load_live_record(state, cluster_id);
  if (!r) return r.err();
  cluster_status s;
  s.cluster_id = r->cluster_id();
  s.name = r->name();
  const read_state rs = state_at(*r, now_ns(now));
  s.state = rs.state;
  s.stale = rs.stale;
  if (r->has_last_check()) {
    const LastCheck& c = r->last_check();
    s.health_score = c.health_score();
    s.last_checked_at = to_time_point(c.checked_at());
    s.connectivity = c.connectivity();
    s.checks = checks_of(c);
  }
  if (r->has_last_status_change()) s.last_status_change = status_change_of(r->last_status_change());
  return s;
}

events::result<page<history_entry>> read_history(const state_reader& state, std::string_view cluster_id,
                                                 std::optional<time_point> since, const page_request& paging) {
  auto r = load_live_record(state, cluster_id);
  if (!r) return r.err();
  // The window is the 7 days before the newest check (storage prunes by whole hour buckets).
  std::int64_t from = std::numeric_limits<std::int64_t>::min();
  if (r->has_last_check()) from = to_ns(r->last_check().checked_at()) - retention_ns;
  if (since) from = std::max(from, to_ns(*since));

  const std::string prefix = history_prefix(cluster_id);
  const std::string start = from == std::numeric_limits<std::int64_t>::min() ? std::string() : history_seek_key(cluster_id, from);
  const std::int64_t page_size = clamp_page_size(paging.page_size);
  const std::int64_t first = (std::max<std::int64_t>(paging.page, 1) - 1) * page_size;
  std::int64_t total = 0;
  std::vector<history_entry> items;
  HistoryEntry e;
  state.scan(prefix, [&](std::string_view, std::string_view value) {
    const std::int64_t index = total++;
    if (index < first || index >= first + page_size) return true;
    if (!e.ParseFromArray(value.data(), static_cast<int>(value.size()))) return true;
    history_entry h;
    h.at = to_time_point(e.at());
    h.state = e.state();
    h.health_score = e.health_score();
    if (e.has_check()) {
      h.what = history_entry::kind::health_check;
      h.connectivity = e.check().connectivity();
      h.checks = checks_of(e.check());
    } else {
      h.what = history_entry::kind::status_change;
      h.status_change = status_change_of(e.status_change());
    }
    items.push_back(std::move(h));
    return true;
  }, start);
  auto p = page_shell<history_entry>(total, paging);
  p.items = std::move(items);
  return p;
}

fleet_summary read_summary(const state_reader& state, time_point now) {
  const std::int64_t t = now_ns(now);
  fleet_summary s;
  for (const auto st : {v1::CLUSTER_STATE_UNKNOWN, v1::CLUSTER_STATE_ONLINE, v1::CLUSTER_STATE_DEGRADED,
                        v1::CLUSTER_STATE_OFFLINE}) {
    s.by_state[st] = 0;
  }
  for (const auto ty : {v1::CLUSTER_TYPE_HUB, v1::CLUSTER_TYPE_SPOKE, v1::CLUSTER_TYPE_EDGE, v1::CLUSTER_TYPE_FAR_EDGE}) {
    s.by_type[ty] = 0;
  }
  for (const auto en : {v1::ENVIRONMENT_PRODUCTION, v1::ENVIRONMENT_STAGING, v1::ENVIRONMENT_DEVELOPMENT,
                        v1::ENVIRONMENT_LAB}) {
    s.by_environment[en] = 0;
  }
  std::int64_t scored = 0;
  std::int64_t score_sum = 0;
  for_each_live(state, [&](std::string_view, const NameClaim& claim) {
    const ClusterFacts& f = claim.facts();
    ++s.total_clusters;
    ++s.by_state[state_at(f, t).state];
    ++s.by_type[f.cluster_type()];
    ++s.by_environment[f.environment()];
    s.total_gpu_count += f.gpu_count();
    if (f.has_cnf_workloads()) ++s.clusters_with_cnf;
    // Stale clusters still count: they were checked, and their last score is what we know.
    if (f.checked()) {
      ++scored;
      score_sum += f.health_score();
    }
  });
  if (scored > 0) s.avg_health_score = static_cast<double>(score_sum) / static_cast<double>(scored);
  return s;
}

fleet_health read_health(const state_reader& state, time_point now) {
  const std::int64_t t = now_ns(now);
  fleet_health h;
  for_each_live(state, [&](std::string_view, const NameClaim& claim) {
    ++h.total;
    const read_state rs = state_at(claim.facts(), t);
    switch (rs.state) {
      case v1::CLUSTER_STATE_ONLINE: ++h.healthy; break;
      case v1::CLUSTER_STATE_DEGRADED: ++h.degraded; break;
      case v1::CLUSTER_STATE_OFFLINE: ++h.offline; break;
      default: ++h.unknown; break;
    }
    if (rs.stale) ++h.stale;
  });
  return h;
}

fleet_capabilities read_capabilities(const state_reader& state) {
  fleet_capabilities c;
  std::vector<std::string_view> seen_gpu;
  std::vector<int> seen_cnf;
  for_each_live(state, [&](std::string_view, const NameClaim& claim) {
    const ClusterFacts& f = claim.facts();
    ++c.total_clusters;
    const std::uint32_t bits = f.capability_bits();
    if (bits & (1u << 5)) ++c.clusters_reporting;
    if (f.has_gpu_nodes()) ++c.with_gpu;
    if (bits & (1u << 0)) ++c.with_prometheus;
    if (bits & (1u << 1)) ++c.with_thanos;
    if (bits & (1u << 2)) ++c.with_tempo;
    if (bits & (1u << 3)) ++c.with_loki;
    if (bits & (1u << 4)) ++c.with_service_mesh;
    if (f.has_cnf_workloads()) ++c.with_cnf;
    c.total_gpu_count += f.gpu_count();
    // Each type counts once per cluster, even if reported twice.
    seen_gpu.assign(f.gpu_types().begin(), f.gpu_types().end());
    std::sort(seen_gpu.begin(), seen_gpu.end());
    seen_gpu.erase(std::unique(seen_gpu.begin(), seen_gpu.end()), seen_gpu.end());
    for (const auto g : seen_gpu) ++c.gpu_types[std::string(g)];
    seen_cnf.assign(f.cnf_types().begin(), f.cnf_types().end());
    std::sort(seen_cnf.begin(), seen_cnf.end());
    seen_cnf.erase(std::unique(seen_cnf.begin(), seen_cnf.end()), seen_cnf.end());
    for (const int n : seen_cnf) ++c.cnf_types[static_cast<v1::CnfType>(n)];
  });
  return c;
}

std::vector<name_conflict> name_conflicts(const state_reader& state) {
  std::vector<name_conflict> out;
  std::string all(claim_ns);
  all += key_sep;
  walk_claims(state, all, [&](const claim_visit& v) {
    if (v.standing != claim_standing::refused) return true;
    name_conflict n;
    n.cluster_id = v.claim.cluster_id();
    n.name = std::string(v.name);
    n.event_id = v.claim.event_id();
    n.occurred_at = to_time_point(v.claim.occurred_at_ns());
    n.owner_cluster_id = v.owner->cluster_id;
    n.owner_claimed_at = to_time_point(v.owner->occurred_at_ns);
    n.reason = "CLUSTER_ALREADY_EXISTS: name '" + n.name + "' was claimed by cluster '" + n.owner_cluster_id +
               "' at " + format_time(n.owner_claimed_at) + ", before cluster '" + n.cluster_id + "' at " +
               format_time(n.occurred_at);
    out.push_back(std::move(n));
    return true;
  });
  return out;
}

// ---- JSON ----

boost::json::value to_json(const cluster_info& c) {
  boost::json::object o;
  o["cluster_id"] = c.cluster_id;
  o["name"] = c.name;
  o["display_name"] = c.display_name;
  o["owner_tenant_id"] = c.owner_tenant_id;
  o["api_server_url"] = c.api_server_url;
  o["cluster_type"] = enum_name(c.cluster_type);
  o["platform"] = enum_name(c.platform);
  o["region"] = c.region;
  o["environment"] = enum_name(c.environment);
  boost::json::object labels;
  for (const auto& [k, v] : c.labels) labels[k] = v;
  o["labels"] = std::move(labels);
  o["endpoints"] = {{"prometheus_url", c.endpoints.prometheus_url},
                    {"tempo_url", c.endpoints.tempo_url},
                    {"loki_url", c.endpoints.loki_url},
                    {"alertmanager_url", c.endpoints.alertmanager_url}};
  o["geo"] = {{"latitude", c.geo.latitude},
              {"longitude", c.geo.longitude},
              {"country", c.geo.country},
              {"city", c.geo.city}};
  o["cluster_class"] = enum_name(c.cluster_class);
  o["capacity"] = {{"max_streams", c.capacity.max_streams},
                   {"max_viewers", c.capacity.max_viewers},
                   {"max_bandwidth_mbps", c.capacity.max_bandwidth_mbps}};
  o["domain"] = c.domain;
  o["state"] = enum_name(c.state);
  o["health_score"] = c.health_score ? boost::json::value(*c.health_score) : boost::json::value(nullptr);
  o["last_checked_at"] = json_time(c.last_checked_at);
  o["stale"] = c.stale;
  boost::json::object cap;
  cap["has_gpu_nodes"] = c.capabilities.has_gpu_nodes;
  cap["gpu_count"] = c.capabilities.gpu_count;
  boost::json::array gpu_types;
  for (const auto& g : c.capabilities.gpu_types) gpu_types.emplace_back(g);
  cap["gpu_types"] = std::move(gpu_types);
  cap["has_prometheus"] = c.capabilities.has_prometheus;
  cap["has_thanos"] = c.capabilities.has_thanos;
  cap["has_tempo"] = c.capabilities.has_tempo;
  cap["has_loki"] = c.capabilities.has_loki;
  cap["has_service_mesh"] = c.capabilities.has_service_mesh;
  cap["has_cnf_workloads"] = c.capabilities.has_cnf_workloads;
  boost::json::array cnf_types;
  for (const auto t : c.capabilities.cnf_types) cnf_types.emplace_back(enum_name(t));
  cap["cnf_types"] = std::move(cnf_types);
  cap["reported_at"] = json_time(c.capabilities.reported_at);
  o["capabilities"] = std::move(cap);
  if (c.credentials) {
    o["credentials"] = {{"auth_type", enum_name(c.credentials->auth_type)},
                        {"fingerprint", c.credentials->fingerprint},
                        {"expires_at", json_time(c.credentials->expires_at)}};
  } else {
    o["credentials"] = nullptr;
  }
  o["created_at"] = format_time(c.created_at);
  o["updated_at"] = format_time(c.updated_at);
  o["deleted"] = false;
  return o;
}

boost::json::value to_json(const cluster_status& s) {
  boost::json::object o;
  o["cluster_id"] = s.cluster_id;
  o["name"] = s.name;
  o["state"] = enum_name(s.state);
  o["stale"] = s.stale;
  o["health_score"] = s.health_score ? boost::json::value(*s.health_score) : boost::json::value(nullptr);
  o["last_checked_at"] = json_time(s.last_checked_at);
  o["connectivity"] = enum_name(s.connectivity);
  o["checks"] = s.checks ? boost::json::value(json_checks(*s.checks)) : boost::json::value(nullptr);
  o["last_status_change"] =
      s.last_status_change ? boost::json::value(json_status_change(*s.last_status_change)) : boost::json::value(nullptr);
  return o;
}

boost::json::value to_json(const history_entry& h) {
  boost::json::object o;
  o["kind"] = h.what == history_entry::kind::health_check ? "HEALTH_CHECK" : "STATUS_CHANGE";
  o["at"] = format_time(h.at);
  o["state"] = enum_name(h.state);
  o["health_score"] = h.health_score;
  if (h.what == history_entry::kind::health_check) {
    o["connectivity"] = enum_name(h.connectivity);
    o["checks"] = h.checks ? boost::json::value(json_checks(*h.checks)) : boost::json::value(nullptr);
  } else {
    o["status_change"] =
        h.status_change ? boost::json::value(json_status_change(*h.status_change)) : boost::json::value(nullptr);
  }
  return o;
}

boost::json::value to_json(const page<cluster_info>& p) { return json_page(p); }
boost::json::value to_json(const page<history_entry>& p) { return json_page(p); }

boost::json::value to_json(const fleet_summary& s) {
  boost::json::object o;
  o["total_clusters"] = s.total_clusters;
  o["by_state"] = json_counts(s.by_state);
  o["by_type"] = json_counts(s.by_type);
  o["by_environment"] = json_counts(s.by_environment);
  o["total_gpu_count"] = s.total_gpu_count;
  o["clusters_with_cnf"] = s.clusters_with_cnf;
  o["avg_health_score"] = s.avg_health_score ? boost::json::value(*s.avg_health_score) : boost::json::value(nullptr);
  return o;
}

boost::json::value to_json(const fleet_health& h) {
  return {{"total", h.total},       {"healthy", h.healthy}, {"degraded", h.degraded},
          {"offline", h.offline},   {"unknown", h.unknown}, {"stale", h.stale}};
}

boost::json::value to_json(const fleet_capabilities& c) {
  boost::json::object o;
  o["total_clusters"] = c.total_clusters;
  o["clusters_reporting"] = c.clusters_reporting;
  o["clusters_with"] = {{"gpu", c.with_gpu},           {"prometheus", c.with_prometheus},
                        {"thanos", c.with_thanos},     {"tempo", c.with_tempo},
                        {"loki", c.with_loki},         {"service_mesh", c.with_service_mesh},
                        {"cnf", c.with_cnf}};
  o["total_gpu_count"] = c.total_gpu_count;
  boost::json::object gpu;
  for (const auto& [k, n] : c.gpu_types) gpu[k] = n;
  o["gpu_types"] = std::move(gpu);
  o["cnf_types"] = json_counts(c.cnf_types);
  return o;
}

boost::json::value to_json(const name_conflict& n) {
  return {{"cluster_id", n.cluster_id},
          {"name", n.name},
          {"event_id", n.event_id},
          {"occurred_at", format_time(n.occurred_at)},
          {"owner_cluster_id", n.owner_cluster_id},
          {"owner_claimed_at", format_time(n.owner_claimed_at)},
          {"reason", n.reason}};
}

boost::json::value to_json(const std::vector<name_conflict>& list) {
  boost::json::array items;
  for (const auto& n : list) items.push_back(to_json(n));
  boost::json::object o;
  o["total"] = static_cast<std::int64_t>(list.size());
  o["items"] = std::move(items);
  return o;
}

}  // namespace fleetledger::projections::fleet

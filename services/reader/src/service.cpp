#include "fleetledger/reader/service.hpp"

#include <algorithm>
#include <array>
#include <unordered_set>

#include <boost/json.hpp>

#include "fleetledger/events/cluster_rules.hpp"
#include "fleetledger/events/log.hpp"
#include "fleetledger/events/timestamps.hpp"
#include "fleetledger/projections/edges/cluster_edges.hpp"
#include "fleetledger/projections/edges/scoring.hpp"
#include "fleetledger/projections/edges/snapshot.hpp"
#include "fleetledger/projections/fleet/queries.hpp"
#include "fleetledger/projections/marketplace/invites.hpp"
#include "fleetledger/projections/marketplace/listing.hpp"
#include "fleetledger/projections/marketplace/network.hpp"
#include "fleetledger/projections/marketplace/offerings.hpp"
#include "fleetledger/projections/marketplace/rejections.hpp"
#include "fleetledger/projections/marketplace/subscriptions.hpp"
#include "fleetledger/reader/query_string.hpp"
#include "fleetledger/reader/score_pools.hpp"

namespace fleetledger::reader {

namespace fe = fleetledger::events;
namespace fp = fleetledger::projections;
namespace ff = fleetledger::projections::fleet;
namespace fm = fleetledger::projections::marketplace;
namespace fx = fleetledger::projections::edges;
namespace json = boost::json;

using system_time = std::chrono::system_clock::time_point;

struct service::pending {
  route_id route{route_id::unmatched};
  parsed_target target;
  std::string raw_target;
  std::string cache_key;  // Authorization + '\x1f' + target: a hit needs the same credentials
  principal who;
  fe::offset_vector min_offsets;
  std::array<bool, view_count> uses{};
  std::array<std::uint64_t, view_count> generations{};
  std::array<const fe::offset_vector*, view_count> offsets{};
  steady_time started{};
  steady_time deadline{};
};

struct service::cache_entry {
  std::list<std::string>::iterator lru;
  route_id route{route_id::unmatched};
  std::array<bool, view_count> uses{};
  std::array<std::uint64_t, view_count> generations{};
  steady_time created{};
  unsigned status{200};
  std::shared_ptr<const std::string> body;
  std::string_view content_type;
  std::string offsets;
};

namespace {

constexpr std::string_view json_type = "application/json";
// refresh_score_pools(): tenants asked for within this long, at most this many per call.
constexpr auto score_pool_recently_used = std::chrono::seconds(30);
constexpr std::size_t score_pools_refreshed_per_call = 64;
constexpr std::int64_t default_page_size = 20;
constexpr std::int64_t max_page_size = 100;

const std::string& empty_string() {
  static const std::string empty;
  return empty;
}

std::string error_json(std::string_view code, std::string_view message) {
  // Messages may echo request bytes: keep the body valid UTF-8 by replacing every non-ASCII byte.
  std::string ascii(message);
  for (auto& c : ascii) {
    if (static_cast<unsigned char>(c) >= 0x80) c = '?';
  }
  std::string out = "{\"error\":{\"code\":\"";
  fe::log::append_json_escaped(out, code);
  out += "\",\"message\":\"";
  fe::log::append_json_escaped(out, ascii);
  out += "\"}}";
  return out;
}

// "CLUSTER_NOT_FOUND: no cluster c9" -> ("CLUSTER_NOT_FOUND", "no cluster c9"); else (fallback, text).
std::pair<std::string, std::string> split_code(const std::string& text, std::string_view fallback) {
  const auto colon = text.find(": ");
  if (colon != std::string::npos && colon > 0) {
    bool upper = true;
    for (std::size_t i = 0; i < colon; ++i) {
      const char c = text[i];
      upper = upper && ((c >= 'A' && c <= 'Z') || c == '_' || (c >= '0' && c <= '9'));
    }
    if (upper) return {text.substr(0, colon), text.substr(colon + 2)};
  }
  return {std::string(fallback), text};
}

api_response from_error(const fe::error& e) {
  switch (e.code) {
    case fe::errc::not_found: {
      auto [code, msg] = split_code(e.message, "NOT_FOUND");
      return service::error(404, code, msg);
    }
    case fe::errc::invalid_argument: {
      auto [code, msg] = split_code(e.message, "INVALID_ARGUMENT");
      if (code != "INVALID_CLUSTER_NAME") code = "INVALID_ARGUMENT";
      return service::error(400, code, msg);
    }
    case fe::errc::timed_out: return service::error(504, "TIMEOUT", e.message);
    case fe::errc::unavailable: return service::error(503, "NOT_READY", e.message);
    default: return service::error(500, "INTERNAL", e.message);
  }
}

api_response bad_argument(std::string_view message) { return service::error(400, "INVALID_ARGUMENT", message); }
api_response forbidden(std::string_view message) { return service::error(403, "FORBIDDEN", message); }

struct paging {
  std::int64_t page{1};
  std::int64_t page_size{default_page_size};
};

// page from 1, page_size 1..100 (above 100 is 400, not clamped). Empty values mean the default.
std::optional<api_response> parse_paging(const query_params& q, paging& out) {
  if (const auto* v = find_param(q, "page"); v != nullptr && !v->empty()) {
    const auto n = parse_int(*v);
    if (!n || *n < 1) return bad_argument("page must be an integer >= 1, got '" + v->substr(0, 40) + "'");
    out.page = *n;
  }
  if (const auto* v = find_param(q, "page_size"); v != nullptr && !v->empty()) {
    const auto n = parse_int(*v);
    if (!n || *n < 1 || *n > max_page_size) {
      return bad_argument("page_size must be an integer from 1 to 100, got '" + v->substr(0, 40) + "'");
    }
    out.page_size = *n;
  }
  return std::nullopt;
}

// since=<RFC 3339 time>: only entries at or after it. Empty or absent: no bound.
std::optional<api_response> parse_since(const query_params& q, std::optional<system_time>& out) {
  if (const auto* s = find_param(q, "since"); s != nullptr && !s->empty()) {
    auto t = fe::parse_rfc3339(*s);
    if (!t) return bad_argument("since must be an RFC 3339 time: " + t.err().message);
    out = *t;
  }
  return std::nullopt;
}

std::int64_t total_pages(std::int64_t total, std::int64_t size) { return total == 0 ? 0 : (total + size - 1) / size; }

// One page of a full list, each item rendered with render().
template <typename T, typename F>
json::object page_of(const std::vector<T>& all, const paging& pg, F&& render) {
  json::array items;
  const auto total = static_cast<std::int64_t>(all.size());
  const std::int64_t first = std::min(total, (pg.page - 1) * pg.page_size);
  const std::int64_t last = std::min(total, first + pg.page_size);
  if (pg.page - 1 <= total / pg.page_size) {
    items.reserve(static_cast<std::size_t>(last - first));
    for (auto i = first; i < last; ++i) items.emplace_back(render(all[static_cast<std::size_t>(i)]));
  }
  json::object o;
  o["items"] = std::move(items);
  o["total"] = total;
  o["page"] = pg.page;
  o["page_size"] = pg.page_size;
  o["total_pages"] = total_pages(total, pg.page_size);
  return o;
}

std::string param(const query_params& q, std::string_view name) {
  const auto* v = find_param(q, name);
  return v == nullptr ? std::string() : *v;
}

api_response ok_json(const json::value& v) {
  api_response r;
  r.status = 200;
  r.body = std::make_shared<const std::string>(json::serialize(v));
  return r;
}

// min per partition over the views that answered.
std::string merged_offsets(const std::array<const fe::offset_vector*, view_count>& offsets) {
  const fe::offset_vector* only = nullptr;
  int count = 0;
  for (const auto* o : offsets) {
    if (o != nullptr) {
      only = o;
      ++count;
    }
  }
  if (count == 0) return {};
  if (count == 1) return format_offsets(*only);
  std::map<fe::topic_partition, fe::offset> merged;
  for (const auto* o : offsets) {
    if (o == nullptr) continue;
    for (const auto& p : *o) {
      const auto [it, inserted] = merged.emplace(p.where, p.next);
      if (!inserted && p.next < it->second) it->second = p.next;
    }
  }
  fe::offset_vector out;
  for (const auto& [tp, next] : merged) out.push_back({tp, next});
  return format_offsets(out);
}

bool route_uses(route_id r, view_id v) {
  switch (r) {
    case route_id::clusters:
    case route_id::cluster:
    case route_id::cluster_by_name:
    case route_id::cluster_status:
    case route_id::cluster_history:
    case route_id::fleet_summary:
    case route_id::fleet_health:
    case route_id::fleet_capabilities: return v == view_id::fleet;
    case route_id::cluster_edges: return v == view_id::fleet || v == view_id::edges;
    case route_id::market_clusters:
    case route_id::market_cluster:
    case route_id::market_subscriptions:
    case route_id::market_invites:
    case route_id::market_rejections:
    case route_id::tenant_network:
    case route_id::offerings: return v == view_id::marketplace;
    case route_id::edges_score: return v == view_id::marketplace || v == view_id::edges;
    default: return false;
  }
}

bool cacheable(route_id r) {
  switch (r) {
    case route_id::health:
    case route_id::ready:
    case route_id::metrics:
    case route_id::projections:
    case route_id::unmatched:
    case route_id::count_: return false;
    default: return true;
  }
}

// The tenant's edge scoring pool as the two guards show the views: home = effective preferred
// cluster, remotes = the official cluster and the peered ACTIVE subscriptions (DESIGN.md section 4),
// each with its snapshot, and the offsets header of exactly that state.
std::shared_ptr<const resolved_pool> resolve_score_pool(const view_set::read_guard& market,
                                                        const view_set::read_guard& edges, std::string_view tenant,
                                                        fx::snapshot_cache& snapshots) {
  fx::scoring_pool pool;
  auto members = fm::tenant_pool(market.reader(), tenant);
  pool.home_cluster_id = members.home_cluster_id;
  pool.remote_cluster_ids = std::move(members.remote_cluster_ids);
  if (!members.official_cluster_id.empty() && members.official_cluster_id != pool.home_cluster_id &&
      std::find(pool.remote_cluster_ids.begin(), pool.remote_cluster_ids.end(), members.official_cluster_id) ==
          pool.remote_cluster_ids.end()) {
    pool.remote_cluster_ids.push_back(members.official_cluster_id);
  }
  auto out = std::make_shared<resolved_pool>();
  out->marketplace_generation = market.generation();
  out->edges_generation = edges.generation();
  out->members = fx::resolve_pool(edges.reader(), pool, &snapshots, edges.generation());
  std::array<const fe::offset_vector*, view_count> offsets{};
  offsets[static_cast<std::size_t>(view_id::marketplace)] = &market.offsets();
  offsets[static_cast<std::size_t>(view_id::edges)] = &edges.offsets();
  out->offsets = merged_offsets(offsets);
  out->marketplace_offsets = market.offsets();
  out->edges_offsets = edges.offsets();
  return out;
}

}  // namespace

const std::string& api_response::text() const { return body ? *body : empty_string(); }

api_response service::error(unsigned status, std::string_view code, std::string_view message) {
  api_response r;
  r.status = status;
  r.body = std::make_shared<const std::string>(error_json(code, message));
  return r;
}

service::service(view_set& views, std::optional<token_table> tokens, service_options options)
    : views_(views),
      tokens_(std::move(tokens)),
      options_(std::move(options)),
      snapshots_(std::make_unique<fx::snapshot_cache>()),
      pools_(std::make_unique<score_pool_cache>()) {}

service::~service() { release_all(); }

api_response service::handle(const api_request& request) {
  auto s = begin(request);
  if (s.response) return std::move(*s.response);
  return complete(*s.wait, views_reached(*s.wait));
}

bool service::views_reached(const pending& p) const {
  for (const auto v : all_views) {
    if (p.uses[static_cast<std::size_t>(v)] && !views_.reached(v, p.min_offsets)) return false;
  }
  return true;
}

service::started service::begin(const api_request& request) {
  const auto t0 = std::chrono::steady_clock::now();
  auto p = std::make_shared<pending>();
  p->started = t0;
  const auto fail = [&](api_response r) {
    r.route = p->route;
    metrics_.record(p->route, r.status, std::chrono::steady_clock::now() - t0);
    return started{std::move(r), nullptr};
  };

  // Fast path: a GET already answered for the same target and credentials, views unchanged since.
  const bool cacheable_method = request.method == "GET" || request.method == "HEAD";
  const bool waits = request.target.find("min_offsets") != std::string_view::npos;
  if (cacheable_method && !waits && options_.cache_entries > 0) {
    thread_local std::string key;
    key.assign(request.authorization);
    key.push_back('\x1f');
    key.append(request.target);
    if (auto hit = cache_lookup(key)) {
      metrics_.record(hit->route, hit->status, std::chrono::steady_clock::now() - t0);
      return started{std::move(*hit), nullptr};
    }
  }

  auto target = parse_target(request.target);
  if (!target) return fail(bad_argument(target.err().message));
  p->target = std::move(target).value();
  p->route = match_route(p->target.segments);
  const bool is_v1 = !p->target.segments.empty() && p->target.segments[0] == "v1";

  if (tokens_ && is_v1) {
    const principal* who = tokens_->authenticate(request.authorization);
    if (who == nullptr) {
      auto r = error(401, "UNAUTHENTICATED",
                     request.authorization.empty() ? "this reader needs 'Authorization: Bearer <token>'"
                                                   : "unknown token");
      r.www_authenticate = true;
      return fail(std::move(r));
    }
    p->who = *who;
  }
  if (p->route == route_id::unmatched) {
    return fail(error(404, "NOT_FOUND", "no route for " + std::string(request.target.substr(0, 200))));
  }
  if (request.method != "GET" && request.method != "HEAD") {
    auto r = error(405, "METHOD_NOT_ALLOWED", "the reader only answers GET and HEAD");
    r.allow_header = true;
    return fail(std::move(r));
  }

  std::chrono::milliseconds wait = options_.default_wait;
  if (const auto* w = find_param(p->target.query, "wait_ms"); w != nullptr && !w->empty()) {
    const auto n = parse_int(*w);
    if (!n || *n < 0 || *n > options_.max_wait.count()) {
      return fail(bad_argument("wait_ms must be an integer from 0 to " + std::to_string(options_.max_wait.count())));
    }
    wait = std::chrono::milliseconds(*n);
  }
  if (const auto* m = find_param(p->target.query, "min_offsets"); m != nullptr) {
    auto parsed = parse_offsets(*m);
    if (!parsed) return fail(bad_argument("min_offsets: " + parsed.err().message));
    p->min_offsets = std::move(parsed).value();
  }

  for (const auto v : all_views) {
    if (!route_uses(p->route, v)) continue;
    p->uses[static_cast<std::size_t>(v)] = true;
    if (!views_.is_open(v)) {
      return fail(error(503, "NOT_READY", "the " + std::string(to_string(v)) + " view is not ready: " +
                                              views_.status(v).error));
    }
  }
  p->raw_target.assign(request.target);
  p->cache_key.assign(request.authorization);
  p->cache_key.push_back('\x1f');
  p->cache_key.append(request.target);
  if (!p->min_offsets.empty() && !views_reached(*p)) {
    p->deadline = t0 + wait;
    return started{std::nullopt, std::move(p)};
  }
  return started{execute(*p), nullptr};
}

void service::park(const std::shared_ptr<pending>& request, std::function<void(bool)> wake) {
  {
    std::lock_guard lock(waiters_mu_);
    waiters_.emplace_back(request, std::move(wake));
  }
  on_tick();  // it may have been reached meanwhile, or have no time to wait at all
}

void service::on_tick() {
  std::vector<std::pair<std::function<void(bool)>, bool>> ready;
  {
    std::lock_guard lock(waiters_mu_);
    if (waiters_.empty()) return;
    const auto now = std::chrono::steady_clock::now();
    for (auto it = waiters_.begin(); it != waiters_.end();) {
      const bool reached = views_reached(*it->first);
      if (reached || now >= it->first->deadline) {
        ready.emplace_back(std::move(it->second), reached);
        it = waiters_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& [wake, reached] : ready) wake(reached);
}

void service::refresh_score_pools() {
  const auto marketplace_generation = views_.generation(view_id::marketplace);
  const auto edges_generation = views_.generation(view_id::edges);
  const auto tenants = pools_->begin_refresh(score_pool_cache::clock::now() - score_pool_recently_used,
                                             marketplace_generation, edges_generation, score_pools_refreshed_per_call);
  if (tenants.empty()) return;
  auto market = views_.read(view_id::marketplace);
  auto edges = views_.read(view_id::edges);
  if (!market || !edges) {
    pools_->end_refresh();
    return;
  }
  for (const auto& tenant : tenants) {
    pools_->store(tenant, resolve_score_pool(*market, *edges, tenant, *snapshots_));
    metrics_.record(score_pool_source::refreshed);
  }
}

void service::release_all() {
  std::vector<std::pair<std::function<void(bool)>, bool>> ready;
  {
    std::lock_guard lock(waiters_mu_);
    for (auto& [p, wake] : waiters_) ready.emplace_back(std::move(wake), views_reached(*p));
    waiters_.clear();
  }
  for (auto& [wake, reached] : ready) wake(reached);
}

std::size_t service::parked() const {
  std::lock_guard lock(waiters_mu_);
  return waiters_.size();
}

api_response service::complete(pending& request, bool reached) {
  if (reached) return execute(request);
  auto r = error(504, "TIMEOUT", "the view did not reach min_offsets " + format_offsets(request.min_offsets) +
                                     " in time");
  r.route = request.route;
  r.freshness = true;
  for (const auto v : all_views) {
    if (request.uses[static_cast<std::size_t>(v)]) r.lag_ms = std::max(r.lag_ms, views_.lag_ms(v));
  }
  std::array<const fe::offset_vector*, view_count> none{};
  std::array<view_status, view_count> st;
  for (const auto v : all_views) {
    if (!request.uses[static_cast<std::size_t>(v)]) continue;
    st[static_cast<std::size_t>(v)] = views_.status(v);
    none[static_cast<std::size_t>(v)] = &st[static_cast<std::size_t>(v)].offsets;
  }
  r.offsets = merged_offsets(none);
  metrics_.record(request.route, r.status, std::chrono::steady_clock::now() - request.started);
  return r;
}

std::optional<api_response> service::cache_lookup(const std::string& key) {
  std::lock_guard lock(cache_mu_);
  const auto it = cache_.find(key);
  if (it == cache_.end()) return std::nullopt;
  const cache_entry& e = *it->second;
  bool fresh = std::chrono::steady_clock::now() - e.created < options_.cache_ttl;
  for (const auto v : all_views) {
    const auto i = static_cast<std::size_t>(v);
    if (e.uses[i] && views_.generation(v) != e.generations[i]) fresh = false;
  }
  if (!fresh) return std::nullopt;
  lru_.splice(lru_.begin(), lru_, e.lru);
  api_response r;
  r.route = e.route;
  for (const auto v : all_views) {
    if (!e.uses[static_cast<std::size_t>(v)]) continue;
    r.freshness = true;
    r.lag_ms = std::max(r.lag_ms, views_.lag_ms(v));
  }
  r.status = e.status;
  r.body = e.body;
  r.content_type = e.content_type;
  r.offsets = e.offsets;
  return r;
}

void service::cache_store(const std::string& key, const api_response& response, const pending& request,
                          const std::array<std::uint64_t, view_count>& generations) {
  if (options_.cache_entries == 0 || !response.body || response.body->size() > options_.cache_max_body) return;
  std::lock_guard lock(cache_mu_);
  const std::size_t size = response.body->size() + key.size();
  auto it = cache_.find(key);
  if (it != cache_.end()) {
    cache_bytes_ -= it->second->body->size() + key.size();
    lru_.splice(lru_.begin(), lru_, it->second->lru);
  } else {
    while (!lru_.empty() && (cache_.size() >= options_.cache_entries || cache_bytes_ + size > options_.cache_max_bytes)) {
      const auto victim = cache_.find(lru_.back());
      cache_bytes_ -= victim->second->body->size() + victim->first.size();
      cache_.erase(victim);
      lru_.pop_back();
    }
    lru_.push_front(key);
    it = cache_.emplace(key, std::make_unique<cache_entry>()).first;
    it->second->lru = lru_.begin();
  }
  cache_bytes_ += size;
  cache_entry& e = *it->second;
  e.route = request.route;
  e.uses = request.uses;
  e.generations = generations;
  e.created = std::chrono::steady_clock::now();
  e.status = response.status;
  e.body = response.body;
  e.content_type = response.content_type;
  e.offsets = response.offsets;
}

api_response service::execute(pending& request) {
  api_response r;
  const bool use_cache = cacheable(request.route);
  const std::string& key = request.cache_key;
  if (use_cache && !key.empty()) {
    if (auto hit = cache_lookup(key)) r = std::move(*hit);
  }
  if (!r.body) {
    request.offsets = {};
    request.generations = {};
    r = compute(request);
    bool answered_by_views = false;
    for (const auto* o : request.offsets) answered_by_views = answered_by_views || o != nullptr;
    if (answered_by_views) {
      // compute() kept the read guards only while it read; offsets were copied into r.offsets there.
    }
    if (use_cache && !key.empty() && (r.status == 200 || r.status == 404)) cache_store(key, r, request, request.generations);
  }
  r.route = request.route;
  bool any = false;
  for (const auto v : all_views) {
    if (!request.uses[static_cast<std::size_t>(v)]) continue;
    any = true;
    r.lag_ms = std::max(r.lag_ms, views_.lag_ms(v));
  }
  r.freshness = any && r.status != 503;
  metrics_.record(request.route, r.status, std::chrono::steady_clock::now() - request.started);
  return r;
}

// ---- the routes ----

api_response service::compute(pending& p) {
  const auto& q = p.target.query;
  const auto& seg = p.target.segments;
  const auto now = std::chrono::system_clock::now();
  const principal& who = p.who;

  // Read one view; records its generation and offsets in p. Offsets stay valid while the guard lives,
  // so the header is formatted before the guard goes.
  std::array<std::optional<view_set::read_guard>, view_count> guards;
  const auto open = [&](view_id v) -> const fp::state_reader* {
    auto& g = guards[static_cast<std::size_t>(v)];
    if (!g) {
      if (auto r = views_.read(v)) g.emplace(std::move(*r));
    }
    if (!g) return nullptr;
    p.generations[static_cast<std::size_t>(v)] = g->generation();
    p.offsets[static_cast<std::size_t>(v)] = &g->offsets();
    return &g->reader();
  };
  const auto not_ready = [&](view_id v) {
    return error(503, "NOT_READY", "the " + std::string(to_string(v)) + " view is not ready");
  };
  const auto with_offsets = [&](api_response r) {
    r.offsets = merged_offsets(p.offsets);
    return r;
  };
  // Tenant scoping: the tenant_id a request is about. For tenant tokens it defaults to their own and
  // may not name another tenant.
  // A tenant token reads a cluster through the fleet routes only if the marketplace would show it
  // that cluster (PUBLIC or UNLISTED by id, or PRIVATE with an owner/subscription/invite relation);
  // otherwise the cluster does not exist for it (404, no hint that it does).
  const auto hidden_from_tenant = [&](const std::string& cluster_id) -> std::optional<api_response> {
    if (!who.is_tenant()) return std::nullopt;
    const auto* market = open(view_id::marketplace);
    if (market == nullptr) return not_ready(view_id::marketplace);
    if (fm::find_cluster(*market, cluster_id, std::string_view(who.tenant_id), now)) return std::nullopt;
    return with_offsets(error(404, "CLUSTER_NOT_FOUND", "cluster '" + cluster_id.substr(0, 100) + "' is not registered"));
  };
  const auto scoped_tenant = [&](std::string requested, std::optional<api_response>& denied) -> std::string {
    if (!who.is_tenant()) return requested;
    if (requested.empty()) return who.tenant_id;
    if (requested != who.tenant_id) denied = forbidden("a tenant token may only read its own tenant's views");
    return requested;
  };

  switch (p.route) {
    case route_id::health: return ok_json(json::object{{"status", "ok"}});

    case route_id::ready: {
      json::object views;
      std::string missing;
      for (const auto v : all_views) {
        const auto s = views_.status(v);
        const bool ready = s.open && s.lag_ms <= options_.ready_max_lag_ms;
        json::object o{{"open", s.open}, {"ready", ready}, {"lag_ms", s.lag_ms}};
        if (!s.open) o["error"] = s.error;
        views[to_string(v)] = std::move(o);
        if (!ready) missing += (missing.empty() ? "" : ", ") + std::string(to_string(v)) + (s.open ? " (lagging)" : " (not open)");
      }
      if (!missing.empty()) {
        api_response r;
        r.status = 503;
        r.body = std::make_shared<const std::string>(json::serialize(json::object{
            {"error", json::object{{"code", "NOT_READY"}, {"message", "views not ready: " + missing}}},
            {"views", std::move(views)}}));
        return r;
      }
      return ok_json(json::object{{"status", "ready"}, {"views", std::move(views)}});
    }

    case route_id::metrics: {
      api_response r;
      r.body = std::make_shared<const std::string>(metrics_.render(&views_));
      r.content_type = "text/plain; version=0.0.4; charset=utf-8";
      return r;
    }

    case route_id::projections: {
      json::object views;
      for (const auto v : all_views) {
        const auto s = views_.status(v);
        json::array offsets;
        for (const auto& o : s.offsets) {
          offsets.emplace_back(json::object{{"topic", o.where.topic.value()},
                                            {"partition", o.where.partition.value()},
                                            {"next_offset", o.next.value()}});
        }
        json::object o{{"ready", s.open},
                       {"generation", s.generation},
                       {"offsets", std::move(offsets)},
                       {"offsets_header", format_offsets(s.offsets)},
                       {"lag_ms", s.lag_ms},
                       {"counters", json::object{{"applied", s.counters.applied},
                                                 {"rejected", s.counters.rejected},
                                                 {"ignored", s.counters.ignored},
                                                 {"duplicates", s.counters.duplicates},
                                                 {"dead_lettered", s.counters.dead_lettered}}}};
        if (s.open) {
          if (const auto d = views_.digest(v)) {
            o["digest"] = json::object{{"sha256", d->sha256_hex}, {"keys", d->keys},
                                       {"offsets", format_offsets(d->offsets)}};
          } else {
            o["digest"] = nullptr;
          }
        } else {
          o["digest"] = nullptr;
          o["error"] = s.error;
        }
        views[to_string(v)] = std::move(o);
      }
      return ok_json(json::object{{"views", std::move(views)}});
    }

    case route_id::offering_template: {
      api_response r;
      r.body = std::make_shared<const std::string>(fm::offering_template_csv(seg[3]));
      r.content_type = "text/csv; charset=utf-8";
      return r;
    }

    // ---- fleet ----
    case route_id::clusters: {
      paging pg;
      if (auto e = parse_paging(q, pg)) return *e;
      auto filter = ff::parse_cluster_filter(q);
      if (!filter) return from_error(filter.err());
      const auto* st = open(view_id::fleet);
      if (st == nullptr) return not_ready(view_id::fleet);
      if (!who.is_tenant()) {
        const auto page = ff::list_clusters(*st, *filter, {pg.page, pg.page_size}, now);
        return with_offsets(ok_json(ff::to_json(page)));
      }
      // A tenant lists only the clusters the marketplace lists to it (never a PRIVATE cluster it has
      // no owner, subscription or invite relation to), so page over the filtered set.
      const auto* market = open(view_id::marketplace);
      if (market == nullptr) return not_ready(view_id::marketplace);
      std::unordered_set<std::string> listed;
      for (auto& e : fm::list_clusters(*market, {.tenant_id = who.tenant_id}, now)) listed.insert(std::move(e.cluster_id));
      std::vector<ff::cluster_info> visible;
      for (std::int64_t page = 1;; ++page) {
        const auto chunk = ff::list_clusters(*st, *filter, {page, 100}, now);
        for (const auto& c : chunk.items) {
          if (listed.contains(c.cluster_id)) visible.push_back(c);
        }
        if (chunk.items.empty() || page >= chunk.total_pages) break;
      }
      return with_offsets(ok_json(page_of(visible, pg, [](const ff::cluster_info& c) { return ff::to_json(c); })));
    }
    case route_id::cluster:
    case route_id::cluster_by_name:
    case route_id::cluster_status: {
      const std::string& id = seg[p.route == route_id::cluster_by_name ? 3 : 2];
      if (p.route == route_id::cluster_by_name && !fe::is_valid_cluster_name(id)) {
        return error(400, "INVALID_CLUSTER_NAME",
                     "'" + id.substr(0, 80) + "' is not a DNS label (^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$)");
      }
      const auto* st = open(view_id::fleet);
      if (st == nullptr) return not_ready(view_id::fleet);
      if (p.route == route_id::cluster_status) {
        if (auto hidden = hidden_from_tenant(id)) return *hidden;
        auto s = ff::read_status(*st, id, now);
        if (!s) return with_offsets(from_error(s.err()));
        return with_offsets(ok_json(ff::to_json(*s)));
      }
      auto c = p.route == route_id::cluster ? ff::read_cluster(*st, id, now) : ff::read_cluster_by_name(*st, id, now);
      if (!c) return with_offsets(from_error(c.err()));
      if (auto hidden = hidden_from_tenant(c->cluster_id)) return *hidden;
      return with_offsets(ok_json(ff::to_json(*c)));
    }
    case route_id::cluster_history: {
      paging pg;
      if (auto e = parse_paging(q, pg)) return *e;
      std::optional<system_time> since;
      if (auto e = parse_since(q, since)) return *e;
      const auto* st = open(view_id::fleet);
      if (st == nullptr) return not_ready(view_id::fleet);
      if (auto hidden = hidden_from_tenant(seg[2])) return *hidden;
      auto h = ff::read_history(*st, seg[2], since, {pg.page, pg.page_size});
      if (!h) return with_offsets(from_error(h.err()));
      return with_offsets(ok_json(ff::to_json(*h)));
    }
    case route_id::fleet_summary: {
      const auto* st = open(view_id::fleet);
      if (st == nullptr) return not_ready(view_id::fleet);
      return with_offsets(ok_json(ff::to_json(ff::read_summary(*st, now))));
    }
    case route_id::fleet_health: {
      const auto* st = open(view_id::fleet);
      if (st == nullptr) return not_ready(view_id::fleet);
      return with_offsets(ok_json(ff::to_json(ff::read_health(*st, now))));
    }
    case route_id::fleet_capabilities: {
      const auto* st = open(view_id::fleet);
      if (st == nullptr) return not_ready(view_id::fleet);
      return with_offsets(ok_json(ff::to_json(ff::read_capabilities(*st))));
    }
    case route_id::cluster_edges: {
      paging pg;
      if (auto e = parse_paging(q, pg)) return *e;
      const std::string& id = seg[2];
      {
        const auto* st = open(view_id::fleet);
        if (st == nullptr) return not_ready(view_id::fleet);
        auto c = ff::read_cluster(*st, id, now);
        if (!c) return with_offsets(from_error(c.err()));
        if (auto hidden = hidden_from_tenant(id)) return *hidden;
      }
      const auto* edges = open(view_id::edges);
      if (edges == nullptr) return not_ready(view_id::edges);
      auto list = fx::cluster_edges(*edges, id, now, snapshots_.get(), p.generations[static_cast<std::size_t>(view_id::edges)]);
      if (!list) {
        list = fx::cluster_edge_list{};
        list->cluster_id = id;
      }
      auto v = fx::to_json(*list);
      auto& o = v.as_object();
      auto page = page_of(list->items, pg, [](const fx::cluster_edge_item& i) { return fx::to_json(i); });
      for (auto& kv : page) o[kv.key()] = std::move(kv.value());
      return with_offsets(ok_json(v));
    }

    // ---- marketplace ----
    case route_id::market_clusters: {
      paging pg;
      if (auto e = parse_paging(q, pg)) return *e;
      std::optional<api_response> denied;
      const std::string tenant = scoped_tenant(param(q, "tenant_id"), denied);
      if (denied) return *denied;
      auto filter = fm::make_listing_filter(tenant, param(q, "pricing_model"), param(q, "region"), param(q, "eligible"));
      if (!filter) return from_error(filter.err());
      const auto* st = open(view_id::marketplace);
      if (st == nullptr) return not_ready(view_id::marketplace);
      const auto all = fm::list_clusters(*st, *filter, now);
      return with_offsets(ok_json(page_of(all, pg, [](const fm::listing_entry& e) { return fm::to_json(e); })));
    }
    case route_id::market_cluster: {
      std::optional<api_response> denied;
      const std::string tenant = scoped_tenant(param(q, "tenant_id"), denied);
      if (denied) return *denied;
      const auto* st = open(view_id::marketplace);
      if (st == nullptr) return not_ready(view_id::marketplace);
      const auto entry = fm::find_cluster(*st, seg[3], tenant.empty() ? std::nullopt : std::optional<std::string_view>(tenant), now);
      if (!entry) return with_offsets(error(404, "CLUSTER_NOT_FOUND", "no marketplace cluster '" + seg[3].substr(0, 100) + "' visible here"));
      return with_offsets(ok_json(fm::to_json(*entry)));
    }
    case route_id::market_subscriptions: {
      paging pg;
      if (auto e = parse_paging(q, pg)) return *e;
      fm::subscription_filter filter;
      if (const auto status = param(q, "status"); !status.empty()) {
        filter.status = fm::parse_subscription_status(status);
        if (!filter.status) return bad_argument("unknown subscription status '" + status.substr(0, 40) + "'");
      }
      if (who.is_tenant()) filter.tenant_id = who.tenant_id;
      const auto* st = open(view_id::marketplace);
      if (st == nullptr) return not_ready(view_id::marketplace);
      const auto subs = fm::list_subscriptions(*st, seg[3], filter);
      if (!subs) return with_offsets(error(404, "CLUSTER_NOT_FOUND", "no cluster '" + seg[3].substr(0, 100) + "'"));
      return with_offsets(ok_json(page_of(*subs, pg, [](const fm::subscription_entry& e) { return fm::to_json(e); })));
    }
    case route_id::market_invites: {
      paging pg;
      if (auto e = parse_paging(q, pg)) return *e;
      const auto* st = open(view_id::marketplace);
      if (st == nullptr) return not_ready(view_id::marketplace);
      if (who.is_tenant()) {
        const auto entry = fm::find_cluster(*st, seg[3], std::string_view(who.tenant_id), now);
        if (!entry || entry->owner_tenant_id != who.tenant_id) {
          return with_offsets(forbidden("only the cluster's owner may list its invites"));
        }
      }
      const auto invites = fm::list_invites(*st, seg[3], now);
      if (!invites) return with_offsets(error(404, "CLUSTER_NOT_FOUND", "no cluster '" + seg[3].substr(0, 100) + "'"));
      return with_offsets(ok_json(page_of(*invites, pg, [](const fm::invite_entry& e) { return fm::to_json(e); })));
    }
    case route_id::market_rejections: {
      if (who.is_tenant()) return forbidden("rejections are for operators and analysts");
      paging pg;
      if (auto e = parse_paging(q, pg)) return *e;
      std::optional<system_time> since;
      if (auto e = parse_since(q, since)) return *e;
      const auto* st = open(view_id::marketplace);
      if (st == nullptr) return not_ready(view_id::marketplace);
      const auto all = fm::list_rejections(*st, since);
      return with_offsets(ok_json(page_of(all, pg, [](const fm::rejection_entry& e) { return fm::to_json(e); })));
    }
    case route_id::tenant_network: {
      const std::string& tenant = seg[2];
      if (who.is_tenant() && tenant != who.tenant_id) {
        return forbidden("a tenant token may only read its own tenant's network");
      }
      const auto* st = open(view_id::marketplace);
      if (st == nullptr) return not_ready(view_id::marketplace);
      const auto network = fm::tenant_network(*st, tenant, options_.domain);
      if (!network) return with_offsets(error(404, "NOT_FOUND", "tenant '" + tenant.substr(0, 100) + "' is unknown"));
      return with_offsets(ok_json(fm::to_json(*network)));
    }
    case route_id::offerings: {
      paging pg;
      if (auto e = parse_paging(q, pg)) return *e;
      fm::offering_filter filter;
      if (auto v = param(q, "product_type"); !v.empty()) filter.product_type = v;
      if (auto v = param(q, "country"); !v.empty()) filter.country = v;
      if (auto v = param(q, "provider_id"); !v.empty()) filter.provider_id = v;
      if (auto v = param(q, "max_price"); !v.empty()) {
        const auto d = parse_double(v);
        if (!d || *d < 0) return bad_argument("max_price must be a number >= 0, got '" + v.substr(0, 40) + "'");
        filter.max_price = *d;
      }
      const auto* st = open(view_id::marketplace);
      if (st == nullptr) return not_ready(view_id::marketplace);
      const auto all = fm::list_offerings(*st, filter);
      return with_offsets(ok_json(page_of(all, pg, [](const fm::offering_entry& e) { return fm::to_json(e); })));
    }

    // ---- edges ----
    case route_id::edges_score: {
      std::optional<api_response> denied;
      const std::string tenant = scoped_tenant(param(q, "tenant_id"), denied);
      if (denied) return *denied;
      if (tenant.empty()) return bad_argument("tenant_id is required");
      const auto lat = parse_double(param(q, "lat"));
      const auto lon = parse_double(param(q, "lon"));
      if (!lat || !lon) return bad_argument("lat and lon are required decimal degrees");
      if (auto v = fx::validate_viewer(*lat, *lon); !v) return from_error(v.err());
      std::size_t limit = 0;
      if (auto v = param(q, "limit"); !v.empty()) {
        const auto n = parse_int(v);
        if (!n || *n < 0) return bad_argument("limit must be an integer >= 0, got '" + v.substr(0, 40) + "'");
        limit = static_cast<std::size_t>(std::min<std::int64_t>(*n, 1000));
      }
      // A pool resolved at the views' current generations needs no read of the views; while the
      // catch-up thread re-resolves it, the previous one answers with its own offsets unless
      // min_offsets needs the newer state (score_pools.hpp).
      constexpr auto mi = static_cast<std::size_t>(view_id::marketplace);
      constexpr auto ei = static_cast<std::size_t>(view_id::edges);
      const auto kept = pools_->find(tenant);
      auto pool = kept.pool;
      const bool current = pool && pool->marketplace_generation == views_.generation(view_id::marketplace) &&
                           pool->edges_generation == views_.generation(view_id::edges);
      if (current) {
        metrics_.record(score_pool_source::current);
      } else if (pool && kept.refreshing && pool->reaches(p.min_offsets)) {
        metrics_.record(score_pool_source::previous);
      } else {
        if (open(view_id::marketplace) == nullptr) return not_ready(view_id::marketplace);
        if (open(view_id::edges) == nullptr) return not_ready(view_id::edges);
        pool = resolve_score_pool(*guards[mi], *guards[ei], tenant, *snapshots_);
        pools_->store(tenant, pool);
        metrics_.record(score_pool_source::resolved);
      }
      p.generations[mi] = pool->marketplace_generation;
      p.generations[ei] = pool->edges_generation;
      fx::score_request req;
      req.lat = *lat;
      req.lon = *lon;
      req.now = now;
      req.limit = fx::effective_limit(limit);
      auto ranking = fx::score_members(pool->members, req);
      api_response r;
      if (ranking) r.body = std::make_shared<const std::string>(fx::serialize(*ranking));
      else r = from_error(ranking.err());
      r.offsets = pool->offsets;
      return r;
    }

    case route_id::unmatched:
    case route_id::count_: break;
  }
  return error(404, "NOT_FOUND", "no such route");
}

}  // namespace fleetledger::reader

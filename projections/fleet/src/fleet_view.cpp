#include "fleetledger/projections/fleet/fleet_view.hpp"

#include <algorithm>
#include <limits>
#include <string>
#include <vector>

#include "cluster_cache.hpp"
#include "fleet_state.hpp"
#include "fleetledger/events/cluster_rules.hpp"
#include "fleetledger/events/topic_catalogue.hpp"

namespace fleetledger::projections::fleet {

using namespace detail;  // NOLINT(google-build-using-namespace): this file is the writer of the layout

namespace {

constexpr std::int64_t retention_ns =
    std::chrono::duration_cast<std::chrono::nanoseconds>(events::health_history_retention).count();

// ---- small helpers ----

std::optional<std::string> cluster_id_problem(std::string_view id) {
  if (id.empty()) return std::string("MISSING_CLUSTER_ID: the event carries no cluster_id");
  for (const char c : id) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return std::string("INVALID_CLUSTER_ID: cluster_id contains control characters");
    }
  }
  return std::nullopt;
}

apply_outcome not_found(std::string_view id, bool deleted) {
  return apply_outcome::rejected("CLUSTER_NOT_FOUND: cluster '" + std::string(id) + "' " +
                                 (deleted ? "was deleted" : "is not registered"));
}

// Records are changed in the cache and written once per batch (cluster_cache::flush).
void put_record(cluster_cache& cache, const ClusterRecord& r) { cache.record_changed(r.cluster_id(), false); }

// The record and its claim change together: the claim carries the facts the fleet-wide queries read.
void put_record_and_claim(cluster_cache& cache, const ClusterRecord& r) { cache.record_changed(r.cluster_id(), true); }

// The live record of a cluster, or the rejection for an unknown/deleted one. Rules check before
// they change the record: a refused event leaves it as it was.
struct live_record {
  ClusterRecord* record{nullptr};
  apply_outcome refusal;
};

live_record load_live(const state_txn& state, cluster_cache& cache, const std::string& id) {
  ClusterRecord* r = cache.find(state, id);
  if (r == nullptr) return {nullptr, not_found(id, false)};
  if (r->deleted()) return {nullptr, not_found(id, true)};
  return {r, {}};
}

// ---- history (kept 7 days by event time, relative to the cluster's newest check) ----

void erase_bucket(state_txn& state, std::string_view id, std::int64_t bucket) {
  std::vector<std::string> keys;
  state.scan(history_bucket_prefix(id, bucket), [&](std::string_view k, std::string_view) {
    keys.emplace_back(k);
    return true;
  });
  for (const auto& k : keys) state.erase(k);
}

// Stores an entry (unless it is already older than the retention window) and drops every hour
// bucket that lies wholly before the window. Entries of the bucket that straddles the window's
// start stay stored until the whole bucket expires; the history query filters them out, so what
// a reader sees is exactly the 7 days before the newest check.
void record_history(state_txn& state, cluster_cache& cache, const ClusterRecord& r, std::int64_t at_ns, char kind,
                    const HistoryEntry& entry) {
  const std::string& id = r.cluster_id();
  const bool has_newest = r.has_last_check();
  const std::int64_t cutoff = has_newest ? to_ns(r.last_check().checked_at()) - retention_ns
                                    : std::numeric_limits<std::int64_t>::min();
  HistoryIndex& idx = cache.index(state, id);
  bool index_changed = false;
  if (at_ns >= cutoff) {
    state.put(history_key(id, at_ns, kind), serialize(entry));
    const std::int64_t bucket = history_bucket(at_ns);
    auto* buckets = idx.mutable_buckets();
    const auto pos = std::lower_bound(buckets->begin(), buckets->end(), bucket);
    if (pos == buckets->end() || *pos != bucket) {
      const auto at = pos - buckets->begin();
      buckets->Add(bucket);
      std::rotate(buckets->begin() + at, buckets->end() - 1, buckets->end());
      index_changed = true;
    }
  }
  if (has_newest) {
    int expired = 0;
    // A bucket b holds [b*H, (b+1)*H); it is wholly expired when (b+1)*H <= cutoff.
    while (expired < idx.buckets_size() && (idx.buckets(expired) + 1) <= floor_div(cutoff, history_bucket_ns)) {
      erase_bucket(state, id, idx.buckets(expired));
      ++expired;
    }
    if (expired > 0) {
      idx.mutable_buckets()->erase(idx.mutable_buckets()->begin(), idx.mutable_buckets()->begin() + expired);
      index_changed = true;
    }
  }
  if (index_changed) cache.index_changed(id);
}

void drop_history(state_txn& state, cluster_cache& cache, const std::string& id) {
  for (const std::int64_t b : cache.index(state, id).buckets()) erase_bucket(state, id, b);
  cache.index_erased(id);
}

// ---- registration ----

apply_outcome register_cluster(state_txn& state, cluster_cache& cache, const v1::Envelope& event, ClusterRecord fresh) {
  if (auto valid = events::validate_cluster_name(fresh.name()); !valid) {
    return apply_outcome::rejected(valid.err().message);
  }
  if (const auto* existing = cache.find(state, fresh.cluster_id()); existing != nullptr && !existing->deleted()) {
    return apply_outcome::rejected("CLUSTER_ALREADY_EXISTS: cluster '" + fresh.cluster_id() +
                                   "' is already registered as '" + existing->name() + "'");
  }
  const std::int64_t at = to_ns(event.occurred_at());
  *fresh.mutable_created_at() = to_timestamp(at);
  *fresh.mutable_updated_at() = to_timestamp(at);
  fresh.set_registration_event_id(event.event_id());
  fresh.set_claim_key(claim_key(fresh.name(), at, event.event_id()));
  // A re-registered id starts afresh; the previous incarnation's history went with its deletion.
  (void)cache.replace(state, std::move(fresh));
  return apply_outcome::applied();
}

ClusterRecord from_registered(const v1::ClusterRegistered& e) {
  ClusterRecord r;
  r.set_cluster_id(e.cluster_id());
  r.set_name(e.name());
  r.set_display_name(e.display_name());
  r.set_owner_tenant_id(e.owner_tenant_id());
  r.set_api_server_url(e.api_server_url());
  r.set_cluster_type(e.cluster_type());
  r.set_platform(e.platform());
  r.set_region(e.region());
  r.set_environment(e.environment());
  r.mutable_labels()->insert(e.labels().begin(), e.labels().end());
  if (e.has_endpoints()) *r.mutable_endpoints() = e.endpoints();
  if (e.has_geo()) *r.mutable_geo() = e.geo();
  r.set_cluster_class(e.cluster_class());
  if (e.has_capacity()) *r.mutable_capacity() = e.capacity();
  r.set_ca_cert_pem(e.ca_cert_pem());
  r.set_domain(e.domain());
  return r;
}

ClusterRecord from_private(const v1::PrivateClusterCreated& e) {
  ClusterRecord r;
  r.set_cluster_id(e.cluster_id());
  r.set_name(e.name());
  r.set_display_name(e.display_name());
  r.set_owner_tenant_id(e.owner_tenant_id());
  r.set_region(e.region());
  if (e.has_geo()) *r.mutable_geo() = e.geo();
  r.set_cluster_class(v1::CLUSTER_CLASS_TENANT_PRIVATE);
  return r;
}

// ---- update with field mask ----

// Applies one mask path. Returns false for a path we do not know (ignored, so a newer producer's
// fields do not make an older projection refuse the whole update).
bool apply_path(ClusterRecord& r, const v1::ClusterUpdated& u, std::string_view path) {
  if (path == "display_name") { r.set_display_name(u.display_name()); return true; }
  if (path == "owner_tenant_id") { r.set_owner_tenant_id(u.owner_tenant_id()); return true; }
  if (path == "api_server_url") { r.set_api_server_url(u.api_server_url()); return true; }
  if (path == "cluster_type") { r.set_cluster_type(u.cluster_type()); return true; }
  if (path == "platform") { r.set_platform(u.platform()); return true; }
  if (path == "region") { r.set_region(u.region()); return true; }
  if (path == "environment") { r.set_environment(u.environment()); return true; }
  if (path == "cluster_class") { r.set_cluster_class(u.cluster_class()); return true; }
  if (path == "ca_cert_pem") { r.set_ca_cert_pem(u.ca_cert_pem()); return true; }
  if (path == "domain") { r.set_domain(u.domain()); return true; }
  if (path == "labels") {
    r.mutable_labels()->clear();
    r.mutable_labels()->insert(u.labels().begin(), u.labels().end());
    return true;
  }
  if (path.starts_with("labels.")) {  // one label: set from the event's map, or removed if absent
    const std::string key(path.substr(7));
    if (const auto it = u.labels().find(key); it != u.labels().end()) {
      (*r.mutable_labels())[key] = it->second;
    } else {
      r.mutable_labels()->erase(key);
    }
    return true;
  }
  if (path == "endpoints") { *r.mutable_endpoints() = u.endpoints(); return true; }
  if (path == "endpoints.prometheus_url") { r.mutable_endpoints()->set_prometheus_url(u.endpoints().prometheus_url()); return true; }
  if (path == "endpoints.tempo_url") { r.mutable_endpoints()->set_tempo_url(u.endpoints().tempo_url()); return true; }
  if (path == "endpoints.loki_url") { r.mutable_endpoints()->set_loki_url(u.endpoints().loki_url()); return true; }
  if (path == "endpoints.alertmanager_url") { r.mutable_endpoints()->set_alertmanager_url(u.endpoints().alertmanager_url()); return true; }
  if (path == "geo") { *r.mutable_geo() = u.geo(); return true; }
  if (path == "geo.latitude") { r.mutable_geo()->set_latitude(u.geo().latitude()); return true; }
  if (path == "geo.longitude") { r.mutable_geo()->set_longitude(u.geo().longitude()); return true; }
  if (path == "geo.country") { r.mutable_geo()->set_country(u.geo().country()); return true; }
  if (path == "geo.city") { r.mutable_geo()->set_city(u.geo().city()); return true; }
  if (path == "capacity") { *r.mutable_capacity() = u.capacity(); return true; }
  if (path == "capacity.max_streams") { r.mutable_capacity()->set_max_streams(u.capacity().max_streams()); return true; }
  if (path == "capacity.max_viewers") { r.mutable_capacity()->set_max_viewers(u.capacity().max_viewers()); return true; }
  if (path == "capacity.max_bandwidth_mbps") { r.mutable_capacity()->set_max_bandwidth_mbps(u.capacity().max_bandwidth_mbps()); return true; }
  return false;
}

// Empty mask: every field set to a non-default value in the event, leaf by leaf (so an endpoints
// message carrying only prometheus_url changes only prometheus_url; a non-empty labels map
// replaces the whole map). A default value (empty string, 0, UNSPECIFIED, empty map) cannot be
// written this way; name it in a mask instead.
void apply_non_defaults(ClusterRecord& r, const v1::ClusterUpdated& u) {
  if (!u.display_name().empty()) r.set_display_name(u.display_name());
  if (!u.owner_tenant_id().empty()) r.set_owner_tenant_id(u.owner_tenant_id());
  if (!u.api_server_url().empty()) r.set_api_server_url(u.api_server_url());
  if (u.cluster_type() != v1::CLUSTER_TYPE_UNSPECIFIED) r.set_cluster_type(u.cluster_type());
  if (u.platform() != v1::PLATFORM_UNSPECIFIED) r.set_platform(u.platform());
  if (!u.region().empty()) r.set_region(u.region());
  if (u.environment() != v1::ENVIRONMENT_UNSPECIFIED) r.set_environment(u.environment());
  if (!u.labels().empty()) (void)apply_path(r, u, "labels");
  if (u.cluster_class() != v1::CLUSTER_CLASS_UNSPECIFIED) r.set_cluster_class(u.cluster_class());
  if (!u.ca_cert_pem().empty()) r.set_ca_cert_pem(u.ca_cert_pem());
  if (!u.domain().empty()) r.set_domain(u.domain());
  const auto& e = u.endpoints();
  if (!e.prometheus_url().empty()) r.mutable_endpoints()->set_prometheus_url(e.prometheus_url());
  if (!e.tempo_url().empty()) r.mutable_endpoints()->set_tempo_url(e.tempo_url());
  if (!e.loki_url().empty()) r.mutable_endpoints()->set_loki_url(e.loki_url());
  if (!e.alertmanager_url().empty()) r.mutable_endpoints()->set_alertmanager_url(e.alertmanager_url());
  const auto& g = u.geo();
  if (g.latitude() != 0.0) r.mutable_geo()->set_latitude(g.latitude());
  if (g.longitude() != 0.0) r.mutable_geo()->set_longitude(g.longitude());
  if (!g.country().empty()) r.mutable_geo()->set_country(g.country());
  if (!g.city().empty()) r.mutable_geo()->set_city(g.city());
  const auto& c = u.capacity();
  if (c.max_streams() != 0) r.mutable_capacity()->set_max_streams(c.max_streams());
  if (c.max_viewers() != 0) r.mutable_capacity()->set_max_viewers(c.max_viewers());
  if (c.max_bandwidth_mbps() != 0) r.mutable_capacity()->set_max_bandwidth_mbps(c.max_bandwidth_mbps());
}

apply_outcome update_cluster(state_txn& state, cluster_cache& cache, const v1::Envelope& event, const v1::ClusterUpdated& u) {
  auto live = load_live(state, cache, u.cluster_id());
  if (!live.record) return live.refusal;
  ClusterRecord& r = *live.record;
  const auto& paths = u.update_mask().paths();
  for (const auto& p : paths) {
    if (p == "cluster_id" || p == "name") {
      return apply_outcome::rejected("IMMUTABLE_FIELD: '" + p + "' of a cluster cannot change");
    }
  }
  if (paths.empty()) {
    apply_non_defaults(r, u);
  } else {
    for (const auto& p : paths) (void)apply_path(r, u, p);
  }
  *r.mutable_updated_at() = event.occurred_at();
  put_record_and_claim(cache, r);
  return apply_outcome::applied();
}

// ---- deletion ----

apply_outcome delete_cluster(state_txn& state, cluster_cache& cache, const v1::Envelope& event, const v1::ClusterDeleted& d) {
  auto live = load_live(state, cache, d.cluster_id());
  if (!live.record) return live.refusal;
  ClusterRecord& r = *live.record;
  r.set_deleted(true);
  *r.mutable_deleted_at() = event.occurred_at();
  *r.mutable_updated_at() = event.occurred_at();
  drop_history(state, cache, r.cluster_id());
  put_record_and_claim(cache, r);  // the claim now says "released at the deletion's occurred_at"
  return apply_outcome::applied();
}

// ---- health ----

CheckOutcome outcome_of(const v1::CheckResult& c) {
  CheckOutcome o;
  o.set_status(c.status());
  if (c.has_latency()) *o.mutable_latency() = c.latency();
  o.set_error(c.error());
  o.set_http_status(c.http_status());
  return o;
}

events::health_assessment reported_health(const v1::ClusterHealthChecked& h) {
  events::health_assessment out;
  out.score = std::clamp(h.health_score(), 0, events::health_score_max);
  if (h.state() >= v1::CLUSTER_STATE_UNKNOWN && h.state() <= v1::CLUSTER_STATE_OFFLINE) {
    out.state = h.state();
  } else if (out.score == events::health_score_max) {
    out.state = v1::CLUSTER_STATE_ONLINE;
  } else {
    // Without results, a score above the API-down penalty can only mean a degraded cluster.
    out.state = out.score > events::health_score_max - events::api_server_down_penalty ? v1::CLUSTER_STATE_DEGRADED
                                                                                         : v1::CLUSTER_STATE_OFFLINE;
  }
  return out;
}

apply_outcome health_checked(state_txn& state, cluster_cache& cache, const v1::Envelope& event,
                             const v1::ClusterHealthChecked& h) {
  auto live = load_live(state, cache, h.cluster_id());
  if (!live.record) return live.refusal;
  ClusterRecord& r = *live.record;
  // The score and state are recomputed from the per-check results (DESIGN.md section 4); the
  // event's own health_score and state are not trusted: where they disagree, ours win. A check that
  // carries no per-check results at all (a producer reporting only a score and a state) is taken at
  // its word, within range.
  const bool has_results = h.has_api_server() || h.has_prometheus() || h.has_tempo() || h.has_loki();
  const events::health_assessment health = has_results ? events::assess_health(h) : reported_health(h);
  // A check without checked_at is dated by its event.
  const std::int64_t at = h.has_checked_at() ? to_ns(h.checked_at()) : to_ns(event.occurred_at());

  LastCheck check;
  *check.mutable_checked_at() = to_timestamp(at);
  check.set_health_score(health.score);
  check.set_state(health.state);
  check.set_connectivity(h.connectivity());
  *check.mutable_api_server() = outcome_of(h.api_server());
  *check.mutable_prometheus() = outcome_of(h.prometheus());
  *check.mutable_tempo() = outcome_of(h.tempo());
  *check.mutable_loki() = outcome_of(h.loki());

  // The newest check (by checked_at) is the cluster's current health; a late, older check only
  // adds to the history. Equal times: the later event wins.
  const bool newest = !r.has_last_check() || at >= to_ns(r.last_check().checked_at());
  if (newest) *r.mutable_last_check() = check;

  HistoryEntry entry;
  *entry.mutable_at() = check.checked_at();
  entry.set_state(health.state);
  entry.set_health_score(health.score);
  *entry.mutable_check() = std::move(check);
  record_history(state, cache, r, at, history_kind_check, entry);
  if (newest) put_record_and_claim(cache, r);
  return apply_outcome::applied();
}

apply_outcome status_changed(state_txn& state, cluster_cache& cache, const v1::Envelope& event,
                             const v1::ClusterStatusChanged& s) {
  auto live = load_live(state, cache, s.cluster_id());
  if (!live.record) return live.refusal;
  ClusterRecord& r = *live.record;
  // Informational: the prober's view of a transition. It does not change the state (the checks
  // decide that); it is remembered with its reason.
  StatusNote note;
  *note.mutable_at() = event.occurred_at();
  note.set_old_state(s.old_state());
  note.set_new_state(s.new_state());
  note.set_health_score(s.health_score());
  note.set_reason(s.reason());
  if (!r.has_last_status_change() || to_ns(note.at()) >= to_ns(r.last_status_change().at())) {
    *r.mutable_last_status_change() = note;
    put_record(cache, r);
  }
  HistoryEntry entry;
  *entry.mutable_at() = note.at();
  entry.set_state(s.new_state());
  entry.set_health_score(s.health_score());
  *entry.mutable_status_change() = std::move(note);
  record_history(state, cache, r, to_ns(event.occurred_at()), history_kind_status, entry);
  return apply_outcome::applied();
}

// ---- capabilities and credentials ----

apply_outcome capabilities_changed(state_txn& state, cluster_cache& cache, const v1::Envelope& event,
                                   const v1::ClusterCapabilitiesChanged& c) {
  auto live = load_live(state, cache, c.cluster_id());
  if (!live.record) return live.refusal;
  ClusterRecord& r = *live.record;
  CapabilitySet set;  // replaces the previous set as a whole
  set.set_has_gpu_nodes(c.has_gpu_nodes());
  set.set_gpu_count(c.gpu_count());
  set.mutable_gpu_types()->CopyFrom(c.gpu_types());
  set.set_has_prometheus(c.has_prometheus());
  set.set_has_thanos(c.has_thanos());
  set.set_has_tempo(c.has_tempo());
  set.set_has_loki(c.has_loki());
  set.set_has_service_mesh(c.has_service_mesh());
  set.set_has_cnf_workloads(c.has_cnf_workloads());
  set.mutable_cnf_types()->CopyFrom(c.cnf_types());
  *set.mutable_reported_at() = event.occurred_at();
  *r.mutable_capabilities() = std::move(set);
  *r.mutable_updated_at() = event.occurred_at();
  put_record_and_claim(cache, r);
  return apply_outcome::applied();
}

// Stored and Rotated carry the same metadata. Only auth_type, fingerprint and expires_at are kept;
// the sealed secret is deliberately dropped here and never reaches the view's state.
template <typename CredentialEvent>
apply_outcome credentials_set(state_txn& state, cluster_cache& cache, const v1::Envelope& event, const CredentialEvent& c) {
  auto live = load_live(state, cache, c.cluster_id());
  if (!live.record) return live.refusal;
  ClusterRecord& r = *live.record;
  CredentialMeta meta;
  meta.set_auth_type(c.auth_type());
  meta.set_fingerprint(c.fingerprint());
  if (c.has_expires_at()) *meta.mutable_expires_at() = c.expires_at();
  *r.mutable_credentials() = std::move(meta);
  *r.mutable_updated_at() = event.occurred_at();
  put_record(cache, r);
  return apply_outcome::applied();
}

apply_outcome credentials_deleted(state_txn& state, cluster_cache& cache, const v1::Envelope& event,
                                  const v1::ClusterCredentialsDeleted& c) {
  auto live = load_live(state, cache, c.cluster_id());
  if (!live.record) return live.refusal;
  ClusterRecord& r = *live.record;
  // A delete that names other credentials (e.g. issued before a rotation) must not remove the new ones.
  if (!c.fingerprint().empty() && r.has_credentials() && r.credentials().fingerprint() != c.fingerprint()) {
    return apply_outcome::rejected("CREDENTIALS_MISMATCH: cluster '" + r.cluster_id() +
                                   "' holds credentials with fingerprint " + r.credentials().fingerprint() +
                                   ", not " + c.fingerprint());
  }
  r.clear_credentials();
  *r.mutable_updated_at() = event.occurred_at();
  put_record(cache, r);
  return apply_outcome::applied();
}

// The cluster_id of the events this view folds; nullptr for the rest.
const std::string* folded_cluster_id(const v1::Envelope& e) {
  switch (e.payload_case()) {
    case v1::Envelope::kClusterRegistered: return &e.cluster_registered().cluster_id();
    case v1::Envelope::kClusterUpdated: return &e.cluster_updated().cluster_id();
    case v1::Envelope::kClusterDeleted: return &e.cluster_deleted().cluster_id();
    case v1::Envelope::kClusterHealthChecked: return &e.cluster_health_checked().cluster_id();
    case v1::Envelope::kClusterStatusChanged: return &e.cluster_status_changed().cluster_id();
    case v1::Envelope::kClusterCapabilitiesChanged: return &e.cluster_capabilities_changed().cluster_id();
    case v1::Envelope::kClusterCredentialsStored: return &e.cluster_credentials_stored().cluster_id();
    case v1::Envelope::kClusterCredentialsRotated: return &e.cluster_credentials_rotated().cluster_id();
    case v1::Envelope::kClusterCredentialsDeleted: return &e.cluster_credentials_deleted().cluster_id();
    case v1::Envelope::kPrivateClusterCreated: return &e.private_cluster_created().cluster_id();
    default: return nullptr;
  }
}

}  // namespace

std::vector<std::string_view> fleet_view::topics() const { return {events::cluster_topic}; }

// The event types apply() folds; everything else on the cluster topic is ignored without decoding.
bool fleet_view::wants(std::string_view payload_type) const {
  static constexpr std::string_view folded[] = {
      "ClusterRegistered",
      "PrivateClusterCreated",
      "ClusterUpdated",
      "ClusterDeleted",
      "ClusterHealthChecked",
      "ClusterStatusChanged",
      "ClusterCapabilitiesChanged",
      "ClusterCredentialsStored",
      "ClusterCredentialsRotated",
      "ClusterCredentialsDeleted",
  };
  return std::find(std::begin(folded), std::end(folded), payload_type) != std::end(folded);
}

apply_outcome fleet_view::apply(state_txn& state, const v1::Envelope& event, const record_context& /*ctx*/) {
  const std::string* id = folded_cluster_id(event);
  if (id == nullptr) return apply_outcome::ignored();  // marketplace settings, invites, subscriptions, ...
  if (auto problem = cluster_id_problem(*id)) return apply_outcome::malformed(std::move(*problem));

  cluster_cache& cache = *cache_;
  switch (event.payload_case()) {
    case v1::Envelope::kClusterRegistered:
      return register_cluster(state, cache, event, from_registered(event.cluster_registered()));
    case v1::Envelope::kPrivateClusterCreated:
      return register_cluster(state, cache, event, from_private(event.private_cluster_created()));
    case v1::Envelope::kClusterUpdated: return update_cluster(state, cache, event, event.cluster_updated());
    case v1::Envelope::kClusterDeleted: return delete_cluster(state, cache, event, event.cluster_deleted());
    case v1::Envelope::kClusterHealthChecked:
      return health_checked(state, cache, event, event.cluster_health_checked());
    case v1::Envelope::kClusterStatusChanged:
      return status_changed(state, cache, event, event.cluster_status_changed());
    case v1::Envelope::kClusterCapabilitiesChanged:
      return capabilities_changed(state, cache, event, event.cluster_capabilities_changed());
    case v1::Envelope::kClusterCredentialsStored:
      return credentials_set(state, cache, event, event.cluster_credentials_stored());
    case v1::Envelope::kClusterCredentialsRotated:
      return credentials_set(state, cache, event, event.cluster_credentials_rotated());
    case v1::Envelope::kClusterCredentialsDeleted:
      return credentials_deleted(state, cache, event, event.cluster_credentials_deleted());
    default: return apply_outcome::ignored();
  }
}

fleet_view::fleet_view() : cache_(std::make_unique<cluster_cache>()) {}
fleet_view::~fleet_view() = default;

void fleet_view::flush(state_txn& state) { cache_->flush(state); }

void fleet_view::discard() { cache_->clear(); }

}  // namespace fleetledger::projections::fleet

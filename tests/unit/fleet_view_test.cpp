// The fleet view's rules (DESIGN.md section 4) applied through the real runtime on RocksDB, each with
// a hand-computed expected value.
#include "fleet_test_harness.hpp"

using namespace fleet_test;

namespace {

ff::cluster_info must_read(const harness& h, const std::string& id, time_point now) {
  auto c = ff::read_cluster(h.reader(), id, now);
  REQUIRE(c.has_value());
  return c.value();
}

}  // namespace

// ---- registration ----

TEST_CASE("fleet registration stores every field of the cluster", "[fleet][unit]") {
  harness h;
  auto e = registered("c-1", "web-1", t0, v1::CLUSTER_TYPE_HUB);
  (*e.mutable_cluster_registered()->mutable_labels())["tier"] = "gold";
  e.mutable_cluster_registered()->set_domain("example.net");
  h.apply(e);
  const auto c = must_read(h, "c-1", t0);
  CHECK(c.name == "web-1");
  CHECK(c.display_name == "Cluster web-1");
  CHECK(c.owner_tenant_id == "tenant-1");
  CHECK(c.cluster_type == v1::CLUSTER_TYPE_HUB);
  CHECK(c.platform == v1::PLATFORM_OPENSHIFT);
  CHECK(c.region == "eu-west");
  CHECK(c.environment == v1::ENVIRONMENT_PRODUCTION);
  CHECK(c.labels == std::map<std::string, std::string>{{"tier", "gold"}});
  CHECK(c.endpoints.prometheus_url == "https://prom.web-1.example");
  CHECK(c.geo.city == "Amsterdam");
  CHECK(c.cluster_class == v1::CLUSTER_CLASS_PLATFORM_OFFICIAL);
  CHECK(c.capacity.max_viewers == 1000);
  CHECK(c.domain == "example.net");
  CHECK(c.state == v1::CLUSTER_STATE_UNKNOWN);
  CHECK_FALSE(c.stale);
  CHECK_FALSE(c.health_score.has_value());
  CHECK_FALSE(c.credentials.has_value());
  CHECK(c.created_at == t0);
  CHECK(c.updated_at == t0);
}

TEST_CASE("fleet registration with a name that is not a DNS label is rejected INVALID_CLUSTER_NAME", "[fleet][unit]") {
  harness h;
  h.apply(registered("c-1", "Web_1", t0));
  CHECK(h.last_rejection().starts_with("INVALID_CLUSTER_NAME: "));
  CHECK(ff::read_cluster(h.reader(), "c-1", t0).err().code == fe::errc::not_found);
  CHECK(h.store().counters().rejected == 1);
}

TEST_CASE("fleet registration of an id that exists and is not deleted is rejected CLUSTER_ALREADY_EXISTS", "[fleet][unit]") {
  harness h;
  h.apply(registered("c-1", "web-1", t0));
  h.apply(registered("c-1", "web-2", t0 + 1s));
  CHECK(h.last_rejection().starts_with("CLUSTER_ALREADY_EXISTS: "));
  CHECK(must_read(h, "c-1", t0 + 2s).name == "web-1");
}

TEST_CASE("fleet events for an unknown cluster are rejected CLUSTER_NOT_FOUND", "[fleet][unit]") {
  harness h;
  h.apply(checked("ghost", t0));
  CHECK(h.last_rejection().starts_with("CLUSTER_NOT_FOUND: "));
}

TEST_CASE("fleet events for a deleted cluster are rejected CLUSTER_NOT_FOUND", "[fleet][unit]") {
  harness h;
  h.apply(registered("c-1", "web-1", t0));
  h.apply(deleted("c-1", t0 + 1s));
  h.apply(checked("c-1", t0 + 2s));
  CHECK(h.last_rejection().starts_with("CLUSTER_NOT_FOUND: "));
  h.apply(deleted("c-1", t0 + 3s));
  CHECK(h.rejections().size() == 2);
  CHECK(ff::read_cluster(h.reader(), "c-1", t0 + 4s).err().message.starts_with("CLUSTER_NOT_FOUND: "));
}

TEST_CASE("fleet event without a cluster id goes to the dead letters", "[fleet][unit]") {
  harness h;
  h.apply(checked("", t0));
  REQUIRE(h.dead_letters().size() == 1);
  CHECK(h.dead_letters()[0].starts_with("MISSING_CLUSTER_ID"));
}

TEST_CASE("fleet marketplace settings are ignored by the fleet view", "[fleet][unit]") {
  harness h;
  auto e = envelope(t0);
  e.mutable_cluster_marketplace_updated()->set_cluster_id("c-1");
  h.apply(e);
  CHECK(h.store().counters().ignored == 1);
  CHECK(h.rejections().empty());
}

TEST_CASE("fleet private cluster creation registers a TENANT_PRIVATE cluster", "[fleet][unit]") {
  harness h;
  auto e = envelope(t0);
  auto* p = e.mutable_private_cluster_created();
  p->set_cluster_id("p-1");
  p->set_owner_tenant_id("tenant-9");
  p->set_name("my-private");
  p->set_display_name("Mine");
  p->set_region("us-east");
  p->set_bootstrap_token_sha256(std::string(64, 'a'));
  h.apply(e);
  const auto c = must_read(h, "p-1", t0);
  CHECK(c.cluster_class == v1::CLUSTER_CLASS_TENANT_PRIVATE);
  CHECK(c.owner_tenant_id == "tenant-9");
  CHECK(c.name == "my-private");
  CHECK(c.region == "us-east");
  CHECK(ff::read_cluster_by_name(h.reader(), "my-private", t0)->cluster_id == "p-1");
}

TEST_CASE("fleet private cluster with an invalid name is rejected INVALID_CLUSTER_NAME", "[fleet][unit]") {
  harness h;
  auto e = envelope(t0);
  e.mutable_private_cluster_created()->set_cluster_id("p-1");
  e.mutable_private_cluster_created()->set_name("-bad");
  h.apply(e);
  CHECK(h.last_rejection().starts_with("INVALID_CLUSTER_NAME: "));
}

// ---- health score and state ----

TEST_CASE("fleet health score is recomputed from the check results for each combination", "[fleet][unit]") {
  struct row {
    const char* checks;  // api, prometheus, tempo, loki
    int score;
    v1::ClusterState state;
  };
  // Hand-computed: 100 - 50 (API) - 20 (Prometheus) - 15 (Tempo) - 15 (Loki), configured ones only.
  const row rows[] = {
      {"oooo", 100, v1::CLUSTER_STATE_ONLINE},
      {"ofnf", 65, v1::CLUSTER_STATE_DEGRADED},   // 100-20-15
      {"onnn", 100, v1::CLUSTER_STATE_ONLINE},    // nothing but the API configured
      {"ofoo", 80, v1::CLUSTER_STATE_DEGRADED},   // 100-20
      {"oofn", 85, v1::CLUSTER_STATE_DEGRADED},   // 100-15
      {"ooof", 85, v1::CLUSTER_STATE_DEGRADED},   // 100-15
      {"offf", 50, v1::CLUSTER_STATE_DEGRADED},   // 100-20-15-15
      {"fooo", 50, v1::CLUSTER_STATE_OFFLINE},    // 100-50
      {"ffnn", 30, v1::CLUSTER_STATE_OFFLINE},    // 100-50-20
      {"ffff", 0, v1::CLUSTER_STATE_OFFLINE},     // 100-50-20-15-15
      {"nooo", 50, v1::CLUSTER_STATE_OFFLINE},    // an API server that was not checked is not up
  };
  for (const auto& r : rows) {
    harness h;
    h.apply(registered("c-1", "web-1", t0));
    h.apply(checked("c-1", t0 + 10s, r.checks));
    const auto c = must_read(h, "c-1", t0 + 11s);
    INFO("checks " << r.checks);
    CHECK(c.health_score == r.score);
    CHECK(c.state == r.state);
  }
}

TEST_CASE("fleet state moves from UNKNOWN on the first check and then follows the checks", "[fleet][unit]") {
  harness h;
  h.apply(registered("c-1", "web-1", t0));
  CHECK(must_read(h, "c-1", t0).state == v1::CLUSTER_STATE_UNKNOWN);
  h.apply(checked("c-1", t0 + 30s, "ofoo"));  // first check: UNKNOWN -> DEGRADED
  CHECK(must_read(h, "c-1", t0 + 31s).state == v1::CLUSTER_STATE_DEGRADED);
  h.apply(checked("c-1", t0 + 60s, "oooo"));
  CHECK(must_read(h, "c-1", t0 + 61s).state == v1::CLUSTER_STATE_ONLINE);
  h.apply(checked("c-1", t0 + 90s, "fooo"));
  CHECK(must_read(h, "c-1", t0 + 91s).state == v1::CLUSTER_STATE_OFFLINE);
  h.apply(checked("c-1", t0 + 120s, "oooo"));
  const auto c = must_read(h, "c-1", t0 + 121s);
  CHECK(c.state == v1::CLUSTER_STATE_ONLINE);
  CHECK(c.health_score == 100);
  CHECK(c.last_checked_at == t0 + 120s);
}

TEST_CASE("fleet first check that finds the API down goes UNKNOWN to OFFLINE", "[fleet][unit]") {
  harness h;
  h.apply(registered("c-1", "web-1", t0));
  h.apply(checked("c-1", t0 + 5s, "fnnn"));
  const auto c = must_read(h, "c-1", t0 + 6s);
  CHECK(c.state == v1::CLUSTER_STATE_OFFLINE);
  CHECK(c.health_score == 50);
}

TEST_CASE("fleet older check arriving late does not replace the newest one", "[fleet][unit]") {
  harness h;
  h.apply(registered("c-1", "web-1", t0));
  h.apply(checked("c-1", t0 + 60s, "oooo"));
  h.apply(checked("c-1", t0 + 30s, "fooo"));
  const auto c = must_read(h, "c-1", t0 + 61s);
  CHECK(c.state == v1::CLUSTER_STATE_ONLINE);
  CHECK(c.last_checked_at == t0 + 60s);
  CHECK(ff::read_history(h.reader(), "c-1", std::nullopt, {})->total == 2);
}

TEST_CASE("fleet status change is informational and its reason is kept", "[fleet][unit]") {
  harness h;
  h.apply(registered("c-1", "web-1", t0));
  h.apply(checked("c-1", t0 + 10s, "oooo"));
  auto e = envelope(t0 + 11s);
  auto* s = e.mutable_cluster_status_changed();
  s->set_cluster_id("c-1");
  s->set_old_state(v1::CLUSTER_STATE_UNKNOWN);
  s->set_new_state(v1::CLUSTER_STATE_OFFLINE);
  s->set_health_score(0);
  s->set_reason("maintenance window");
  h.apply(e);
  const auto st = ff::read_status(h.reader(), "c-1", t0 + 12s);
  REQUIRE(st.has_value());
  CHECK(st->state == v1::CLUSTER_STATE_ONLINE);  // the checks decide the state
  REQUIRE(st->last_status_change.has_value());
  CHECK(st->last_status_change->reason == "maintenance window");
  const auto hist = ff::read_history(h.reader(), "c-1", std::nullopt, {});
  REQUIRE(hist->items.size() == 2);
  CHECK(hist->items[1].what == ff::history_entry::kind::status_change);
  CHECK(hist->items[1].status_change->reason == "maintenance window");
}

// ---- liveness ----

TEST_CASE("fleet cluster reads UNKNOWN once 3 check intervals pass without a check for each type", "[fleet][unit]") {
  struct row {
    v1::ClusterType type;
    std::chrono::seconds three_intervals;
  };
  const row rows[] = {{v1::CLUSTER_TYPE_HUB, 45s},
                      {v1::CLUSTER_TYPE_SPOKE, 90s},
                      {v1::CLUSTER_TYPE_EDGE, 180s},
                      {v1::CLUSTER_TYPE_FAR_EDGE, 360s},
                      {v1::CLUSTER_TYPE_UNSPECIFIED, 90s}};  // SPOKE's interval
  for (const auto& r : rows) {
    harness h;
    h.apply(registered("c-1", "web-1", t0, r.type));
    const time_point t = t0 + 100s;
    h.apply(checked("c-1", t, "oooo"));
    INFO("type " << ff::enum_name(r.type));
    const auto fresh = must_read(h, "c-1", t + r.three_intervals - 1s);
    CHECK(fresh.state == v1::CLUSTER_STATE_ONLINE);
    CHECK_FALSE(fresh.stale);
    const auto stale = must_read(h, "c-1", t + r.three_intervals + 1s);
    CHECK(stale.state == v1::CLUSTER_STATE_UNKNOWN);
    CHECK(stale.stale);
    CHECK(stale.health_score == 100);  // the last score is still reported
  }
}

TEST_CASE("fleet EDGE cluster checked at t is fresh at t+179s and UNKNOWN at t+181s", "[fleet][unit]") {
  harness h;
  h.apply(registered("e-1", "edge-1", t0, v1::CLUSTER_TYPE_EDGE));
  h.apply(checked("e-1", t0, "ofoo"));
  CHECK(ff::read_status(h.reader(), "e-1", t0 + 179s)->state == v1::CLUSTER_STATE_DEGRADED);
  CHECK(ff::read_status(h.reader(), "e-1", t0 + 181s)->state == v1::CLUSTER_STATE_UNKNOWN);
  CHECK(ff::read_status(h.reader(), "e-1", t0 + 181s)->stale);
}

// ---- history ----

TEST_CASE("fleet health history keeps 7 days before the newest check", "[fleet][unit]") {
  harness h;
  h.apply(registered("c-1", "web-1", t0));
  for (int day = 0; day <= 8; ++day) h.apply(checked("c-1", t0 + std::chrono::hours(24 * day), "oooo"));
  // Newest check t0+8d; the window starts at t0+1d (inclusive): days 1..8 = 8 entries.
  const auto all = ff::read_history(h.reader(), "c-1", std::nullopt, {});
  REQUIRE(all.has_value());
  CHECK(all->total == 8);
  CHECK(all->items.front().at == t0 + std::chrono::hours(24));
  CHECK(all->items.back().at == t0 + std::chrono::hours(24 * 8));
  // The day-0 entry is gone from storage too, not only hidden.
  int stored = 0;
  h.reader().scan(std::string("h") + '\x1f' + "c-1" + '\x1f', [&](std::string_view, std::string_view) {
    ++stored;
    return true;
  });
  CHECK(stored == 8);
}

TEST_CASE("fleet history since returns entries at or after since", "[fleet][unit]") {
  harness h;
  h.apply(registered("c-1", "web-1", t0));
  for (int i = 0; i < 10; ++i) h.apply(checked("c-1", t0 + std::chrono::seconds(30 * i), "oooo"));
  const auto since = ff::read_history(h.reader(), "c-1", t0 + 120s, {});
  REQUIRE(since.has_value());
  CHECK(since->total == 6);  // 120, 150, 180, 210, 240, 270
  CHECK(since->items.front().at == t0 + 120s);
  const auto paged = ff::read_history(h.reader(), "c-1", std::nullopt, {2, 4});
  CHECK(paged->total == 10);
  CHECK(paged->total_pages == 3);
  REQUIRE(paged->items.size() == 4);
  CHECK(paged->items.front().at == t0 + 120s);  // entries 5..8
}

TEST_CASE("fleet history entry that is already older than 7 days is not stored", "[fleet][unit]") {
  harness h;
  h.apply(registered("c-1", "web-1", t0));
  h.apply(checked("c-1", t0 + std::chrono::hours(24 * 10), "oooo"));
  h.apply(checked("c-1", t0 + std::chrono::hours(24 * 2), "fooo"));
  CHECK(ff::read_history(h.reader(), "c-1", std::nullopt, {})->total == 1);
}

// ---- name uniqueness (cross-key, decided at read time) ----

namespace {

struct conflict_outcome {
  std::string owner_by_name;
  std::vector<std::string> listed;
  std::vector<std::string> refused;
  std::int64_t total_clusters;
  std::string digest;
};

conflict_outcome run_conflict(bool a_first) {
  harness h;
  // a claims "web" at t0+10s, b claims it at t0+20s; they live on different partitions.
  const auto a = registered("a", "web", t0 + 10s, v1::CLUSTER_TYPE_HUB, uuid(1));
  const auto b = registered("b", "web", t0 + 20s, v1::CLUSTER_TYPE_HUB, uuid(2));
  if (a_first) {
    h.apply(a, 0);
    h.apply(b, 1);
  } else {
    h.apply(b, 1);
    h.apply(a, 0);
  }
  conflict_outcome out;
  out.owner_by_name = ff::read_cluster_by_name(h.reader(), "web", t0 + 30s)->cluster_id;
  for (const auto& c : ff::list_clusters(h.reader(), {}, {}, t0 + 30s).items) out.listed.push_back(c.cluster_id);
  for (const auto& n : ff::name_conflicts(h.reader())) {
    out.refused.push_back(n.cluster_id + ":" + n.reason.substr(0, n.reason.find(':')) + ":" + n.owner_cluster_id);
  }
  out.total_clusters = ff::read_summary(h.reader(), t0 + 30s).total_clusters;
  out.digest = h.store().digest().sha256_hex;
  return out;
}

}  // namespace

TEST_CASE("fleet name conflict is decided the same whichever registration is applied first", "[fleet][unit]") {
  const auto ab = run_conflict(true);
  const auto ba = run_conflict(false);
  CHECK(ab.owner_by_name == "a");
  CHECK(ab.listed == std::vector<std::string>{"a"});
  CHECK(ab.refused == std::vector<std::string>{"b:CLUSTER_ALREADY_EXISTS:a"});
  CHECK(ab.total_clusters == 1);
  CHECK(ba.owner_by_name == ab.owner_by_name);
  CHECK(ba.listed == ab.listed);
  CHECK(ba.refused == ab.refused);
  CHECK(ba.total_clusters == ab.total_clusters);
  CHECK(ba.digest == ab.digest);
}

TEST_CASE("fleet name conflict at the same instant goes to the smaller event id", "[fleet][unit]") {
  harness h;
  h.apply(registered("late", "web", t0, v1::CLUSTER_TYPE_HUB, uuid(9)), 0);
  h.apply(registered("early", "web", t0, v1::CLUSTER_TYPE_HUB, uuid(3)), 1);
  CHECK(ff::read_cluster_by_name(h.reader(), "web", t0)->cluster_id == "early");
  const auto refused = ff::read_cluster(h.reader(), "late", t0);
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.err().message.starts_with("CLUSTER_NOT_FOUND: "));
  CHECK(refused.err().message.find("CLUSTER_ALREADY_EXISTS") != std::string::npos);
}

TEST_CASE("fleet deleted cluster releases its name for claims after the deletion", "[fleet][unit]") {
  harness h;
  h.apply(registered("a", "web", t0 + 10s, v1::CLUSTER_TYPE_HUB, uuid(1)), 0);
  h.apply(registered("b", "web", t0 + 20s, v1::CLUSTER_TYPE_HUB, uuid(2)), 1);  // a still owns it
  h.apply(deleted("a", t0 + 30s), 0);
  h.apply(registered("c", "web", t0 + 30s, v1::CLUSTER_TYPE_HUB, uuid(3)), 2);  // same instant: not after
  h.apply(registered("d", "web", t0 + 40s, v1::CLUSTER_TYPE_HUB, uuid(4)), 3);  // after: owns it
  CHECK(ff::read_cluster_by_name(h.reader(), "web", t0 + 50s)->cluster_id == "d");
  std::vector<std::string> refused;
  for (const auto& n : ff::name_conflicts(h.reader())) refused.push_back(n.cluster_id + "<-" + n.owner_cluster_id);
  CHECK(refused == std::vector<std::string>{"b<-a", "c<-a"});
  CHECK(ff::list_clusters(h.reader(), {}, {}, t0 + 50s).total == 1);
}

TEST_CASE("fleet deleted cluster id can be registered again", "[fleet][unit]") {
  harness h;
  h.apply(registered("a", "web", t0));
  h.apply(checked("a", t0 + 1s, "oooo"));
  h.apply(deleted("a", t0 + 2s));
  h.apply(registered("a", "web", t0 + 3s));
  const auto c = must_read(h, "a", t0 + 4s);
  CHECK(c.created_at == t0 + 3s);
  CHECK_FALSE(c.health_score.has_value());
  CHECK(ff::read_history(h.reader(), "a", std::nullopt, {})->total == 0);
  CHECK(ff::name_conflicts(h.reader()).empty());
}

// ---- update with field mask ----

TEST_CASE("fleet update with a field mask changes only the masked fields", "[fleet][unit]") {
  harness h;
  h.apply(registered("c-1", "web-1", t0));
  auto e = envelope(t0 + 5s);
  auto* u = e.mutable_cluster_updated();
  u->set_cluster_id("c-1");
  u->mutable_update_mask()->add_paths("display_name");
  u->mutable_update_mask()->add_paths("endpoints.tempo_url");
  u->mutable_update_mask()->add_paths("region");  // masked with an empty value: cleared
  u->set_display_name("Renamed");
  u->set_api_server_url("https://not-masked.example");  // not in the mask: ignored
  u->set_environment(v1::ENVIRONMENT_LAB);             // not in the mask: ignored
  u->mutable_endpoints()->set_tempo_url("https://tempo.example");
  u->mutable_endpoints()->set_loki_url("https://loki-not-masked.example");
  h.apply(e);
  const auto c = must_read(h, "c-1", t0 + 6s);
  CHECK(c.display_name == "Renamed");
  CHECK(c.endpoints.tempo_url == "https://tempo.example");
  CHECK(c.endpoints.prometheus_url == "https://prom.web-1.example");  // sibling kept
  CHECK(c.endpoints.loki_url.empty());
  CHECK(c.region.empty());
  CHECK(c.api_server_url == "https://api.web-1.example:6443");
  CHECK(c.environment == v1::ENVIRONMENT_PRODUCTION);
  CHECK(c.updated_at == t0 + 5s);
  CHECK(c.created_at == t0);
}

TEST_CASE("fleet update with an empty mask applies every non-default field", "[fleet][unit]") {
  harness h;
  h.apply(registered("c-1", "web-1", t0));
  auto e = envelope(t0 + 5s);
  auto* u = e.mutable_cluster_updated();
  u->set_cluster_id("c-1");
  u->set_environment(v1::ENVIRONMENT_STAGING);
  u->mutable_capacity()->set_max_viewers(5);
  (*u->mutable_labels())["team"] = "video";
  h.apply(e);
  const auto c = must_read(h, "c-1", t0 + 6s);
  CHECK(c.environment == v1::ENVIRONMENT_STAGING);
  CHECK(c.capacity.max_viewers == 5);
  CHECK(c.capacity.max_streams == 100);  // default in the event: unchanged
  CHECK(c.labels == std::map<std::string, std::string>{{"team", "video"}});
  CHECK(c.display_name == "Cluster web-1");
  CHECK(c.region == "eu-west");
  CHECK(c.cluster_type == v1::CLUSTER_TYPE_SPOKE);
}

TEST_CASE("fleet update naming the cluster name in its mask is rejected IMMUTABLE_FIELD", "[fleet][unit]") {
  harness h;
  h.apply(registered("c-1", "web-1", t0));
  auto e = envelope(t0 + 5s);
  e.mutable_cluster_updated()->set_cluster_id("c-1");
  e.mutable_cluster_updated()->mutable_update_mask()->add_paths("name");
  h.apply(e);
  CHECK(h.last_rejection().starts_with("IMMUTABLE_FIELD: "));
}

TEST_CASE("fleet update of a cluster type moves it between summary buckets", "[fleet][unit]") {
  harness h;
  h.apply(registered("c-1", "web-1", t0, v1::CLUSTER_TYPE_SPOKE));
  auto e = envelope(t0 + 5s);
  e.mutable_cluster_updated()->set_cluster_id("c-1");
  e.mutable_cluster_updated()->mutable_update_mask()->add_paths("cluster_type");
  e.mutable_cluster_updated()->set_cluster_type(v1::CLUSTER_TYPE_EDGE);
  h.apply(e);
  const auto s = ff::read_summary(h.reader(), t0 + 6s);
  CHECK(s.by_type.at(v1::CLUSTER_TYPE_EDGE) == 1);
  CHECK(s.by_type.at(v1::CLUSTER_TYPE_SPOKE) == 0);
}

// ---- credentials ----

TEST_CASE("fleet credentials keep only metadata and never the sealed secret", "[fleet][unit]") {
  harness h;
  h.apply(registered("c-1", "web-1", t0));
  const std::string secret_marker = "TOP-SECRET-CIPHERTEXT-BYTES";
  auto e = envelope(t0 + 1s);
  auto* c = e.mutable_cluster_credentials_stored();
  c->set_cluster_id("c-1");
  c->set_auth_type(v1::AUTH_TYPE_SERVICE_ACCOUNT);
  c->set_fingerprint(std::string(64, 'f'));
  *c->mutable_expires_at() = fe::to_timestamp(t0 + std::chrono::hours(24 * 30));
  c->mutable_secret()->set_algorithm("AES-256-GCM");
  c->mutable_secret()->set_data_key_id("dk-SECRETKEYID");
  c->mutable_secret()->set_nonce("NONCE-SECRET");
  c->mutable_secret()->set_ciphertext(secret_marker);
  c->mutable_secret()->set_tag("TAG-SECRET-0000");
  h.apply(e);

  const auto info = must_read(h, "c-1", t0 + 2s);
  REQUIRE(info.credentials.has_value());
  CHECK(info.credentials->auth_type == v1::AUTH_TYPE_SERVICE_ACCOUNT);
  CHECK(info.credentials->fingerprint == std::string(64, 'f'));
  CHECK(info.credentials->expires_at == t0 + std::chrono::hours(24 * 30));
  const std::string json = boost::json::serialize(ff::to_json(info));
  CHECK(json.find("\"credentials\":{\"auth_type\":\"SERVICE_ACCOUNT\"") != std::string::npos);
  // No secret bytes anywhere: not in the JSON, not in any stored value.
  for (const std::string& needle : std::vector<std::string>{secret_marker, "SECRET-", "SECRETKEYID"}) {
    CHECK(json.find(needle) == std::string::npos);
    h.reader().scan("", [&](std::string_view k, std::string_view v) {
      if (k.starts_with(fp::rejection_prefix)) return true;
      CHECK(v.find(needle) == std::string_view::npos);
      return true;
    });
  }
}

TEST_CASE("fleet credentials rotate replaces the metadata and delete clears it", "[fleet][unit]") {
  harness h;
  h.apply(registered("c-1", "web-1", t0));
  auto stored = envelope(t0 + 1s);
  stored.mutable_cluster_credentials_stored()->set_cluster_id("c-1");
  stored.mutable_cluster_credentials_stored()->set_auth_type(v1::AUTH_TYPE_KUBECONFIG);
  stored.mutable_cluster_credentials_stored()->set_fingerprint("aaa");
  h.apply(stored);
  auto rotated = envelope(t0 + 2s);
  rotated.mutable_cluster_credentials_rotated()->set_cluster_id("c-1");
  rotated.mutable_cluster_credentials_rotated()->set_auth_type(v1::AUTH_TYPE_OIDC);
  rotated.mutable_cluster_credentials_rotated()->set_fingerprint("bbb");
  rotated.mutable_cluster_credentials_rotated()->set_previous_fingerprint("aaa");
  h.apply(rotated);
  auto c = must_read(h, "c-1", t0 + 3s);
  CHECK(c.credentials->auth_type == v1::AUTH_TYPE_OIDC);
  CHECK(c.credentials->fingerprint == "bbb");
  CHECK_FALSE(c.credentials->expires_at.has_value());

  auto stale_delete = envelope(t0 + 4s);
  stale_delete.mutable_cluster_credentials_deleted()->set_cluster_id("c-1");
  stale_delete.mutable_cluster_credentials_deleted()->set_fingerprint("aaa");
  h.apply(stale_delete);
  CHECK(h.last_rejection().starts_with("CREDENTIALS_MISMATCH: "));
  CHECK(must_read(h, "c-1", t0 + 5s).credentials.has_value());

  auto del = envelope(t0 + 6s);
  del.mutable_cluster_credentials_deleted()->set_cluster_id("c-1");
  del.mutable_cluster_credentials_deleted()->set_fingerprint("bbb");
  h.apply(del);
  c = must_read(h, "c-1", t0 + 7s);
  CHECK_FALSE(c.credentials.has_value());
  CHECK(boost::json::serialize(ff::to_json(c)).find("\"credentials\":null") != std::string::npos);
}

// ---- capabilities ----

TEST_CASE("fleet latest capabilities report replaces the previous set", "[fleet][unit]") {
  harness h;
  h.apply(registered("c-1", "web-1", t0));
  h.apply(capabilities("c-1", t0 + 1s, 8, {"nvidia-a100"}, {v1::CNF_TYPE_UPF, v1::CNF_TYPE_AMF}));
  h.apply(capabilities("c-1", t0 + 2s, 0, {}, {}, false));
  const auto c = must_read(h, "c-1", t0 + 3s);
  CHECK_FALSE(c.capabilities.has_gpu_nodes);
  CHECK(c.capabilities.gpu_count == 0);
  CHECK(c.capabilities.gpu_types.empty());
  CHECK_FALSE(c.capabilities.has_cnf_workloads);
  CHECK(c.capabilities.cnf_types.empty());
  CHECK_FALSE(c.capabilities.has_prometheus);
  CHECK(c.capabilities.reported_at == t0 + 2s);
}

TEST_CASE("fleet health check without per-check results is taken at its reported score and state", "[fleet][unit]") {
  // Another producer may report only a score and a state; with no results to recompute from, the
  // view keeps what was reported (score clamped to 0-100, state derived from the score when unset).
  struct row {
    int reported_score;
    v1::ClusterState reported_state;
    int score;
    v1::ClusterState state;
  };
  const row rows[] = {
      {80, v1::CLUSTER_STATE_DEGRADED, 80, v1::CLUSTER_STATE_DEGRADED},
      {100, v1::CLUSTER_STATE_UNSPECIFIED, 100, v1::CLUSTER_STATE_ONLINE},
      {65, v1::CLUSTER_STATE_UNSPECIFIED, 65, v1::CLUSTER_STATE_DEGRADED},
      {30, v1::CLUSTER_STATE_UNSPECIFIED, 30, v1::CLUSTER_STATE_OFFLINE},
      {150, v1::CLUSTER_STATE_ONLINE, 100, v1::CLUSTER_STATE_ONLINE},
  };
  for (const auto& r : rows) {
    harness h;
    h.apply(registered("c-1", "web-1", t0));
    auto e = checked("c-1", t0 + 10s);
    auto* hc = e.mutable_cluster_health_checked();
    hc->clear_api_server();
    hc->clear_prometheus();
    hc->clear_tempo();
    hc->clear_loki();
    hc->set_health_score(r.reported_score);
    hc->set_state(r.reported_state);
    h.apply(e);
    const auto c = must_read(h, "c-1", t0 + 11s);
    INFO("reported " << r.reported_score);
    CHECK(c.health_score == r.score);
    CHECK(c.state == r.state);
  }
}

TEST_CASE("a cluster checked, deleted and registered again in one batch ends as in one batch per event", "[fleet][view]") {
  // The view keeps records parsed across a batch and writes them once: the deleted incarnation's
  // released name claim must still reach the store, and the history must start afresh.
  const std::vector<v1::Envelope> events{
      registered("c-1", "web-1", t0),
      checked("c-1", t0 + 10s),
      checked("c-1", t0 + 20s, "oxoo"),
      deleted("c-1", t0 + 30s),
      registered("c-1", "web-1", t0 + 40s),
      checked("c-1", t0 + 50s),
      registered("c-2", "web-1", t0 + 60s),  // the name is taken again: a refused claim
  };
  harness one_batch;
  for (const auto& e : events) one_batch.add(e);
  one_batch.flush();
  harness per_event;
  for (const auto& e : events) per_event.apply(e);
  CHECK(one_batch.store().digest().sha256_hex == per_event.store().digest().sha256_hex);
  const auto c = must_read(one_batch, "c-1", t0 + 60s);
  CHECK(c.created_at == t0 + 40s);
}

TEST_CASE("fleet clusters dropped from the view's parsed records fold as if they had stayed", "[fleet][view]") {
  // The view keeps at most 10,000 clusters parsed between batches, dropping those a batch did not
  // use (registrations under new ids each add one). A dropped cluster is read from the store again.
  std::vector<v1::Envelope> events;
  for (int i = 0; i < 12'000; ++i) {
    events.push_back(registered("c-" + std::to_string(i), "n-" + std::to_string(i), t0 + std::chrono::milliseconds(i)));
    events.push_back(checked("c-0", t0 + std::chrono::milliseconds(i) + 1h));  // the hot cluster, in every batch
  }
  // Clusters registered in the first batches (dropped by then when batched): a second registration
  // is refused from the stored record, a check folds into it.
  const std::vector<v1::Envelope> last{registered("c-5", "other", t0 + 3h), checked("c-7", t0 + 3h, "oxoo"),
                                       checked("c-0", t0 + 3h + 1s, "oxoo")};
  const auto feed = [&](harness& h, std::size_t per_batch) {
    for (std::size_t i = 0; i < events.size(); ++i) {
      h.add(events[i]);
      if ((i + 1) % per_batch == 0) h.flush();
    }
    h.flush();
    for (const auto& e : last) h.add(e);
    h.flush();
  };
  harness batched;
  feed(batched, 2'000);
  harness one_batch;  // one flush for the registrations: nothing is dropped before the last batch
  feed(one_batch, events.size());
  CHECK(batched.store().digest().sha256_hex == one_batch.store().digest().sha256_hex);
  CHECK(batched.last_rejection().starts_with("CLUSTER_ALREADY_EXISTS"));
  CHECK(must_read(batched, "c-7", t0 + 3h).health_score == must_read(batched, "c-0", t0 + 3h + 1s).health_score);
}

// The fleet view's read side: list filters, summary, health, capabilities and the JSON the reader
// serves, over a small hand-built fleet whose expected values are counted by hand.
#include <chrono>

#include <boost/json.hpp>

#include "fleet_test_harness.hpp"

using namespace fleet_test;

namespace {

// The sample fleet, as of `now` = t0 + 1000s:
//   id   name        type      env          region    checks at    result         read-time state   caps
//   c-1  alpha-hub   HUB       PRODUCTION   eu-west   t0+990s      oooo -> 100    ONLINE            gpu 4 a100, UPF
//   c-2  beta-spoke  SPOKE     STAGING      us-east   t0+980s      ofnf -> 65     DEGRADED          -
//   c-3  gamma-edge  EDGE      PRODUCTION   EU-West   t0+900s      fooo -> 50     OFFLINE           gpu 2 a100+t4
//   c-4  delta-far   FAR_EDGE  LAB          eu-west   t0+100s      oooo -> 100    UNKNOWN (stale)   UPF, AMF
//   c-5  eps-never   SPOKE     DEVELOPMENT  eu-west   never        -              UNKNOWN           -
//   c-6  zeta-gone   HUB       PRODUCTION   eu-west   deleted                                       (not live)
//   c-7  alpha-hub   HUB       PRODUCTION   eu-west   refused: name owned by c-1                    (not live)
const time_point now = t0 + 1000s;

v1::Envelope with(v1::Envelope e, v1::Environment env, const std::string& region,
                  std::map<std::string, std::string> labels = {}) {
  auto* r = e.mutable_cluster_registered();
  r->set_environment(env);
  r->set_region(region);
  for (auto& [k, v] : labels) (*r->mutable_labels())[k] = v;
  return e;
}

std::vector<std::pair<v1::Envelope, int>> fleet_events() {
  std::vector<std::pair<v1::Envelope, int>> out;
  auto add = [&](v1::Envelope e, int partition) { out.emplace_back(std::move(e), partition); };
  add(with(registered("c-1", "alpha-hub", t0 + 1s, v1::CLUSTER_TYPE_HUB, uuid(1)), v1::ENVIRONMENT_PRODUCTION,
               "eu-west", {{"tier", "gold"}, {"team", "video"}}), 0);
  add(with(registered("c-2", "beta-spoke", t0 + 2s, v1::CLUSTER_TYPE_SPOKE, uuid(2)), v1::ENVIRONMENT_STAGING,
               "us-east", {{"tier", "silver"}}), 1);
  add(with(registered("c-3", "gamma-edge", t0 + 3s, v1::CLUSTER_TYPE_EDGE, uuid(3)), v1::ENVIRONMENT_PRODUCTION,
               "EU-West", {{"tier", "gold"}}), 2);
  add(with(registered("c-4", "delta-far", t0 + 4s, v1::CLUSTER_TYPE_FAR_EDGE, uuid(4)), v1::ENVIRONMENT_LAB,
               "eu-west"), 3);
  add(with(registered("c-5", "eps-never", t0 + 5s, v1::CLUSTER_TYPE_SPOKE, uuid(5)), v1::ENVIRONMENT_DEVELOPMENT,
               "eu-west"), 4);
  add(with(registered("c-6", "zeta-gone", t0 + 6s, v1::CLUSTER_TYPE_HUB, uuid(6)), v1::ENVIRONMENT_PRODUCTION,
               "eu-west"), 5);
  add(with(registered("c-7", "alpha-hub", t0 + 7s, v1::CLUSTER_TYPE_HUB, uuid(7)), v1::ENVIRONMENT_PRODUCTION,
               "eu-west", {{"tier", "gold"}}), 6);
  add(checked("c-1", t0 + 990s, "oooo"), 0);
  add(checked("c-2", t0 + 980s, "ofnf"), 1);
  add(checked("c-3", t0 + 900s, "fooo"), 2);
  add(checked("c-4", t0 + 100s, "oooo"), 3);  // FAR_EDGE: stale after 360 s
  add(checked("c-6", t0 + 990s, "oooo"), 5);
  add(checked("c-7", t0 + 990s, "ffff"), 6);  // not live: must not move any count
  add(capabilities("c-1", t0 + 20s, 4, {"nvidia-a100"}, {v1::CNF_TYPE_UPF}), 0);
  add(capabilities("c-3", t0 + 20s, 2, {"nvidia-a100", "nvidia-t4", "nvidia-t4"}, {}), 2);
  add(capabilities("c-4", t0 + 20s, 0, {}, {v1::CNF_TYPE_UPF, v1::CNF_TYPE_AMF}, false), 3);
  add(capabilities("c-7", t0 + 20s, 64, {"nvidia-h100"}, {v1::CNF_TYPE_SMF}), 6);
  add(deleted("c-6", t0 + 995s), 5);
  return out;
}

void build_fleet(harness& h) {
  for (const auto& [e, partition] : fleet_events()) h.apply(e, partition);
}

std::vector<std::string> ids(const ff::page<ff::cluster_info>& p) {
  std::vector<std::string> out;
  for (const auto& c : p.items) out.push_back(c.cluster_id);
  return out;
}

std::vector<std::string> list(const harness& h, std::vector<std::pair<std::string, std::string>> query) {
  auto filter = ff::parse_cluster_filter(query);
  REQUIRE(filter.has_value());
  return ids(ff::list_clusters(h.reader(), filter.value(), {1, 100}, now));
}

using strings = std::vector<std::string>;

}  // namespace

TEST_CASE("fleet list without filters gives live clusters ordered by name", "[fleet][unit]") {
  harness h;
  build_fleet(h);
  // alpha-hub (c-1), beta-spoke, delta-far, eps-never, gamma-edge; c-6 deleted, c-7 refused.
  CHECK(list(h, {}) == strings{"c-1", "c-2", "c-4", "c-5", "c-3"});
}

TEST_CASE("fleet list filters by name substring in any case", "[fleet][unit]") {
  harness h;
  build_fleet(h);
  CHECK(list(h, {{"name", "ALPHA"}}) == strings{"c-1"});
  CHECK(list(h, {{"name", "e"}}) == strings{"c-2", "c-4", "c-5", "c-3"});  // not alpha-hub
  CHECK(list(h, {{"name", "-e"}}) == strings{"c-3"});
}

TEST_CASE("fleet list filters by cluster type in any case", "[fleet][unit]") {
  harness h;
  build_fleet(h);
  CHECK(list(h, {{"cluster_type", "spoke"}}) == strings{"c-2", "c-5"});
  CHECK(list(h, {{"cluster_type", "Far_Edge"}}) == strings{"c-4"});
}

TEST_CASE("fleet list filters by environment", "[fleet][unit]") {
  harness h;
  build_fleet(h);
  CHECK(list(h, {{"environment", "production"}}) == strings{"c-1", "c-3"});
  CHECK(list(h, {{"environment", "LAB"}}) == strings{"c-4"});
}

TEST_CASE("fleet list filters by region ignoring case", "[fleet][unit]") {
  harness h;
  build_fleet(h);
  CHECK(list(h, {{"region", "eu-west"}}) == strings{"c-1", "c-4", "c-5", "c-3"});
  CHECK(list(h, {{"region", "US-EAST"}}) == strings{"c-2"});
}

TEST_CASE("fleet list filters by read-time state", "[fleet][unit]") {
  harness h;
  build_fleet(h);
  CHECK(list(h, {{"state", "online"}}) == strings{"c-1"});
  CHECK(list(h, {{"state", "DEGRADED"}}) == strings{"c-2"});
  CHECK(list(h, {{"state", "offline"}}) == strings{"c-3"});
  CHECK(list(h, {{"state", "unknown"}}) == strings{"c-4", "c-5"});
}

TEST_CASE("fleet list filters by has_gpu and has_cnf", "[fleet][unit]") {
  harness h;
  build_fleet(h);
  CHECK(list(h, {{"has_gpu", "true"}}) == strings{"c-1", "c-3"});
  CHECK(list(h, {{"has_gpu", "FALSE"}}) == strings{"c-2", "c-4", "c-5"});
  CHECK(list(h, {{"has_cnf", "True"}}) == strings{"c-1", "c-4"});
  CHECK(list(h, {{"has_cnf", "false"}}) == strings{"c-2", "c-5", "c-3"});
}

TEST_CASE("fleet list filters by label k=v and by label key", "[fleet][unit]") {
  harness h;
  build_fleet(h);
  CHECK(list(h, {{"label", "tier=gold"}}) == strings{"c-1", "c-3"});
  CHECK(list(h, {{"label", "tier=gold"}, {"label", "team=video"}}) == strings{"c-1"});
  CHECK(list(h, {{"label", "tier"}}) == strings{"c-1", "c-2", "c-3"});
  CHECK(list(h, {{"label", "tier=GOLD"}}).empty());  // label values are case-sensitive
}

TEST_CASE("fleet list combines filters with AND", "[fleet][unit]") {
  harness h;
  build_fleet(h);
  CHECK(list(h, {{"region", "eu-west"}, {"has_gpu", "true"}, {"environment", "production"}}) == strings{"c-1", "c-3"});
  CHECK(list(h, {{"region", "eu-west"}, {"state", "unknown"}, {"cluster_type", "spoke"}}) == strings{"c-5"});
}

TEST_CASE("fleet filter parsing refuses bad values with INVALID_ARGUMENT", "[fleet][unit]") {
  for (const auto& [k, v] : std::vector<std::pair<std::string, std::string>>{
           {"cluster_type", "mainframe"}, {"environment", "prod"}, {"state", "up"}, {"has_gpu", "yes"},
           {"has_cnf", "1"}, {"label", "=x"}, {"cluster_type", "unspecified"}}) {
    const auto f = ff::parse_cluster_filter({{k, v}});
    INFO(k << "=" << v);
    REQUIRE_FALSE(f.has_value());
    CHECK(f.err().code == fe::errc::invalid_argument);
    CHECK(f.err().message.starts_with("INVALID_ARGUMENT: "));
  }
  CHECK(ff::parse_cluster_filter({{"page", "2"}, {"cluster_type", ""}}).has_value());
}

TEST_CASE("fleet list pages with a stable order and a total", "[fleet][unit]") {
  harness h;
  build_fleet(h);
  const auto p1 = ff::list_clusters(h.reader(), {}, {1, 2}, now);
  const auto p3 = ff::list_clusters(h.reader(), {}, {3, 2}, now);
  CHECK(ids(p1) == strings{"c-1", "c-2"});
  CHECK(ids(p3) == strings{"c-3"});
  CHECK(p1.total == 5);
  CHECK(p1.total_pages == 3);
  CHECK(ff::list_clusters(h.reader(), {}, {9, 2}, now).items.empty());
  CHECK(ff::list_clusters(h.reader(), {}, {1, 500}, now).page_size == 100);
}

TEST_CASE("fleet summary counts live clusters by read-time state type and environment", "[fleet][unit]") {
  harness h;
  build_fleet(h);
  const auto s = ff::read_summary(h.reader(), now);
  CHECK(s.total_clusters == 5);
  CHECK(s.by_state == std::map<v1::ClusterState, std::int64_t>{{v1::CLUSTER_STATE_UNKNOWN, 2},
                                                              {v1::CLUSTER_STATE_ONLINE, 1},
                                                              {v1::CLUSTER_STATE_DEGRADED, 1},
                                                              {v1::CLUSTER_STATE_OFFLINE, 1}});
  CHECK(s.by_type == std::map<v1::ClusterType, std::int64_t>{{v1::CLUSTER_TYPE_HUB, 1},
                                                             {v1::CLUSTER_TYPE_SPOKE, 2},
                                                             {v1::CLUSTER_TYPE_EDGE, 1},
                                                             {v1::CLUSTER_TYPE_FAR_EDGE, 1}});
  CHECK(s.by_environment == std::map<v1::Environment, std::int64_t>{{v1::ENVIRONMENT_PRODUCTION, 2},
                                                                     {v1::ENVIRONMENT_STAGING, 1},
                                                                     {v1::ENVIRONMENT_DEVELOPMENT, 1},
                                                                     {v1::ENVIRONMENT_LAB, 1}});
  CHECK(s.total_gpu_count == 6);    // 4 + 2
  CHECK(s.clusters_with_cnf == 2);  // c-1, c-4
}

TEST_CASE("fleet avg_health_score averages the latest score of live checked clusters incl. stale ones", "[fleet][unit]") {
  harness h;
  build_fleet(h);
  // c-1 100, c-2 65, c-3 50, c-4 100 (stale, still counted); c-5 never checked; c-6, c-7 not live.
  // (100 + 65 + 50 + 100) / 4 = 78.75
  CHECK(ff::read_summary(h.reader(), now).avg_health_score == Approx(78.75));
}

TEST_CASE("fleet avg_health_score is null when no live cluster was checked", "[fleet][unit]") {
  harness h;
  h.apply(registered("c-1", "alpha", t0));
  const auto s = ff::read_summary(h.reader(), t0 + 1s);
  CHECK_FALSE(s.avg_health_score.has_value());
  CHECK(boost::json::serialize(ff::to_json(s)).find("\"avg_health_score\":null") != std::string::npos);
}

TEST_CASE("fleet health counts live clusters by read-time state", "[fleet][unit]") {
  harness h;
  build_fleet(h);
  const auto f = ff::read_health(h.reader(), now);
  CHECK(f.total == 5);
  CHECK(f.healthy == 1);
  CHECK(f.degraded == 1);
  CHECK(f.offline == 1);
  CHECK(f.unknown == 2);  // c-4 stale, c-5 never checked
  CHECK(f.stale == 1);
  // Later, everything checked has gone stale: HUB after 45 s, SPOKE 90 s, EDGE 180 s.
  const auto later = ff::read_health(h.reader(), t0 + 2000s);
  CHECK(later.unknown == 5);
  CHECK(later.stale == 4);
}

TEST_CASE("fleet capabilities aggregate live clusters with types counted once per cluster", "[fleet][unit]") {
  harness h;
  build_fleet(h);
  const auto c = ff::read_capabilities(h.reader());
  CHECK(c.total_clusters == 5);
  CHECK(c.clusters_reporting == 3);  // c-1, c-3, c-4
  CHECK(c.with_gpu == 2);
  CHECK(c.with_prometheus == 2);  // c-1, c-3
  CHECK(c.with_cnf == 2);
  CHECK(c.total_gpu_count == 6);
  CHECK(c.gpu_types == std::map<std::string, std::int64_t>{{"nvidia-a100", 2}, {"nvidia-t4", 1}});
  CHECK(c.cnf_types == std::map<v1::CnfType, std::int64_t>{{v1::CNF_TYPE_UPF, 2}, {v1::CNF_TYPE_AMF, 1}});
  const auto json = ff::to_json(c).as_object();
  CHECK(json.at("clusters_with").as_object().at("gpu").as_int64() == 2);
  CHECK(json.at("gpu_types").as_object().at("nvidia-t4").as_int64() == 1);
  CHECK(json.at("cnf_types").as_object().at("UPF").as_int64() == 2);
}

TEST_CASE("fleet summary JSON uses unprefixed enum names as keys", "[fleet][unit]") {
  harness h;
  build_fleet(h);
  const auto j = ff::to_json(ff::read_summary(h.reader(), now)).as_object();
  CHECK(j.at("total_clusters").as_int64() == 5);
  CHECK(j.at("by_state").as_object().at("ONLINE").as_int64() == 1);
  CHECK(j.at("by_type").as_object().at("FAR_EDGE").as_int64() == 1);
  CHECK(j.at("by_environment").as_object().at("DEVELOPMENT").as_int64() == 1);
  CHECK(j.at("avg_health_score").as_double() == Approx(78.75));
  const auto hj = ff::to_json(ff::read_health(h.reader(), now)).as_object();
  CHECK(hj.at("unknown").as_int64() == 2);
}

TEST_CASE("fleet cluster JSON carries the contract's fields", "[fleet][unit]") {
  harness h;
  build_fleet(h);
  const auto j = ff::to_json(ff::read_cluster(h.reader(), "c-1", now).value()).as_object();
  for (const char* field : {"cluster_id", "name", "display_name", "owner_tenant_id", "api_server_url", "cluster_type",
                            "platform", "region", "environment", "labels", "endpoints", "geo", "cluster_class",
                            "capacity", "state", "health_score", "last_checked_at", "stale", "capabilities",
                            "credentials", "created_at", "updated_at", "deleted"}) {
    INFO(field);
    CHECK(j.contains(field));
  }
  CHECK(j.at("cluster_type").as_string() == "HUB");
  CHECK(j.at("platform").as_string() == "OPENSHIFT");
  CHECK(j.at("cluster_class").as_string() == "PLATFORM_OFFICIAL");
  CHECK(j.at("state").as_string() == "ONLINE");
  CHECK(j.at("health_score").as_int64() == 100);
  CHECK(j.at("last_checked_at").as_string() == "2025-01-01T00:16:30Z");
  CHECK(j.at("created_at").as_string() == "2025-01-01T00:00:01Z");
  CHECK(j.at("stale").as_bool() == false);
  CHECK(j.at("deleted").as_bool() == false);
  CHECK(j.at("credentials").is_null());
  CHECK(j.at("labels").as_object().at("tier").as_string() == "gold");
  CHECK(j.at("capabilities").as_object().at("cnf_types").as_array().at(0).as_string() == "UPF");
}

TEST_CASE("fleet status JSON carries the newest check's results", "[fleet][unit]") {
  harness h;
  build_fleet(h);
  const auto st = ff::read_status(h.reader(), "c-2", now);
  REQUIRE(st.has_value());
  const auto j = ff::to_json(st.value()).as_object();
  CHECK(j.at("state").as_string() == "DEGRADED");
  CHECK(j.at("health_score").as_int64() == 65);
  const auto& checks = j.at("checks").as_object();
  CHECK(checks.at("prometheus").as_object().at("status").as_string() == "FAILED");
  CHECK(checks.at("tempo").as_object().at("status").as_string() == "NOT_CONFIGURED");
  CHECK(checks.at("api_server").as_object().at("latency_ms").as_double() == Approx(12.5));
  CHECK(j.at("connectivity").as_string() == "CONNECTED");
}

TEST_CASE("fleet deleted and refused clusters are not found by id or by name", "[fleet][unit]") {
  harness h;
  build_fleet(h);
  CHECK(ff::read_cluster(h.reader(), "c-6", now).err().code == fe::errc::not_found);
  CHECK(ff::read_cluster_by_name(h.reader(), "zeta-gone", now).err().code == fe::errc::not_found);
  CHECK(ff::read_cluster(h.reader(), "c-7", now).err().code == fe::errc::not_found);
  CHECK(ff::read_status(h.reader(), "c-7", now).err().code == fe::errc::not_found);
  CHECK(ff::read_history(h.reader(), "c-7", std::nullopt, {}).err().code == fe::errc::not_found);
  CHECK(ff::read_cluster_by_name(h.reader(), "ALPHA-HUB", now)->cluster_id == "c-1");
  const auto conflicts = ff::name_conflicts(h.reader());
  REQUIRE(conflicts.size() == 1);
  CHECK(conflicts[0].cluster_id == "c-7");
  CHECK(conflicts[0].owner_cluster_id == "c-1");
  CHECK(conflicts[0].reason.starts_with("CLUSTER_ALREADY_EXISTS: "));
}

TEST_CASE("fleet summary over 10000 clusters is computed in a few milliseconds", "[fleet][unit][perf]") {
  harness h;
  for (int i = 0; i < 10'000; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "cluster-%05d", i);
    const auto type = static_cast<v1::ClusterType>(1 + i % 4);
    h.add(registered("id-" + std::to_string(i), name, t0, type), i % 12);
    h.add(checked("id-" + std::to_string(i), t0 + 10s, i % 3 == 0 ? "ofoo" : "oooo"), i % 12);
    if (i % 5 == 0) h.add(capabilities("id-" + std::to_string(i), t0 + 5s, 2, {"nvidia-a100"}, {v1::CNF_TYPE_UPF}), i % 12);
    if (i % 1000 == 999) h.flush();
  }
  h.flush();
  (void)ff::read_summary(h.reader(), t0 + 20s);  // warm the block cache, as a serving reader would be
  const auto start = std::chrono::steady_clock::now();
  constexpr int rounds = 5;
  ff::fleet_summary s;
  for (int r = 0; r < rounds; ++r) s = ff::read_summary(h.reader(), t0 + 20s);
  const auto per_call = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start) / rounds;
  WARN("read_summary over 10000 clusters: " << per_call.count() << " ms");
  CHECK(s.total_clusters == 10'000);
  CHECK(s.by_state.at(v1::CLUSTER_STATE_DEGRADED) == 3334);  // i % 3 == 0 for i in [0, 10000)
  CHECK(s.total_gpu_count == 4000);                           // 2000 clusters x 2
  CHECK(per_call.count() < 50.0);  // generous bound for a shared 2-core machine; typical is a few ms
}

TEST_CASE("fleet state digest and summary do not depend on how partitions interleave", "[fleet][unit]") {
  const auto events = fleet_events();
  harness in_order;
  for (const auto& [e, partition] : events) in_order.apply(e, partition);
  // Same events, partitions applied one after another from the last to the first, in one batch.
  harness reversed;
  for (int p = 6; p >= 0; --p) {
    for (const auto& [e, partition] : events) {
      if (partition == p) reversed.add(e, partition);
    }
  }
  reversed.flush();
  CHECK(reversed.store().digest().sha256_hex == in_order.store().digest().sha256_hex);
  CHECK(boost::json::serialize(ff::to_json(ff::read_summary(reversed.reader(), now))) ==
        boost::json::serialize(ff::to_json(ff::read_summary(in_order.reader(), now))));
  CHECK(ff::name_conflicts(reversed.reader()).size() == 1);
}

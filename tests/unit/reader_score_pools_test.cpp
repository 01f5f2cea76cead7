// The reader's kept edge scoring pools (score_pools.hpp): a pool is reused only at the views'
// generations it was resolved at, so every answer equals one resolved from the views as they are.
#include <catch2/catch.hpp>

#include "fleetledger/reader/query_string.hpp"
#include "fleetledger/reader/score_pools.hpp"
#include "reader_test_harness.hpp"

using namespace reader_test;
using namespace std::chrono_literals;

namespace {

// A summary reported now (so no edge is stale), with `edges` edges named <cluster>-edge-<n>.
v1::Envelope fresh_summary(const std::string& cluster, std::size_t edges, std::chrono::seconds later = 0s) {
  std::vector<mt::edge_sample> samples(edges, mt::edge_sample{1'000'000'000, 1'250'000'000, 1, 1});
  return mt::edge_summary(cluster, std::chrono::system_clock::now() + later, samples);
}

// Tenant t1 whose official (home) cluster is c1, with an ACTIVE subscription to c2.
void seed_pool(views_fixture& f) {
  f.publish(mt::tenant_created("t1", false, std::nullopt, mt::t0));
  f.publish(mt::registered("c1", "op", mt::t0 + 1s));
  f.publish(mt::registered("c2", "op", mt::t0 + 1s));
  f.publish(mt::marketplace("c2", {}, mt::t0 + 2s));
  f.publish(mt::tier("t1", 1, "c1", mt::t0 + 3s));
  f.publish(mt::request("c2", "s1", "t1", mt::t0 + 4s));
  f.publish(fresh_summary("c1", 2));
  f.publish(fresh_summary("c2", 3));
}

// A different viewer position per call, so the response cache never answers.
std::string score_target(int call) {
  return "/v1/edges/score?tenant_id=t1&lat=" + std::to_string(10 + call) + "&lon=4&limit=100";
}

std::vector<std::string> ranked_nodes(const boost::json::value& v) {
  std::vector<std::string> out;
  for (const auto& i : v.at("items").as_array()) out.emplace_back(i.at("node_id").as_string());
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> pool_clusters(const boost::json::value& v) {
  std::vector<std::string> out;
  for (const auto& c : v.at("clusters").as_array()) out.emplace_back(c.at("cluster_id").as_string());
  return out;
}

}  // namespace

TEST_CASE("reader edge score shows a changed snapshot at the next generation", "[reader][scoring]") {
  reader_fixture f;
  seed_pool(f);
  f.sync();
  CHECK(ranked_nodes(f.get(score_target(1)).json()) == std::vector<std::string>{"c1-edge-1", "c1-edge-2"});

  f.publish(fresh_summary("c1", 3, 1s));
  // Not caught up yet: the kept pool is still the views' state.
  CHECK(ranked_nodes(f.get(score_target(2)).json()).size() == 2);
  f.sync();
  // Caught up but not refreshed: the request resolves the pool itself.
  const auto after = f.get(score_target(3));
  CHECK(ranked_nodes(after.json()) == std::vector<std::string>{"c1-edge-1", "c1-edge-2", "c1-edge-3"});
  CHECK(after.offsets.find("fleet.edge.v1:0:3") != std::string::npos);

  f.publish(fresh_summary("c1", 4, 2s));
  f.sync();
  f.svc().refresh_score_pools();  // the catch-up thread's refresh resolves it ahead of the request
  CHECK(ranked_nodes(f.get(score_target(4)).json()).size() == 4);
  CHECK(f.get(score_target(5)).offsets.find("fleet.edge.v1:0:4") != std::string::npos);

  // Requests 2, 4 and 5 found a current pool, 1 and 3 resolved one, the refresh re-resolved one.
  const auto m = f.get("/metrics").body;
  CHECK(m.find("fleetledger_edge_score_pools_total{source=\"current\"} 3") != std::string::npos);
  CHECK(m.find("fleetledger_edge_score_pools_total{source=\"resolved\"} 2") != std::string::npos);
  CHECK(m.find("fleetledger_edge_score_pools_total{source=\"refreshed\"} 1") != std::string::npos);
  CHECK(m.find("fleetledger_edge_score_pools_total{source=\"previous\"} 0") != std::string::npos);
}

TEST_CASE("reader edge score drops the edges of a cluster that leaves the pool", "[reader][scoring]") {
  reader_fixture f;
  seed_pool(f);
  f.publish(mt::peering("c2", "t1", "live", true, mt::t0 + 5s));
  f.sync();
  const auto with_c2 = f.get(score_target(1)).json();
  CHECK(pool_clusters(with_c2) == std::vector<std::string>{"c1", "c2"});
  CHECK(ranked_nodes(with_c2).size() == 5);

  f.publish(mt::peering("c2", "t1", "live", false, mt::t0 + 6s));
  f.sync();
  f.svc().refresh_score_pools();
  const auto without = f.get(score_target(2)).json();
  CHECK(pool_clusters(without) == std::vector<std::string>{"c1"});
  CHECK(ranked_nodes(without) == std::vector<std::string>{"c1-edge-1", "c1-edge-2"});
}

TEST_CASE("reader edge score from a kept pool equals a freshly resolved one", "[reader][scoring]") {
  reader_fixture f;
  seed_pool(f);
  f.publish(mt::peering("c2", "t1", "live", true, mt::t0 + 5s));
  f.sync();
  (void)f.get(score_target(1));  // resolves and keeps the pool
  f.svc().refresh_score_pools();  // nothing to do: still current

  fr::service fresh(f.set(), std::nullopt);  // no kept pools, no snapshot cache entries
  const std::string target = score_target(2);
  const auto kept = f.get(target);
  const auto resolved = fresh.handle({"GET", target, ""});
  REQUIRE(kept.status == 200);
  REQUIRE(resolved.status == 200);
  CHECK(kept.offsets == resolved.offsets);
  auto a = kept.json();
  auto b = boost::json::parse(resolved.text());
  a.as_object().erase("evaluated_at");
  b.as_object().erase("evaluated_at");
  CHECK(boost::json::serialize(a) == boost::json::serialize(b));
}

namespace {

std::shared_ptr<const fr::resolved_pool> pool_at(std::uint64_t marketplace_generation, std::uint64_t edges_generation) {
  auto p = std::make_shared<fr::resolved_pool>();
  p->marketplace_generation = marketplace_generation;
  p->edges_generation = edges_generation;
  return p;
}

std::uint64_t generation_of(const fr::score_pool_cache::found& f) { return f.pool ? f.pool->edges_generation : 0; }

}  // namespace

TEST_CASE("score pool cache refreshes only recently used outdated tenants", "[reader][scoring]") {
  fr::score_pool_cache cache;
  const auto since = fr::score_pool_cache::clock::now() - 1s;
  cache.store("t1", pool_at(1, 1));
  cache.store("t2", pool_at(2, 2));
  CHECK(cache.begin_refresh(since, 2, 2, 10) == std::vector<std::string>{"t1"});
  CHECK(cache.find("t1").refreshing);
  CHECK_FALSE(cache.find("t2").refreshing);
  cache.store("t1", pool_at(2, 2));  // the refresh stored it
  CHECK_FALSE(cache.find("t1").refreshing);
  CHECK(generation_of(cache.find("t1")) == 2);
  CHECK(cache.begin_refresh(since, 2, 2, 10).empty());
  CHECK(cache.begin_refresh(fr::score_pool_cache::clock::now() + 1s, 3, 3, 10).empty());  // none used since

  CHECK(cache.begin_refresh(since, 3, 3, 1).size() == 1);  // at most `limit`
  cache.end_refresh();
  CHECK_FALSE(cache.find("t1").refreshing);
  CHECK_FALSE(cache.find("t2").refreshing);
}

TEST_CASE("score pool cache keeps the newer entry and evicts the least recently used", "[reader][scoring]") {
  fr::score_pool_cache cache(2);
  cache.store("t1", pool_at(2, 2));
  cache.store("t1", pool_at(1, 1));  // a slower request resolved an older state: not kept
  CHECK(generation_of(cache.find("t1")) == 2);
  cache.store("t2", pool_at(2, 2));
  (void)cache.find("t1");
  cache.store("t3", pool_at(2, 2));  // over the bound: t2, used least recently, goes
  CHECK(cache.size() == 2);
  CHECK(cache.find("t2").pool == nullptr);
  CHECK(cache.find("t1").pool != nullptr);
  CHECK(cache.find("t3").pool != nullptr);
}

TEST_CASE("a resolved pool reaches min_offsets of its two views only", "[reader][scoring]") {
  auto parse = [](std::string_view text) { return fr::parse_offsets(text).value(); };
  fr::resolved_pool p;
  p.marketplace_offsets = parse("fleet.cluster.v1:0:5,fleet.edge.v1:0:7");
  p.edges_offsets = parse("fleet.cluster.v1:0:5,fleet.edge.v1:0:6");
  CHECK(p.reaches({}));
  CHECK(p.reaches(parse("fleet.cluster.v1:0:5")));
  CHECK(p.reaches(parse("fleet.edge.v1:0:6")));
  CHECK_FALSE(p.reaches(parse("fleet.edge.v1:0:7")));  // the edges view has not applied offset 6
  CHECK_FALSE(p.reaches(parse("fleet.cluster.v1:1:1")));  // a partition neither view has applied
  CHECK(p.reaches(parse("fleet.offering.v1:0:9")) == false);  // the marketplace view reads offerings
  CHECK(p.reaches(parse("fleet.deadletter.v1:0:9")));  // no view of the two reads it
}

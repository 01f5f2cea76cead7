// Foghorn edge scoring (DESIGN.md section 4) over the edges view on a real RocksDB. Every expected
// score is computed by hand from the formula:
//   cpu = 500*(1 - cpu%/100), ram = 500*(1 - used/max), bw = min(bw, 1.25e9)*1000/1.25e9,
//   geo = 1000 - 1000*angle/pi, remote: dropped if <= 200 else -200.
#include "edges_test_harness.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <random>

#include <boost/json/serialize.hpp>

using namespace edges_test;

namespace {
// Viewer at (0, 0); an edge at (0, 90) is a quarter of a great circle away (angle pi/2).
constexpr double quarter_lon = 90.0;
}  // namespace

TEST_CASE("edges score: a local edge scored by hand", "[edges][scoring]") {
  harness h;
  h.apply(summary("home", t0, {{.node_id = "n1", .lat = 0, .lon = quarter_lon}}));
  const auto r = h.score("home", {}, 0, 0, t0 + 1s);
  REQUIRE(r.items.size() == 1);
  const auto& e = r.items[0];
  // cpu 40%      -> 500*(1 - 0.40)          = 300
  // ram 2/8 GiB  -> 500*(1 - 0.25)          = 375
  // bw 625e6 B/s -> 625e6*1000/1.25e9       = 500
  // 90 degrees   -> 1000 - 1000*(pi/2)/pi   = 500
  // total        -> 300 + 375 + 500 + 500   = 1675, local: no penalty
  CHECK(e.parts.cpu == Approx(300.0));
  CHECK(e.parts.ram == Approx(375.0));
  CHECK(e.parts.bw == Approx(500.0));
  CHECK(e.parts.geo == Approx(500.0));
  CHECK(e.parts.penalty == 0.0);
  CHECK(e.score == Approx(1675.0));
  CHECK(e.where == fx::locality::local);
  CHECK(e.cluster_id == "home");
  CHECK(e.base_url == "https://n1.edge.example");
}

TEST_CASE("edges score: a remote edge scored by hand carries the cross-cluster penalty", "[edges][scoring]") {
  harness h;
  h.apply(summary("other", t0, {{.node_id = "r1", .lat = 0, .lon = quarter_lon}}));
  const auto r = h.score("home", {"other"}, 0, 0, t0 + 1s);
  REQUIRE(r.items.size() == 1);
  const auto& e = r.items[0];
  // Same edge as the local case: 300 + 375 + 500 + 500 = 1675 > 200, remote -> 1675 - 200 = 1475.
  CHECK(e.score == Approx(1475.0));
  CHECK(e.parts.penalty == 200.0);
  CHECK(e.parts.geo == Approx(500.0));
  CHECK(e.where == fx::locality::remote);
  CHECK(e.cluster_id == "other");
}

TEST_CASE("edges score: a second hand-computed remote edge with unequal parts", "[edges][scoring]") {
  harness h;
  // cpu 90% -> 500*0.1 = 50; ram 6/8 GiB -> 500*0.25 = 125; bw 2.5e9 capped at 1.25e9 -> 1000;
  // viewer (0,0), edge (0,-45): angle pi/4 -> 1000 - 250 = 750. Sum 1925, remote -> 1725.
  h.apply(summary("other", t0,
                  {{.node_id = "r2", .lat = 0, .lon = -45, .cpu_percent = 90, .ram_used = 6 * GiB,
                    .bw_available = 2'500'000'000}}));
  const auto r = h.score("home", {"other"}, 0, 0, t0);
  REQUIRE(r.items.size() == 1);
  CHECK(r.items[0].parts.cpu == Approx(50.0));
  CHECK(r.items[0].parts.ram == Approx(125.0));
  CHECK(r.items[0].parts.bw == Approx(1000.0));
  CHECK(r.items[0].parts.geo == Approx(750.0));
  CHECK(r.items[0].score == Approx(1725.0));
}

TEST_CASE("edges score: geo is 1000 for identical points and 0 for antipodes", "[edges][scoring]") {
  harness h;
  h.apply(summary("home", t0,
                  {{.node_id = "same", .lat = 52.37, .lon = 4.89},
                   {.node_id = "anti", .lat = -52.37, .lon = 4.89 - 180.0},
                   {.node_id = "pole", .lat = -90, .lon = 0}}));
  SECTION("identical points") {
    const auto r = h.score("home", {}, 52.37, 4.89, t0);
    REQUIRE(ranked(r, "same") != nullptr);
    CHECK(ranked(r, "same")->parts.geo == 1000.0);  // angle exactly 0
    REQUIRE(ranked(r, "anti") != nullptr);
    CHECK(ranked(r, "anti")->parts.geo == Approx(0.0).margin(1e-9));
    // anti: 300 + 375 + 500 + 0 = 1175
    CHECK(ranked(r, "anti")->score == Approx(1175.0));
  }
  SECTION("pole to pole") {
    const auto r = h.score("home", {}, 90, 0, t0);
    REQUIRE(ranked(r, "pole") != nullptr);
    CHECK(ranked(r, "pole")->parts.geo == Approx(0.0).margin(1e-9));
    CHECK(std::isfinite(ranked(r, "pole")->score));
  }
}

TEST_CASE("edges score: a remote edge at or below 200 is dropped by the penalty", "[edges][scoring]") {
  harness h;
  // Viewer at the north pole, edges at the south pole: geo = 0 (antipodes). cpu 100% -> 0, ram full -> 0.
  //   low:   bw 1.25e8     -> 100   total 100   <= 200 -> PENALTY_DROPPED
  //   edge:  bw 2.5e8      -> 200   total 200   <= 200 -> PENALTY_DROPPED (boundary is inclusive)
  //   above: bw 2.50625e8  -> 200.5 total 200.5 >  200 -> kept with 0.5
  const edge_spec base{.node_id = "", .lat = -90, .lon = 0, .cpu_percent = 100, .ram_used = 8 * GiB};
  auto low = base, at_200 = base, above = base;
  low.node_id = "low";
  low.bw_available = 125'000'000;
  at_200.node_id = "edge";
  at_200.bw_available = 250'000'000;
  above.node_id = "above";
  above.bw_available = 250'625'000;
  h.apply(summary("other", t0, {low, at_200, above}));

  const auto remote = h.score("home", {"other"}, 90, 0, t0);
  CHECK(reason_of(remote, "low") == "PENALTY_DROPPED");
  CHECK(reason_of(remote, "edge") == "PENALTY_DROPPED");
  REQUIRE(ranked(remote, "above") != nullptr);
  CHECK(ranked(remote, "above")->score == Approx(0.5).margin(1e-9));
  CHECK(remote.rejected_by_reason[static_cast<std::size_t>(fx::edge_rejection::penalty_dropped)] == 2);

  // The same edges as local ones are not penalised: 100, 200, 200.5.
  const auto local = h.score("other", {}, 90, 0, t0);
  REQUIRE(local.items.size() == 3);
  CHECK(ranked(local, "low")->score == Approx(100.0).margin(1e-9));
}

TEST_CASE("edges score: each rejection reason", "[edges][scoring]") {
  harness h;
  h.apply(summary("home", t0,
                  {{.node_id = "ok"},
                   {.node_id = "no-ram", .ram_used = 0, .ram_max = 0},
                   {.node_id = "no-bw", .bw_available = 0},
                   {.node_id = "drain-flag", .draining = true},
                   {.node_id = "drain-event"},
                   {.node_id = ""}}));
  h.apply(drain("home", "drain-event", true, t0));
  h.apply(enrolled("home", "enrolled-only", t0));
  const auto r = h.score("home", {}, 0, 0, t0 + 1s);
  REQUIRE(r.items.size() == 1);
  CHECK(r.items[0].node_id == "ok");
  CHECK(reason_of(r, "no-ram") == "NO_RAM_INFO");
  CHECK(reason_of(r, "no-bw") == "NO_BANDWIDTH");
  CHECK(reason_of(r, "drain-flag") == "DRAINING");
  CHECK(reason_of(r, "drain-event") == "DRAINING");
  CHECK(reason_of(r, "enrolled-only") == "NOT_REPORTED");
  CHECK(reason_of(r, "") == "MISSING_NODE_ID");
  CHECK(r.rejected_total == 6);
  CHECK(r.total == 1);
}

TEST_CASE("edges score: a stale summary rejects its edges as STALE", "[edges][scoring]") {
  harness h;
  h.apply(summary("home", t0, {{.node_id = "n1"}}));              // default interval 15 s -> 45 s
  h.apply(summary("other", t0, {{.node_id = "r1"}}, 10s));        // interval 10 s -> 30 s
  SECTION("fresh one second before three intervals") {
    const auto r = h.score("home", {"other"}, 0, 0, t0 + 44s);
    CHECK(ranked(r, "n1") != nullptr);
    const auto r2 = h.score("home", {"other"}, 0, 0, t0 + 29s);
    CHECK(ranked(r2, "r1") != nullptr);
  }
  SECTION("still fresh at exactly three intervals") {
    const auto r = h.score("home", {"other"}, 0, 0, t0 + 45s);
    CHECK(ranked(r, "n1") != nullptr);
  }
  SECTION("stale one second after three intervals") {
    const auto r = h.score("home", {"other"}, 0, 0, t0 + 46s);
    CHECK(reason_of(r, "n1") == "STALE");
    CHECK(reason_of(r, "r1") == "STALE");
    const auto r2 = h.score("home", {"other"}, 0, 0, t0 + 31s);
    CHECK(ranked(r2, "n1") != nullptr);
    CHECK(reason_of(r2, "r1") == "STALE");
    REQUIRE(r2.clusters.size() == 2);
    CHECK_FALSE(r2.clusters[0].stale);
    CHECK(r2.clusters[1].stale);
  }
  SECTION("a newer summary makes it fresh again") {
    h.apply(summary("home", t0 + 60s, {{.node_id = "n1"}}));
    const auto r = h.score("home", {}, 0, 0, t0 + 61s);
    CHECK(ranked(r, "n1") != nullptr);
  }
}

TEST_CASE("edges score: sorted by score descending with ties by node id", "[edges][scoring]") {
  harness h;
  // All at the viewer (geo 1000 exactly), ram 2/8 -> 375. Local cpu parts: c 10% -> 450,
  // a/b 50% -> 250 (tie), d 70% -> 150; bw 625e6 -> 500.
  //   c  = 450 + 375 + 500 + 1000 = 2325
  //   a  = b = 250 + 375 + 500 + 1000 = 2125
  //   d  = 150 + 375 + 500 + 1000 = 2025
  // Remote a0 in another cluster: cpu 50% -> 250, bw 875e6 -> 700: 250 + 375 + 700 + 1000 = 2325 - 200
  //   = 2125, tied with a and b across clusters: node id decides (a0 < a? no: "a" < "a0" < "b").
  h.apply(summary("home", t0,
                  {{.node_id = "d", .cpu_percent = 70},
                   {.node_id = "b", .cpu_percent = 50},
                   {.node_id = "c", .cpu_percent = 10},
                   {.node_id = "a", .cpu_percent = 50}}));
  h.apply(summary("other", t0, {{.node_id = "a0", .cpu_percent = 50, .bw_available = 875'000'000}}));
  const auto r = h.score("home", {"other"}, 0, 0, t0);
  REQUIRE(r.items.size() == 5);
  CHECK(r.items[0].node_id == "c");
  CHECK(r.items[0].score == Approx(2325.0));
  CHECK(r.items[1].node_id == "a");
  CHECK(r.items[2].node_id == "a0");
  CHECK(r.items[3].node_id == "b");
  CHECK(r.items[1].score == 2125.0);
  CHECK(r.items[2].score == 2125.0);
  CHECK(r.items[3].score == 2125.0);
  CHECK(r.items[2].where == fx::locality::remote);
  CHECK(r.items[4].node_id == "d");
  CHECK(r.items[4].score == Approx(2025.0));
}

TEST_CASE("edges score: limit caps the items and total counts them all", "[edges][scoring]") {
  harness h;
  std::vector<edge_spec> specs;
  for (int i = 0; i < 150; ++i) specs.push_back({.node_id = "n" + std::to_string(1000 + i), .cpu_percent = double(i % 100)});
  h.apply(summary("home", t0, specs));
  CHECK(h.score("home", {}, 0, 0, t0, 3).items.size() == 3);
  CHECK(h.score("home", {}, 0, 0, t0, 3).total == 150);
  CHECK(h.score("home", {}, 0, 0, t0, 0).items.size() == 10);     // 0 -> default 10
  CHECK(h.score("home", {}, 0, 0, t0, 1000).items.size() == 100);  // clamped to 100
  CHECK(h.score("home", {}, 0, 0, t0, 1000).limit == 100);
  // The best three: cpu 0% (n1000, n1100), then cpu 1% (n1001, n1101) -> n1000, n1100, n1001.
  const auto top = h.score("home", {}, 0, 0, t0, 3);
  CHECK(top.items[0].node_id == "n1000");
  CHECK(top.items[1].node_id == "n1100");
  CHECK(top.items[2].node_id == "n1001");
}

TEST_CASE("edges score: cpu and ram outside their range are clamped", "[edges][scoring]") {
  harness h;
  h.apply(summary("home", t0,
                  {{.node_id = "hot", .cpu_percent = 150, .ram_used = 16 * GiB},
                   {.node_id = "cold", .cpu_percent = -20}}));
  const auto r = h.score("home", {}, 0, 0, t0);
  REQUIRE(ranked(r, "hot") != nullptr);
  CHECK(ranked(r, "hot")->parts.cpu == 0.0);  // 150% -> 100% -> 0
  CHECK(ranked(r, "hot")->parts.ram == 0.0);  // 16 of 8 GiB -> 8 of 8 -> 0
  CHECK(ranked(r, "cold")->parts.cpu == 500.0);  // -20% -> 0% -> 500
}

TEST_CASE("edges score: drain and undrain through EdgeDrainChanged", "[edges][scoring]") {
  harness h;
  h.apply(summary("home", t0, {{.node_id = "n1"}}));
  h.apply(drain("home", "n1", true, t0 + 1s));
  CHECK(reason_of(h.score("home", {}, 0, 0, t0 + 2s), "n1") == "DRAINING");
  // A newer summary does not lift an operator's drain.
  h.apply(summary("home", t0 + 15s, {{.node_id = "n1"}}));
  CHECK(reason_of(h.score("home", {}, 0, 0, t0 + 16s), "n1") == "DRAINING");
  h.apply(drain("home", "n1", false, t0 + 20s));
  CHECK(ranked(h.score("home", {}, 0, 0, t0 + 21s), "n1") != nullptr);
}

TEST_CASE("edges score: a deleted cluster contributes no edges", "[edges][scoring]") {
  harness h;
  h.apply(summary("gone", t0, {{.node_id = "g1"}}));
  h.apply(summary("home", t0, {{.node_id = "n1"}}));
  h.apply(deleted("gone", t0 + 1s));
  const auto r = h.score("home", {"gone"}, 0, 0, t0 + 2s);
  REQUIRE(r.items.size() == 1);
  CHECK(r.items[0].node_id == "n1");
  CHECK(r.rejected_total == 0);
  REQUIRE(r.clusters.size() == 2);
  CHECK_FALSE(r.clusters[1].known);
}

TEST_CASE("edges score: the pool counts the home cluster and duplicates once", "[edges][scoring]") {
  harness h;
  h.apply(summary("home", t0, {{.node_id = "n1"}}));
  h.apply(summary("other", t0, {{.node_id = "r1"}}));
  const auto r = h.score("home", {"other", "home", "other"}, 0, 0, t0);
  REQUIRE(r.items.size() == 2);
  CHECK(ranked(r, "n1")->where == fx::locality::local);
  CHECK(ranked(r, "r1")->where == fx::locality::remote);
  CHECK(r.clusters.size() == 2);
}

TEST_CASE("edges score: an invalid viewer position is refused", "[edges][scoring]") {
  harness h;
  fx::score_request req;
  req.lat = 91;
  CHECK_FALSE(fx::score_edges(h.reader(), {"home", {}}, req).has_value());
  req.lat = 0;
  req.lon = std::numeric_limits<double>::quiet_NaN();
  const auto bad = fx::score_edges(h.reader(), {"home", {}}, req);
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.err().code == fe::errc::invalid_argument);
}

TEST_CASE("edges score: the snapshot cache reuses parsed snapshots until the value changes", "[edges][scoring]") {
  harness h;
  fx::snapshot_cache cache;
  h.apply(summary("home", t0, {{.node_id = "n1"}}));
  fx::score_request req;
  req.now = t0;
  const fx::scoring_pool pool{"home", {}};
  REQUIRE(fx::score_edges(h.reader(), pool, req, &cache)->items.size() == 1);
  REQUIRE(fx::score_edges(h.reader(), pool, req, &cache)->items.size() == 1);
  CHECK(cache.misses() == 1);
  CHECK(cache.hits() == 1);

  h.apply(summary("home", t0 + 15s, {{.node_id = "n1"}, {.node_id = "n2"}}));
  req.now = t0 + 15s;
  CHECK(fx::score_edges(h.reader(), pool, req, &cache)->items.size() == 2);
  CHECK(cache.misses() == 2);
  h.apply(drain("home", "n2", true, t0 + 16s));  // a cluster-topic change invalidates too
  CHECK(fx::score_edges(h.reader(), pool, req, &cache)->items.size() == 1);
  CHECK(cache.misses() == 3);
  h.apply(deleted("home", t0 + 17s));
  CHECK(fx::score_edges(h.reader(), pool, req, &cache)->items.empty());
  CHECK(cache.size() == 0);
}

TEST_CASE("edges score: JSON names the parts locality and reasons", "[edges][scoring]") {
  harness h;
  h.apply(summary("home", t0, {{.node_id = "n1", .lon = quarter_lon}, {.node_id = "x", .bw_available = 0}}));
  const auto j = fx::to_json(h.score("home", {}, 0, 0, t0)).as_object();
  const auto& item = j.at("items").as_array().at(0).as_object();
  CHECK(item.at("node_id").as_string() == "n1");
  CHECK(item.at("locality").as_string() == "local");
  CHECK(item.at("score").as_double() == Approx(1675.0));
  CHECK(item.at("parts").as_object().at("cpu").as_double() == Approx(300.0));
  CHECK(item.at("parts").as_object().at("penalty").as_double() == 0.0);
  CHECK(j.at("rejected").as_array().at(0).as_object().at("reason").as_string() == "NO_BANDWIDTH");
  CHECK(j.at("rejected_by_reason").as_object().at("NO_BANDWIDTH").as_uint64() == 1);
  CHECK(j.at("total").as_uint64() == 1);
  CHECK(j.at("evaluated_at").as_string() == "2025-01-01T00:00:00Z");
  CHECK(j.at("clusters").as_array().at(0).as_object().at("reported_at").as_string() == "2025-01-01T00:00:00Z");
}

TEST_CASE("edges score: a cache generation skips reads until the caller raises it", "[edges][scoring]") {
  harness h;
  fx::snapshot_cache cache;
  h.apply(summary("home", t0, {{.node_id = "n1"}}));
  fx::score_request req;
  req.now = t0 + 15s;
  req.cache_generation = 1;
  const fx::scoring_pool pool{"home", {}};
  REQUIRE(fx::score_edges(h.reader(), pool, req, &cache)->items.size() == 1);
  // The store changes but the caller has not caught up yet (same generation): the cached view.
  h.apply(summary("home", t0 + 15s, {{.node_id = "n1"}, {.node_id = "n2"}}));
  CHECK(fx::score_edges(h.reader(), pool, req, &cache)->items.size() == 1);
  req.cache_generation = 2;
  CHECK(fx::score_edges(h.reader(), pool, req, &cache)->items.size() == 2);
  CHECK(cache.misses() == 2);
}

TEST_CASE("edges score: the ranking equals a brute-force haversine reference", "[edges][scoring]") {
  // Random pools, scored here independently (haversine, every edge, full sort) and by the library
  // (unit vectors, bound pruning, top-k heap): same items in the same order, same totals.
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> lat(-90, 90), lon(-180, 180), cpu(-5, 105);
  std::uniform_int_distribution<int> pct(0, 99);
  harness h;
  std::vector<std::string> remotes;
  struct ref {
    double score;
    std::string node;
    std::string cluster;
  };
  const double vlat = 40.0, vlon = -3.7;
  auto haversine_geo = [&](double elat, double elon) {
    constexpr double rad = std::numbers::pi / 180.0;
    const double dlat = (elat - vlat) * rad, dlon = (elon - vlon) * rad;
    const double a = std::sin(dlat / 2) * std::sin(dlat / 2) +
                     std::cos(vlat * rad) * std::cos(elat * rad) * std::sin(dlon / 2) * std::sin(dlon / 2);
    const double angle = 2 * std::atan2(std::sqrt(a), std::sqrt(1 - a));
    return 1000.0 - 1000.0 * angle / std::numbers::pi;
  };
  std::vector<ref> expected;
  std::size_t dropped = 0;
  for (int c = 0; c < 20; ++c) {
    const std::string cluster = "c" + std::to_string(c);
    if (c > 0) remotes.push_back(cluster);
    std::vector<edge_spec> specs;
    for (int i = 0; i < 30; ++i) {
      edge_spec s{.node_id = "e" + std::to_string(pct(rng) % 40), .lat = lat(rng), .lon = lon(rng),
                  .cpu_percent = cpu(rng), .ram_used = static_cast<std::uint64_t>(pct(rng)) * GiB / 10,
                  .ram_max = 10 * GiB, .bw_available = static_cast<std::uint64_t>(pct(rng)) * 20'000'000 + 1};
      specs.push_back(s);
      const double cpu_part = 500.0 * (1.0 - std::clamp(s.cpu_percent, 0.0, 100.0) / 100.0);
      const double ram_part = 500.0 * (1.0 - double(std::min(s.ram_used, s.ram_max)) / double(s.ram_max));
      const double bw_part = std::min(double(s.bw_available), 1.25e9) * 1000.0 / 1.25e9;
      double score = cpu_part + ram_part + bw_part + haversine_geo(s.lat, s.lon);
      if (c > 0) {
        if (score <= 200.0) {
          ++dropped;
          continue;
        }
        score -= 200.0;
      }
      expected.push_back({score, s.node_id, cluster});
    }
    h.apply(summary(cluster, t0, specs));
  }
  std::sort(expected.begin(), expected.end(), [](const ref& a, const ref& b) {
    if (a.score != b.score) return a.score > b.score;
    if (a.node != b.node) return a.node < b.node;
    return a.cluster < b.cluster;
  });
  for (std::size_t limit : {1, 7, 15, 100}) {
    const auto r = h.score("c0", remotes, vlat, vlon, t0, limit);
    CHECK(r.total == expected.size());
    CHECK(r.rejected_total == dropped);
    REQUIRE(r.items.size() == std::min(limit, expected.size()));
    for (std::size_t i = 0; i < r.items.size(); ++i) {
      INFO("limit " << limit << " rank " << i);
      CHECK(r.items[i].score == Approx(expected[i].score).margin(1e-6));
      // Scores within rounding of each other may legitimately swap; only compare clear ranks.
      const bool clear = (i == 0 || expected[i - 1].score - expected[i].score > 1e-6) &&
                         (i + 1 == expected.size() || expected[i].score - expected[i + 1].score > 1e-6);
      if (clear) {
        CHECK(r.items[i].node_id == expected[i].node);
        CHECK(r.items[i].cluster_id == expected[i].cluster);
      }
    }
  }
}

TEST_CASE("edges score: serialize writes the same bytes as the JSON tree", "[edges][scoring]") {
  harness h;
  const std::string odd_id = "r\"1\\\n\x01\xc3\xa9";  // quote, backslash, control bytes, UTF-8
  h.apply(summary("home", t0 + 1500ms, {{.node_id = "n1", .lon = quarter_lon}, {.node_id = "x", .bw_available = 0}}));
  h.apply(summary(odd_id, t0 - 1h, {{.node_id = "s1"}}));  // stale
  h.apply(summary("far", t0, {{.node_id = "p1", .lat = -90, .cpu_percent = 100, .ram_used = 8 * GiB,
                               .bw_available = 125'000'000},
                              {.node_id = "p2", .lat = 10, .lon = 20}}));
  h.apply(enrolled("enrolled-only", "e1", t0));  // known, no summary
  const std::vector<std::string> remotes{odd_id, "far", "enrolled-only", "never-reported"};
  for (const std::size_t limit : {std::size_t{0}, std::size_t{1}, std::size_t{100}}) {
    for (const double lat : {90.0, 0.0, -33.25}) {
      const auto r = h.score("home", remotes, lat, 12.5, t0 + 2s, limit);
      INFO("limit " << limit << " lat " << lat);
      CHECK(fx::serialize(r) == boost::json::serialize(fx::to_json(r)));
    }
  }
  // Without snapshots to take texts from (a ranking built by hand) the entries are the same too.
  auto r = h.score("home", remotes, 0, 0, t0);
  for (auto& c : r.clusters) c.snapshot.reset();
  CHECK(fx::serialize(r) == boost::json::serialize(fx::to_json(r)));
}

TEST_CASE("edges score: pruning never changes the top k", "[edges][scoring]") {
  // At most 100 rankable edges, so limit 100 scores every edge exactly (the heap never fills) and is
  // the reference for the smaller limits, which prune. Edges crowd around the viewer, some share a
  // position and metrics (equal scores: node id decides), so many sit close to the heap's front.
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> near(-2.0, 2.0), far_lat(-90, 90), far_lon(-180, 180);
  std::uniform_int_distribution<int> pct(0, 99);
  harness h;
  const double vlat = 48.85, vlon = 2.35;
  std::vector<std::string> remotes;
  for (int c = 0; c < 4; ++c) {
    const std::string cluster = "c" + std::to_string(c);
    if (c > 0) remotes.push_back(cluster);
    std::vector<edge_spec> specs;
    for (int i = 0; i < 24; ++i) {
      const bool close = i % 3 != 0;
      edge_spec s{.node_id = "e" + std::to_string(c) + "-" + std::to_string(i),
                  .lat = close ? vlat + near(rng) : far_lat(rng), .lon = close ? vlon + near(rng) : far_lon(rng),
                  .cpu_percent = double(pct(rng) % 5) * 10, .ram_used = 2 * GiB, .ram_max = 8 * GiB,
                  .bw_available = 625'000'000};
      if (i % 8 == 7 && !specs.empty()) {  // a twin of the previous edge: the same score
        const auto id = s.node_id;
        s = specs.back();
        s.node_id = id;
      }
      specs.push_back(s);
    }
    if (c == 1) specs.push_back({.node_id = "at-viewer", .lat = vlat, .lon = vlon});
    h.apply(summary(cluster, t0, specs));
  }
  for (const auto& [lat, lon] : std::vector<std::pair<double, double>>{{vlat, vlon}, {49.5, 1.0}, {-48.85, -177.65}}) {
    const auto all = h.score("c0", remotes, lat, lon, t0, 100);
    REQUIRE(all.total < 100);
    for (const std::size_t limit : {1, 2, 5, 10, 33}) {
      INFO("viewer " << lat << "," << lon << " limit " << limit);
      const auto r = h.score("c0", remotes, lat, lon, t0, limit);
      CHECK(r.total == all.total);
      CHECK(r.rejected_total == all.rejected_total);
      REQUIRE(r.items.size() == std::min(limit, all.items.size()));
      for (std::size_t i = 0; i < r.items.size(); ++i) {
        CHECK(r.items[i].node_id == all.items[i].node_id);
        CHECK(r.items[i].cluster_id == all.items[i].cluster_id);
        CHECK(r.items[i].score == all.items[i].score);  // bit for bit
      }
    }
  }
}

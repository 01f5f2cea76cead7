// The edge reporter's JSON source validation and its seeded simulation (producers/edge_reporter).
#include <catch2/catch.hpp>

#include <set>

#include "fleetledger/producers/edge_reporter/simulation.hpp"
#include "fleetledger/producers/edge_reporter/source.hpp"

namespace er = fleetledger::producers::edge_reporter;

namespace {

const char* valid_source = R"({"clusters":[
  {"cluster_id":"cluster-0","edges":[
    {"node_id":"n1","base_url":"https://edge-1.example.net","geo_lat":52.5,"geo_lon":13.4,
     "bw_available_bytes_per_sec":1e9,"bw_limit_bytes_per_sec":1250000000,"cpu_percent":12.5,
     "ram_used":1073741824,"ram_max":8589934592,"viewers":10,"streams":2,"roles":["edge","ingest"],
     "draining":false},
    {"node_id":"n2","base_url":"http://edge-2.example.net","geo_lat":-33.9,"geo_lon":151.2,
     "bw_available_bytes_per_sec":0,"bw_limit_bytes_per_sec":0,"cpu_percent":0,
     "ram_used":0,"ram_max":0}]},
  {"cluster_id":"cluster-1","edges":[]}]})";

std::string error_of(const std::string& json) {
  auto r = er::parse_source(json);
  REQUIRE_FALSE(r.has_value());
  return r.err().message;
}

std::string one_edge(const std::string& fields) {
  return R"({"clusters":[{"cluster_id":"c","edges":[{)" + fields + "}]}]}";
}

const std::string base_fields =
    R"("node_id":"n","base_url":"https://e","geo_lat":1,"geo_lon":2,"bw_available_bytes_per_sec":1,)"
    R"("bw_limit_bytes_per_sec":2,"cpu_percent":3,"ram_used":4,"ram_max":5)";

}  // namespace

TEST_CASE("edge source parses a valid document", "[edge_reporter]") {
  auto r = er::parse_source(valid_source);
  REQUIRE(r.has_value());
  REQUIRE(r->size() == 2);
  const auto& c0 = (*r)[0];
  CHECK(c0.cluster_id() == "cluster-0");
  REQUIRE(c0.edges_size() == 2);
  CHECK(c0.edges(0).node_id() == "n1");
  CHECK(c0.edges(0).bw_available_bytes_per_sec() == 1'000'000'000ULL);
  CHECK(c0.edges(0).ram_max() == 8589934592ULL);
  CHECK(c0.edges(0).cpu_percent() == Approx(12.5));
  CHECK(c0.edges(0).roles_size() == 2);
  CHECK(c0.edges(0).viewers() == 10);
  CHECK_FALSE(c0.edges(1).draining());
  CHECK(c0.edges(1).roles_size() == 0);
  CHECK((*r)[1].edges_size() == 0);
}

TEST_CASE("edge source errors name the field at fault", "[edge_reporter]") {
  CHECK(error_of("{").find("not valid JSON") != std::string::npos);
  CHECK(error_of("[]").find("must be an object") != std::string::npos);
  CHECK(error_of(R"({"clusters":{}})").find("clusters") != std::string::npos);
  CHECK(error_of(R"({"clusters":[{"edges":[]}]})") == "clusters[0].cluster_id: is required");
  CHECK(error_of(one_edge(R"("node_id":"n")")).find("clusters[0].edges[0].base_url: is required") == 0);
  CHECK(error_of(one_edge(base_fields + R"(,"cpu_percent":130)")).find("duplicate") == std::string::npos);
}

TEST_CASE("edge source rejects out-of-range values", "[edge_reporter]") {
  const std::string f = R"("node_id":"n","base_url":"https://e","bw_available_bytes_per_sec":1,)"
                        R"("bw_limit_bytes_per_sec":2,"ram_used":4,"ram_max":5)";
  CHECK(error_of(one_edge(f + R"(,"geo_lat":91,"geo_lon":0,"cpu_percent":1)")) ==
        "clusters[0].edges[0].geo_lat: must be between -90 and 90");
  CHECK(error_of(one_edge(f + R"(,"geo_lat":0,"geo_lon":-181,"cpu_percent":1)")) ==
        "clusters[0].edges[0].geo_lon: must be between -180 and 180");
  CHECK(error_of(one_edge(f + R"(,"geo_lat":0,"geo_lon":0,"cpu_percent":101)")) ==
        "clusters[0].edges[0].cpu_percent: must be a number between 0 and 100");
  CHECK(error_of(one_edge(f + R"(,"geo_lat":"x","geo_lon":0,"cpu_percent":1)")) ==
        "clusters[0].edges[0].geo_lat: must be a number");
}

TEST_CASE("edge source rejects negative or fractional byte counts", "[edge_reporter]") {
  const std::string f = R"("node_id":"n","base_url":"https://e","geo_lat":1,"geo_lon":2,)"
                        R"("bw_limit_bytes_per_sec":2,"cpu_percent":3,"ram_used":4,"ram_max":5)";
  CHECK(error_of(one_edge(f + R"(,"bw_available_bytes_per_sec":-1)")) ==
        "clusters[0].edges[0].bw_available_bytes_per_sec: must be a non-negative integer");
  CHECK(error_of(one_edge(f + R"(,"bw_available_bytes_per_sec":1.5)")) ==
        "clusters[0].edges[0].bw_available_bytes_per_sec: must be a non-negative integer");
}

TEST_CASE("edge source rejects unknown fields and duplicates and bad types", "[edge_reporter]") {
  CHECK(error_of(one_edge(base_fields + R"(,"cpu_pct":3)")) == "clusters[0].edges[0].cpu_pct: unknown field");
  CHECK(error_of(one_edge(base_fields + R"(,"draining":"yes")")) ==
        "clusters[0].edges[0].draining: must be true or false");
  CHECK(error_of(one_edge(base_fields + R"(,"roles":"edge")")) ==
        "clusters[0].edges[0].roles: must be an array of strings");
  CHECK(error_of(one_edge(R"("node_id":"n","base_url":"ftp://e","geo_lat":1,"geo_lon":2)")) ==
        "clusters[0].edges[0].base_url: must be an http(s) URL");
  CHECK(error_of(one_edge(base_fields + R"(,"ram_used":6)")).find("duplicate") == std::string::npos);
  const std::string dup = R"({"clusters":[{"cluster_id":"c","edges":[]},{"cluster_id":"c","edges":[]}]})";
  CHECK(error_of(dup) == "clusters[1].cluster_id: duplicate cluster 'c'");
  const std::string ram = one_edge(R"("node_id":"n","base_url":"https://e","geo_lat":1,"geo_lon":2,)"
                                   R"("bw_available_bytes_per_sec":1,"bw_limit_bytes_per_sec":2,)"
                                   R"("cpu_percent":3,"ram_used":6,"ram_max":5)");
  CHECK(error_of(ram) == "clusters[0].edges[0].ram_used: must not exceed ram_max");
}

TEST_CASE("edge simulation gives N clusters x M edges with plausible values", "[edge_reporter]") {
  er::simulation sim({.cluster_ids = er::numbered_cluster_ids("cluster-", 4), .edges_per_cluster = 5, .seed = 42});
  std::set<std::string> nodes;
  for (int round = 0; round < 50; ++round) {
    const auto summaries = sim.next_round();
    REQUIRE(summaries.size() == 4);
    CHECK(summaries[0].cluster_id() == "cluster-0");
    CHECK(summaries[3].cluster_id() == "cluster-3");
    for (const auto& s : summaries) {
      REQUIRE(s.edges_size() == 5);
      for (const auto& e : s.edges()) {
        nodes.insert(e.node_id());
        CHECK(e.geo_lat() >= -90);
        CHECK(e.geo_lat() <= 90);
        CHECK(e.geo_lon() >= -180);
        CHECK(e.geo_lon() <= 180);
        CHECK(e.cpu_percent() >= 0);
        CHECK(e.cpu_percent() <= 100);
        CHECK(e.ram_max() > 0);
        CHECK(e.ram_used() <= e.ram_max());
        CHECK(e.bw_limit_bytes_per_sec() > 0);
        CHECK(e.bw_available_bytes_per_sec() <= e.bw_limit_bytes_per_sec());
      }
    }
  }
  CHECK(nodes.size() == 20);
}

TEST_CASE("edge simulation is reproducible for a seed and drifts over rounds", "[edge_reporter]") {
  er::simulation a({.cluster_ids = {"x", "y"}, .edges_per_cluster = 3, .seed = 7});
  er::simulation b({.cluster_ids = {"x", "y"}, .edges_per_cluster = 3, .seed = 7});
  const auto a1 = a.next_round();
  const auto b1 = b.next_round();
  REQUIRE(a1.size() == b1.size());
  for (std::size_t i = 0; i < a1.size(); ++i) CHECK(a1[i].SerializeAsString() == b1[i].SerializeAsString());
  const auto a2 = a.next_round();
  CHECK(a2[0].edges(0).cpu_percent() != a1[0].edges(0).cpu_percent());
}

TEST_CASE("edge simulation drains an edge now and then", "[edge_reporter]") {
  er::simulation sim({.cluster_ids = er::numbered_cluster_ids("c-", 10), .edges_per_cluster = 10, .seed = 3});
  int draining = 0;
  for (int round = 0; round < 40; ++round) {
    for (const auto& s : sim.next_round()) {
      for (const auto& e : s.edges()) draining += e.draining() ? 1 : 0;
    }
  }
  // 4,000 edge-rounds at 0.5% drain probability: some, but far from all.
  CHECK(draining > 0);
  CHECK(draining < 1000);
}

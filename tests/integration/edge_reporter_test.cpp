// fleetledger-edge-reporter --once against the real dev broker: N summaries with M edges each.
#include <catch2/catch.hpp>

#include <fstream>
#include <map>

#include "fleetledger/events/codec.hpp"
#include "fleetledger/events/consumer.hpp"
#include "fleetledger/events/topic_catalogue.hpp"
#include "support/broker_process.hpp"
#include "support/child_process.hpp"
#include "support/temp_dir.hpp"
#include "support/topic_reader.hpp"

namespace fe = fleetledger::events;
namespace ft = fleetledger::testing;
namespace v1 = fleetledger::v1;
using namespace std::chrono_literals;

namespace {

// Every edge summary on the topic; each record's key is its cluster id.
std::vector<v1::Envelope> read_edge_topic(const std::string& brokers) {
  std::vector<v1::Envelope> out;
  for (auto& r : ft::read_topic(brokers, fe::edge_topic)) {
    CHECK(r.key == r.event.edge_summary_reported().cluster_id());
    out.push_back(std::move(r.event));
  }
  return out;
}

}  // namespace

TEST_CASE("edge reporter once publishes N simulated summaries with M edges each", "[edge_reporter][integration]") {
  ft::broker_process broker;
  auto r = ft::run(ft::bin_path("fleetledger-edge-reporter"),
                   ft::child_options{.args = {"--brokers", broker.bootstrap(), "--simulate", "--clusters", "6",
                                              "--edges", "4", "--seed", "9", "--once"}},
                   60s);
  INFO(r.stderr_text);
  REQUIRE(r.exit_code == 0);
  CHECK(r.stdout_text.find("\"published\":6") != std::string::npos);
  CHECK(r.stdout_text.find("\"failed\":0") != std::string::npos);

  const auto events = read_edge_topic(broker.bootstrap());
  REQUIRE(events.size() == 6);
  std::map<std::string, int> edges_by_cluster;
  for (const auto& e : events) {
    REQUIRE(e.has_edge_summary_reported());
    const auto& s = e.edge_summary_reported();
    edges_by_cluster[s.cluster_id()] = s.edges_size();
    CHECK(s.report_interval().seconds() == 15);
    CHECK(s.has_reported_at());
    CHECK(e.producer() == "fleetledger-edge-reporter");
  }
  CHECK(edges_by_cluster == std::map<std::string, int>{{"cluster-0", 4}, {"cluster-1", 4}, {"cluster-2", 4},
                                                        {"cluster-3", 4}, {"cluster-4", 4}, {"cluster-5", 4}});
}

TEST_CASE("edge reporter publishes a JSON source file and refuses an invalid one", "[edge_reporter][integration]") {
  ft::broker_process broker;
  ft::temp_dir dir("edge-source");
  std::ofstream(dir.file("good.json")) << R"({"clusters":[{"cluster_id":"c-a","edges":[
    {"node_id":"n1","base_url":"https://e1","geo_lat":48.1,"geo_lon":11.6,"bw_available_bytes_per_sec":500000000,
     "bw_limit_bytes_per_sec":1250000000,"cpu_percent":33,"ram_used":100,"ram_max":1000,"roles":["edge"]}]}]})";
  std::ofstream(dir.file("bad.json")) << R"({"clusters":[{"cluster_id":"c-a","edges":[{"node_id":"n1"}]}]})";

  auto good = ft::run(ft::bin_path("fleetledger-edge-reporter"),
                      ft::child_options{.args = {"--brokers", broker.bootstrap(), "--source", dir.file("good.json"),
                                                 "--interval", "30s", "--once"}},
                      60s);
  INFO(good.stderr_text);
  REQUIRE(good.exit_code == 0);
  auto bad = ft::run(ft::bin_path("fleetledger-edge-reporter"),
                     ft::child_options{.args = {"--brokers", broker.bootstrap(), "--source", dir.file("bad.json"), "--once"}},
                     60s);
  CHECK(bad.exit_code == 1);
  CHECK(bad.stderr_text.find("clusters[0].edges[0].base_url: is required") != std::string::npos);

  const auto events = read_edge_topic(broker.bootstrap());
  REQUIRE(events.size() == 1);
  const auto& s = events[0].edge_summary_reported();
  CHECK(s.cluster_id() == "c-a");
  CHECK(s.report_interval().seconds() == 30);
  REQUIRE(s.edges_size() == 1);
  CHECK(s.edges(0).bw_available_bytes_per_sec() == 500'000'000ULL);
}

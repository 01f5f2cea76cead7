// Interop with tools outside fleetledger, against the real dev broker: kcat lists the catalogue,
// kcat reads a record the library published with its fl-type header, and python3-confluent-kafka
// (Debian's /usr/bin/python3) puts a key on the same partition as the library (and as the Java
// client's murmur2 partitioner, computed independently by the script).
#include <catch2/catch.hpp>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "fleetledger/events/envelope.hpp"
#include "fleetledger/events/publisher.hpp"
#include "fleetledger/events/topic_catalogue.hpp"
#include "support/broker_process.hpp"
#include "support/child_process.hpp"

namespace fl = fleetledger;
using namespace std::chrono_literals;

namespace {

std::string tool(std::string_view name) {
  const auto path = fl::testing::find_executable(name);
  if (!path) FAIL(std::string(name) << " is not installed (Debian package: kcat)");
  return *path;
}

fl::events::publisher make_publisher(const std::string& bootstrap) {
  fl::events::publisher_config config;
  config.client.brokers = bootstrap;
  config.client.client_id = "interop-test";
  config.delivery_timeout = 20s;
  auto p = fl::events::publisher::create(config);
  if (!p) FAIL("publisher: " << p.err().message);
  return std::move(p).value();
}

fl::v1::Envelope cluster_registered(const std::string& cluster_id) {
  auto env = fl::events::make_envelope({.producer = "interop-test", .actor = "operator-1"});
  auto* e = env.mutable_cluster_registered();
  e->set_cluster_id(cluster_id);
  e->set_name("interop-" + cluster_id);
  return env;
}

}  // namespace

TEST_CASE("kcat lists the five topics of the dev broker with their partition counts", "[interop]") {
  fl::testing::broker_process broker;
  const auto r = fl::testing::run(tool("kcat"), {.args = {"-b", broker.bootstrap(), "-L", "-m", "10"}});
  INFO(r.stdout_text << r.stderr_text);
  REQUIRE(r.exit_code == 0);
  CHECK(r.stdout_text.find("broker 1 at " + broker.bootstrap()) != std::string::npos);
  for (const auto& t : fl::events::topic_catalogue()) {
    CHECK(r.stdout_text.find("topic \"" + std::string(t.name) + "\" with " +
                             std::to_string(t.default_partitions) + " partitions") != std::string::npos);
  }
}

TEST_CASE("kcat reads a record published by the library with its fl-type header", "[interop]") {
  fl::testing::broker_process broker;
  auto publisher = make_publisher(broker.bootstrap());
  const auto pos = publisher.publish(cluster_registered("c-kcat-1"));
  REQUIRE(pos);
  REQUIRE(pos->topic.value() == "fleet.cluster.v1");

  const auto r = fl::testing::run(
      tool("kcat"), {.args = {"-C", "-b", broker.bootstrap(), "-t", "fleet.cluster.v1", "-p",
                              std::to_string(pos->partition.value()), "-o", std::to_string(pos->at.value()),
                              "-c", "1", "-e", "-f", "%k %h\\n"}});
  INFO(r.stdout_text << r.stderr_text);
  REQUIRE(r.exit_code == 0);
  CHECK(r.stdout_text.rfind("c-kcat-1 ", 0) == 0);
  CHECK(r.stdout_text.find("fl-type=ClusterRegistered") != std::string::npos);
  CHECK(r.stdout_text.find("fl-schema=fleetledger.v1") != std::string::npos);
  CHECK(r.stdout_text.find("fl-event-id=") != std::string::npos);
}

TEST_CASE("python3-confluent-kafka puts a key on the same partition as the library", "[interop]") {
  fl::testing::broker_process broker;
  auto publisher = make_publisher(broker.bootstrap());

  // Several keys, so an accidental match of one key (1 in 12) cannot pass the test.
  const std::vector<std::string> keys = {
      "c-0001", "c-0002", "cluster-alpha", "cluster-beta", "3f2b8c1e-5d7a-4e69-9c0b-2a1f6e8d4b73", "x"};
  std::map<std::string, int> library_partition;
  for (const auto& k : keys) {
    const auto pos = publisher.publish(cluster_registered(k));
    REQUIRE(pos);
    library_partition[k] = pos->partition.value();
  }

  std::vector<std::string> args = {FLEETLEDGER_INTEROP_SCRIPT, broker.bootstrap(), "fleet.cluster.v1", "12"};
  args.insert(args.end(), keys.begin(), keys.end());
  // Debian's python3-confluent-kafka only imports with /usr/bin/python3, not a pyenv python3.
  const auto r =
      fl::testing::run("/usr/bin/python3", {.args = args, .unset_env = {"PYTHONPATH", "PYTHONHOME"}}, 60s);
  INFO(r.stdout_text << r.stderr_text);
  REQUIRE(r.exit_code == 0);

  std::istringstream lines(r.stdout_text);
  std::string key;
  int python_partition = -1, java_partition = -1;
  long long offset = -1;
  std::size_t seen = 0;
  while (lines >> key >> python_partition >> offset >> java_partition) {
    INFO("key " << key);
    REQUIRE(library_partition.contains(key));
    CHECK(python_partition == library_partition[key]);
    CHECK(java_partition == library_partition[key]);
    ++seen;
  }
  CHECK(seen == keys.size());
}

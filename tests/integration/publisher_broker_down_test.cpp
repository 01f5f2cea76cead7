// A publisher whose broker goes away (SIGKILL) or never was there: publishing fails with a clear
// error within the configured delivery timeout, and no call reports success for a record the broker
// did not acknowledge.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "fleetledger/events/envelope.hpp"
#include "fleetledger/events/publisher.hpp"
#include "fleetledger/events/topic_catalogue.hpp"
#include "support/broker_process.hpp"

namespace fl = fleetledger;
using namespace fl::events;
using namespace std::chrono_literals;
using fleetledger::v1::Envelope;

namespace {

constexpr auto delivery_timeout = 3s;
// Room for librdkafka's once-a-second timeout scan and a loaded machine; the bound is what a caller
// relies on, not a performance figure.
constexpr auto slack = 5s;

Envelope health_check(const std::string& cluster) {
  Envelope env = make_envelope({.producer = "broker_down_test"});
  env.mutable_cluster_health_checked()->set_cluster_id(cluster);
  return env;
}

publisher make_publisher(const std::string& bootstrap) {
  publisher_config config;
  config.client.brokers = bootstrap;
  config.delivery_timeout = delivery_timeout;
  config.close_timeout = 1s;
  auto p = publisher::create(config);
  REQUIRE(p);
  return std::move(*p);
}

// A 127.0.0.1 port nothing listens on: bound, then closed again.
int closed_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  sin.sin_port = 0;
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&sin), sizeof sin) == 0);
  socklen_t len = sizeof sin;
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&sin), &len) == 0);
  ::close(fd);
  return ntohs(sin.sin_port);
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("publish fails clearly within the delivery timeout after the broker is killed", "[kafka][integration]") {
  fl::testing::broker_process broker;
  const std::string bootstrap = broker.bootstrap();
  auto pub = make_publisher(bootstrap);
  auto ok = pub.publish(health_check("cluster-a"));
  REQUIRE(ok);
  CHECK(ok->topic.value() == cluster_topic);

  broker.kill();

  const auto t0 = std::chrono::steady_clock::now();
  auto failed = pub.publish(health_check("cluster-a"));
  const auto elapsed = std::chrono::steady_clock::now() - t0;
  std::printf("publish after SIGKILL failed after %.2f s: %s\n", std::chrono::duration<double>(elapsed).count(),
              failed ? "(succeeded?)" : failed.err().message.c_str());
  REQUIRE_FALSE(failed);
  CHECK(elapsed <= delivery_timeout + slack);
  CHECK(failed.err().code == errc::timed_out);
  CHECK(contains(failed.err().message, "publish to fleet.cluster.v1 failed"));
  CHECK(contains(failed.err().message, "Message timed out"));
  CHECK(contains(failed.err().message, bootstrap));

  // A pipelined batch: every record fails, none is reported as written.
  std::vector<Envelope> batch;
  for (int i = 0; i < 200; ++i) batch.push_back(health_check("cluster-" + std::to_string(i % 7)));
  const auto t1 = std::chrono::steady_clock::now();
  const auto results = pub.publish_all(batch);
  CHECK(std::chrono::steady_clock::now() - t1 <= delivery_timeout + slack);
  REQUIRE(results.size() == batch.size());
  std::size_t succeeded = 0;
  for (const auto& r : results) succeeded += r ? 1 : 0;
  CHECK(succeeded == 0);
  CHECK(pub.flush(100ms) == 0);  // nothing left queued: every record got its (failed) report
}

TEST_CASE("a publisher pointed at a closed port fails cleanly", "[kafka][integration]") {
  const std::string bootstrap = "127.0.0.1:" + std::to_string(closed_port());
  auto pub = make_publisher(bootstrap);
  const auto t0 = std::chrono::steady_clock::now();
  auto failed = pub.publish(health_check("cluster-b"));
  const auto elapsed = std::chrono::steady_clock::now() - t0;
  REQUIRE_FALSE(failed);
  std::printf("publish to a closed port failed after %.2f s: %s\n", std::chrono::duration<double>(elapsed).count(),
              failed.err().message.c_str());
  CHECK(elapsed <= delivery_timeout + slack);
  CHECK(contains(failed.err().message, "publish to fleet.cluster.v1 failed"));
  CHECK(contains(failed.err().message, bootstrap));
  CHECK(contains(failed.err().message, "unreachable"));

  auto raw = pub.publish_raw(deadletter_topic, std::string_view("k"), "v");
  REQUIRE_FALSE(raw);
  CHECK(contains(raw.err().message, "publish to fleet.deadletter.v1 failed"));
}

TEST_CASE("an event without a payload is refused before it reaches Kafka", "[kafka][integration]") {
  const std::string bootstrap = "127.0.0.1:" + std::to_string(closed_port());
  auto pub = make_publisher(bootstrap);
  Envelope empty = make_envelope({.producer = "broker_down_test"});
  auto r = pub.publish(empty);
  REQUIRE_FALSE(r);
  CHECK(r.err().code == errc::invalid_argument);
}

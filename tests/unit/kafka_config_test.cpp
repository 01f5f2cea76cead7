// Typed Kafka client configuration: defaults, validation and the librdkafka conf it becomes.
#include <catch2/catch.hpp>

#include <string>

#include "fleetledger/events/kafka_config.hpp"

using namespace fleetledger::events;
using namespace std::chrono_literals;

namespace {

std::string get(rd_kafka_conf_t* conf, const char* key) {
  char buf[512] = {};
  std::size_t size = sizeof buf;
  if (rd_kafka_conf_get(conf, key, buf, &size) != RD_KAFKA_CONF_OK) return "<unknown>";
  return buf;
}

publisher_config good_publisher() {
  publisher_config c;
  c.client.brokers = "127.0.0.1:9092";
  return c;
}

consumer_config good_consumer() {
  consumer_config c;
  c.client.brokers = "127.0.0.1:9092,127.0.0.1:9093";
  c.name = "fleet";
  return c;
}

bool mentions(const error& e, const std::string& what) { return e.message.find(what) != std::string::npos; }

}  // namespace

TEST_CASE("publisher conf carries the producer guarantees", "[kafka_config]") {
  auto conf = make_conf(good_publisher());
  REQUIRE(conf);
  CHECK(get(conf->get(), "enable.idempotence") == "true");
  CHECK(get(conf->get(), "acks") == "-1");  // "all"
  CHECK(get(conf->get(), "partitioner") == "murmur2_random");
  CHECK(get(conf->get(), "linger.ms") == "5");
  CHECK(get(conf->get(), "message.timeout.ms") == "30000");
  CHECK(get(conf->get(), "bootstrap.servers") == "127.0.0.1:9092");
}

TEST_CASE("consumer conf uses the fleetledger group and no automatic commits", "[kafka_config]") {
  auto conf = make_conf(good_consumer());
  REQUIRE(conf);
  CHECK(get(conf->get(), "group.id") == "fleetledger.fleet");
  CHECK(get(conf->get(), "enable.auto.commit") == "false");
  CHECK(get(conf->get(), "enable.auto.offset.store") == "false");
  CHECK(get(conf->get(), "enable.partition.eof") == "true");
  CHECK(get(conf->get(), "auto.offset.reset") == "smallest");  // librdkafka's name for earliest
  CHECK(get(conf->get(), "fetch.max.bytes") == std::to_string(64 * 1024 * 1024));
}

TEST_CASE("missing or malformed brokers are refused", "[kafka_config]") {
  auto c = good_publisher();
  c.client.brokers = "";
  auto r = validate(c);
  REQUIRE_FALSE(r);
  CHECK(r.err().code == errc::invalid_argument);
  CHECK(mentions(r.err(), "brokers"));

  for (const char* bad : {"localhost", "127.0.0.1:", ":9092", "127.0.0.1:99999", "127.0.0.1:9092,", "h:x1"}) {
    c.client.brokers = bad;
    auto rb = validate(c);
    INFO(bad);
    REQUIRE_FALSE(rb);
    CHECK(mentions(rb.err(), bad));
  }
}

TEST_CASE("out of range durations name the field and the range", "[kafka_config]") {
  auto c = good_publisher();
  c.delivery_timeout = 0ms;
  auto r = validate(c);
  REQUIRE_FALSE(r);
  CHECK(mentions(r.err(), "delivery_timeout"));
  CHECK(mentions(r.err(), "got 0 ms"));

  c = good_publisher();
  c.linger = 40s;
  c.delivery_timeout = 30s;
  r = validate(c);
  REQUIRE_FALSE(r);
  CHECK(mentions(r.err(), "linger"));

  auto cc = good_consumer();
  cc.client.socket_timeout = 1ms;
  r = validate(cc);
  REQUIRE_FALSE(r);
  CHECK(mentions(r.err(), "socket_timeout"));
}

TEST_CASE("a consumer name outside the allowed characters is refused", "[kafka_config]") {
  auto c = good_consumer();
  c.name = "my view";
  auto r = validate(c);
  REQUIRE_FALSE(r);
  CHECK(mentions(r.err(), "my view"));
  c.name = "";
  CHECK_FALSE(validate(c));
}

TEST_CASE("fetch sizes must be consistent", "[kafka_config]") {
  auto c = good_consumer();
  c.max_partition_fetch_bytes = c.fetch_max_bytes + 1;
  auto r = validate(c);
  REQUIRE_FALSE(r);
  CHECK(mentions(r.err(), "max_partition_fetch_bytes"));
}

TEST_CASE("extra properties cannot weaken the guarantees", "[kafka_config]") {
  auto c = good_publisher();
  c.client.extra = {{"acks", "1"}};
  auto r = validate(c);
  REQUIRE_FALSE(r);
  CHECK(mentions(r.err(), "acks"));

  auto cc = good_consumer();
  cc.client.extra = {{"enable.auto.commit", "true"}};
  CHECK_FALSE(validate(cc));
}

TEST_CASE("an unknown or invalid extra property names the key", "[kafka_config]") {
  auto c = good_publisher();
  c.client.extra = {{"no.such.property", "1"}};
  auto conf = make_conf(c);
  REQUIRE_FALSE(conf);
  CHECK(mentions(conf.err(), "no.such.property"));

  c.client.extra = {{"compression.codec", "zip"}};
  conf = make_conf(c);
  REQUIRE_FALSE(conf);
  CHECK(mentions(conf.err(), "compression.codec=zip"));

  c.client.extra = {{"compression.codec", "lz4"}};
  CHECK(make_conf(c));
}

TEST_CASE("set_property reports the key and librdkafka's reason", "[kafka_config]") {
  kafka_conf_ptr conf(rd_kafka_conf_new());
  auto r = set_property(*conf, "linger.ms", "soon");
  REQUIRE_FALSE(r);
  CHECK(mentions(r.err(), "linger.ms=soon"));
  CHECK(set_property(*conf, "linger.ms", "7"));
  CHECK(get(conf.get(), "linger.ms") == "7");
}

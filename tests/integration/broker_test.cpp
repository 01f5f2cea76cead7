// The real fleetledger-broker process: startup line, fixed port advertised in Metadata, loopback
// guard, clean stop, port in use, and the retention warning of the mock's 5 MiB per-partition limit.
#include <arpa/inet.h>
#include <librdkafka/rdkafka.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <csignal>
#include <map>
#include <string>
#include <thread>

#include "fleetledger/events/kafka_handles.hpp"
#include "fleetledger/events/topic_catalogue.hpp"
#include "support/broker_process.hpp"
#include "support/child_process.hpp"
#include "support/temp_dir.hpp"

namespace fl = fleetledger;
using fl::testing::bin_path;
using fl::testing::broker_options;
using fl::testing::broker_process;
using namespace std::chrono_literals;

namespace {

fl::events::kafka_handle_ptr raw_client(rd_kafka_type_t type, const std::string& bootstrap,
                                        std::map<std::string, std::string> extra = {}) {
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  extra.emplace("bootstrap.servers", bootstrap);
  extra.emplace("log_level", "3");
  for (const auto& [k, v] : extra) {
    if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      FAIL("conf " << k << ": " << err);
    }
  }
  rd_kafka_t* rk = rd_kafka_new(type, conf, err, sizeof err);
  if (rk == nullptr) {
    rd_kafka_conf_destroy(conf);
    FAIL("rd_kafka_new: " << err);
  }
  return fl::events::kafka_handle_ptr(rk);
}

int count_lines(const std::string& s) {
  int n = 0;
  for (const char c : s) n += c == '\n' ? 1 : 0;
  return n;
}

// A socket listening on 127.0.0.1:port, closed on destruction.
struct listening_socket {
  explicit listening_socket(int port) {
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_port = htons(static_cast<std::uint16_t>(port));
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&sin), sizeof sin) == 0);
    REQUIRE(::listen(fd, 1) == 0);
  }
  ~listening_socket() { ::close(fd); }
  int fd{-1};
};

}  // namespace

TEST_CASE("dev broker on port 0 prints one bootstrap line on 127.0.0.1", "[broker]") {
  broker_process broker;
  CHECK(broker.bootstrap().rfind("127.0.0.1:", 0) == 0);
  CHECK(broker.port() > 0);
  CHECK(broker.startup_line().find("\"topics\":5") != std::string::npos);
  CHECK(broker.startup_line().front() == '{');
  CHECK(broker.startup_line().back() == '}');
}

TEST_CASE("dev broker on a fixed port advertises that address and the topic catalogue", "[broker]") {
  const int port = fl::testing::free_loopback_port();
  broker_process broker({.extra_args = {"--port", std::to_string(port), "--partitions",
                                        "fleet.cluster.v1=7,fleet.deadletter.v1=2"}});
  REQUIRE(broker.bootstrap() == "127.0.0.1:" + std::to_string(port));

  auto client = raw_client(RD_KAFKA_PRODUCER, broker.bootstrap());
  const rd_kafka_metadata_t* raw = nullptr;
  REQUIRE(rd_kafka_metadata(client.get(), 1, nullptr, &raw, 10000) == RD_KAFKA_RESP_ERR_NO_ERROR);
  const fl::events::kafka_metadata_ptr md(raw);

  REQUIRE(md->broker_cnt == 1);
  CHECK(std::string(md->brokers[0].host) == "127.0.0.1");
  CHECK(md->brokers[0].port == port);

  std::map<std::string, int> partitions;
  for (int i = 0; i < md->topic_cnt; ++i) partitions[md->topics[i].topic] = md->topics[i].partition_cnt;
  std::map<std::string, int> expected;
  for (const auto& t : fl::events::topic_catalogue()) expected[std::string(t.name)] = t.default_partitions;
  expected["fleet.cluster.v1"] = 7;
  expected["fleet.deadletter.v1"] = 2;
  CHECK(partitions == expected);
}

TEST_CASE("dev broker restarted on the same port has the same bootstrap address", "[broker]") {
  const int port = fl::testing::free_loopback_port();
  std::string first;
  {
    broker_process broker({.extra_args = {"--port", std::to_string(port)}});
    first = broker.bootstrap();
    // A client connection leaves the port with connections in TIME_WAIT after the stop.
    auto client = raw_client(RD_KAFKA_PRODUCER, broker.bootstrap());
    const rd_kafka_metadata_t* raw = nullptr;
    REQUIRE(rd_kafka_metadata(client.get(), 1, nullptr, &raw, 10000) == RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_metadata_destroy(raw);
    REQUIRE(broker.stop() == 0);
  }
  broker_process again({.extra_args = {"--port", std::to_string(port)}});
  CHECK(again.bootstrap() == first);
}

TEST_CASE("dev broker refuses a non-loopback listen address unless told explicitly", "[broker]") {
  const auto r =
      fl::testing::run(bin_path("fleetledger-broker"), {.args = {"--listen", "0.0.0.0", "--port", "0"}});
  CHECK(r.exit_code == 2);
  CHECK(count_lines(r.stderr_text) == 1);
  CHECK(r.stderr_text.find("--allow-non-loopback") != std::string::npos);
  CHECK(r.stdout_text.empty());
}

TEST_CASE("dev broker stops with exit code 0 on SIGTERM", "[broker]") {
  broker_process broker;
  CHECK(broker.stop() == 0);
}

TEST_CASE("dev broker stops with exit code 0 on SIGINT", "[broker]") {
  fl::testing::child_process child(bin_path("fleetledger-broker"), {.args = {"--port", "0"}});
  REQUIRE(child.read_line(20s).has_value());
  child.send_signal(SIGINT);
  CHECK(child.wait(20s) == std::optional<int>(0));
}

TEST_CASE("dev broker exits non-zero with a reason when its port is taken", "[broker]") {
  const int port = fl::testing::free_loopback_port();
  listening_socket taken(port);
  const auto r = fl::testing::run(bin_path("fleetledger-broker"), {.args = {"--port", std::to_string(port)}});
  CHECK(r.exit_code != 0);
  CHECK(r.exit_code < 128);  // a reason, not a crash
  CHECK(r.stderr_text.find("Address already in use") != std::string::npos);
  CHECK(r.stderr_text.find(std::to_string(port)) != std::string::npos);
  CHECK(r.stdout_text.empty());
}

TEST_CASE("dev broker warns when a partition nears the mock retention limit", "[broker]") {
  fl::testing::temp_dir dir;
  const std::string log_path = dir.file("broker.log");
  broker_process broker({.extra_args = {"--retention-check-ms", "200"}, .stderr_path = log_path});

  // ~4.5 MiB into fleet.cluster.v1 partition 3: past 80% of the mock's 5 MiB, below the limit.
  auto producer = raw_client(RD_KAFKA_PRODUCER, broker.bootstrap(), {{"linger.ms", "5"}});
  const std::string value(1024, 'x');
  constexpr int records = 4600;
  for (int i = 0; i < records; ++i) {
    for (int attempt = 0;; ++attempt) {
      const auto e =
          rd_kafka_producev(producer.get(), RD_KAFKA_V_TOPIC("fleet.cluster.v1"), RD_KAFKA_V_PARTITION(3),
                            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                            RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()), RD_KAFKA_V_END);
      if (e == RD_KAFKA_RESP_ERR_NO_ERROR) break;
      REQUIRE(e == RD_KAFKA_RESP_ERR__QUEUE_FULL);
      REQUIRE(attempt < 1000);
      rd_kafka_poll(producer.get(), 10);
    }
    rd_kafka_poll(producer.get(), 0);
  }
  REQUIRE(rd_kafka_flush(producer.get(), 30000) == RD_KAFKA_RESP_ERR_NO_ERROR);

  std::string warning;
  for (int i = 0; i < 300 && warning.empty(); ++i) {  // bounded: up to ~30 s
    const std::string log = fl::testing::read_file(log_path);
    const auto at = log.find("nearly full");
    if (at != std::string::npos) {
      const auto begin = log.rfind('\n', at);
      warning = log.substr(begin == std::string::npos ? 0 : begin + 1,
                           log.find('\n', at) - (begin == std::string::npos ? 0 : begin + 1));
    } else {
      std::this_thread::sleep_for(100ms);
    }
  }
  INFO("broker log:\n" << fl::testing::read_file(log_path));
  REQUIRE_FALSE(warning.empty());
  CHECK(warning.find("\"level\":\"warn\"") != std::string::npos);
  CHECK(warning.find("\"topic\":\"fleet.cluster.v1\"") != std::string::npos);
  CHECK(warning.find("\"partition\":3") != std::string::npos);
  CHECK(warning.find("\"limit_bytes\":5242880") != std::string::npos);
  // Nothing was dropped yet, so no error.
  CHECK(fl::testing::read_file(log_path).find("dropped records") == std::string::npos);
}

TEST_CASE("dev broker logs an error once the mock has dropped records", "[broker]") {
  fl::testing::temp_dir dir;
  const std::string log_path = dir.file("broker.log");
  broker_process broker({.extra_args = {"--retention-check-ms", "200"}, .stderr_path = log_path});

  auto producer = raw_client(RD_KAFKA_PRODUCER, broker.bootstrap(), {{"linger.ms", "5"}});
  const std::string value(64 * 1024, 'y');
  constexpr int records = 100;  // 6.4 MiB > 5 MiB
  for (int i = 0; i < records; ++i) {
    for (int attempt = 0;; ++attempt) {
      const auto e =
          rd_kafka_producev(producer.get(), RD_KAFKA_V_TOPIC("fleet.tenant.v1"), RD_KAFKA_V_PARTITION(1),
                            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                            RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()), RD_KAFKA_V_END);
      if (e == RD_KAFKA_RESP_ERR_NO_ERROR) break;
      REQUIRE(e == RD_KAFKA_RESP_ERR__QUEUE_FULL);
      REQUIRE(attempt < 1000);
      rd_kafka_poll(producer.get(), 10);
    }
  }
  REQUIRE(rd_kafka_flush(producer.get(), 30000) == RD_KAFKA_RESP_ERR_NO_ERROR);

  bool found = false;
  for (int i = 0; i < 300 && !found; ++i) {  // bounded: up to ~30 s
    const std::string log = fl::testing::read_file(log_path);
    found = log.find("dropped records") != std::string::npos &&
            log.find("\"topic\":\"fleet.tenant.v1\",\"partition\":1") != std::string::npos;
    if (!found) std::this_thread::sleep_for(100ms);
  }
  INFO("broker log:\n" << fl::testing::read_file(log_path));
  CHECK(found);
}

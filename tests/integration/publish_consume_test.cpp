// Publisher and consumer against the real dev broker: 10,000 events over 50 keys come back complete,
// in per-key order, at the positions the publisher reported, with the fl-* headers.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "fleetledger/events/codec.hpp"
#include "fleetledger/events/consumer.hpp"
#include "fleetledger/events/encoded_batch.hpp"
#include "fleetledger/events/envelope.hpp"
#include "fleetledger/events/publisher.hpp"
#include "fleetledger/events/topic_catalogue.hpp"
#include "support/broker_process.hpp"

namespace fl = fleetledger;
using namespace fl::events;
using namespace std::chrono_literals;
using fleetledger::v1::Envelope;

namespace {

constexpr int cluster_count = 50;

// CPU seconds this process used so far (all threads): the machine is shared, so wall-clock rates
// alone say little about the library's own cost.
double process_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

std::string cluster_name(int i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "cluster-%02d", i);
  return buf;
}

// A health check of cluster i whose health_score carries its per-cluster sequence number.
Envelope health_check(int cluster, int sequence) {
  Envelope env = make_envelope({.producer = "publish_consume_test"});
  auto* hc = env.mutable_cluster_health_checked();
  hc->set_cluster_id(cluster_name(cluster));
  hc->set_health_score(sequence);
  return env;
}

publisher make_publisher(const std::string& bootstrap) {
  publisher_config config;
  config.client.brokers = bootstrap;
  config.delivery_timeout = 20s;
  auto p = publisher::create(config);
  REQUIRE(p);
  return std::move(*p);
}

consumer make_consumer(const std::string& bootstrap, const std::string& name) {
  consumer_config config;
  config.client.brokers = bootstrap;
  config.name = name;
  auto c = consumer::create(config);
  REQUIRE(c);
  return std::move(*c);
}

// Assigns every partition of topic from offset 0.
void assign_from_start(consumer& c, std::string_view topic) {
  const std::string_view topics[] = {topic};
  auto parts = c.list_partitions(topics, 10s);
  REQUIRE(parts);
  offset_vector start;
  for (const auto& tp : *parts) start.push_back({tp, offset(0)});
  REQUIRE(c.assign(start));
}

// Assigns every partition of topic from offset 0 and reads until caught up and `expected` records
// were seen (bounded in time and in iterations).
std::vector<consumed_record> read_all(consumer& c, std::string_view topic, std::size_t expected) {
  assign_from_start(c, topic);
  std::vector<consumed_record> all;
  poll_batch batch;
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  for (int i = 0; i < 100'000 && std::chrono::steady_clock::now() < deadline; ++i) {
    batch.clear();
    auto n = c.poll(200ms, batch, 10'000);
    REQUIRE(n);
    for (auto& r : batch.records) all.push_back(std::move(r));
    if (all.size() >= expected && c.caught_up()) break;
  }
  return all;
}

}  // namespace

TEST_CASE("10000 events come back complete in per-key order at the published positions", "[kafka][integration]") {
  fl::testing::broker_process broker;
  auto pub = make_publisher(broker.bootstrap());

  std::vector<Envelope> events;
  std::vector<int> next_sequence(cluster_count, 0);
  // 9,000 through publish_all, in three pipelined calls; keys interleaved.
  for (int i = 0; i < 9'000; ++i) {
    const int c = i % cluster_count;
    events.push_back(health_check(c, next_sequence[c]++));
  }
  std::vector<result<record_position>> positions;
  const auto t0 = std::chrono::steady_clock::now();
  for (int chunk = 0; chunk < 3; ++chunk) {
    auto r = pub.publish_all(std::span<const Envelope>(events).subspan(chunk * 3'000, 3'000));
    for (auto& p : r) positions.push_back(std::move(p));
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("publish_all: 9000 events in %.3f s = %.0f msg/s\n", seconds, 9'000 / seconds);

  // 1,000 through publish() from 4 threads; each thread owns a disjoint set of keys so per-key order
  // is defined by that thread's order.
  constexpr int threads = 4;
  std::vector<std::vector<std::size_t>> per_thread(threads);
  for (int i = 9'000; i < 10'000; ++i) {
    const int c = i % cluster_count;
    events.push_back(health_check(c, next_sequence[c]++));
    per_thread[static_cast<std::size_t>(c % threads)].push_back(static_cast<std::size_t>(i));
  }
  std::vector<std::optional<result<record_position>>> single(1'000);
  {
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
      workers.emplace_back([&, t] {
        for (const auto i : per_thread[static_cast<std::size_t>(t)]) single[i - 9'000].emplace(pub.publish(events[i]));
      });
    }
    for (auto& w : workers) w.join();
  }
  for (auto& s : single) positions.push_back(std::move(*s));
  REQUIRE(positions.size() == 10'000);

  // Every publish succeeded, positions are unique, and the same key always lands on the same partition.
  std::map<record_position, std::size_t> index_at;
  std::map<std::string, std::int32_t> partition_of_key;
  for (std::size_t i = 0; i < positions.size(); ++i) {
    INFO("event " << i);
    REQUIRE(positions[i]);
    const auto& pos = *positions[i];
    CHECK(pos.topic.value() == cluster_topic);
    CHECK(pos.at.value() >= 0);
    CHECK(index_at.emplace(pos, i).second);
    const auto& key = events[i].cluster_health_checked().cluster_id();
    const auto [it, fresh] = partition_of_key.emplace(key, pos.partition.value());
    if (!fresh) CHECK(it->second == pos.partition.value());
  }

  auto con = make_consumer(broker.bootstrap(), "publish-consume-test");
  const auto t1 = std::chrono::steady_clock::now();
  const auto records = read_all(con, cluster_topic, 10'000);
  const double read_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
  std::printf("consume: %zu records in %.3f s (incl. assignment and end detection)\n", records.size(), read_seconds);
  REQUIRE(records.size() == 10'000);
  CHECK(con.caught_up());

  std::set<std::string> seen_ids;
  std::map<std::string, int> last_sequence;
  for (const auto& rec : records) {
    INFO("record at " << rec.topic() << "/" << rec.partition().value() << "@" << rec.offset().value());
    const auto at = index_at.find(rec.position());
    REQUIRE(at != index_at.end());  // the consumer sees a record exactly where publish said it went
    const Envelope& sent = events[at->second];
    CHECK(rec.value() == encode(sent));  // same bytes at that position
    CHECK(rec.key() == sent.cluster_health_checked().cluster_id());
    CHECK(rec.header(header_type) == std::optional<std::string_view>("ClusterHealthChecked"));
    CHECK(rec.header(header_event_id) == std::optional<std::string_view>(sent.event_id()));
    CHECK(rec.header(header_schema) == std::optional<std::string_view>(schema_name));
    CHECK(rec.timestamp_ms() > 0);
    auto decoded = decode(rec.value());
    REQUIRE(decoded);
    CHECK(decoded->event_id() == sent.event_id());
    CHECK(seen_ids.insert(decoded->event_id()).second);  // no duplicates
    // Per key, sequence numbers arrive in publish order.
    const auto& key = decoded->cluster_health_checked().cluster_id();
    const int seq = decoded->cluster_health_checked().health_score();
    const auto [it, fresh] = last_sequence.emplace(key, seq);
    if (fresh) {
      CHECK(seq == 0);
    } else {
      CHECK(seq == it->second + 1);
      it->second = seq;
    }
  }
  CHECK(seen_ids.size() == 10'000);
  CHECK(last_sequence.size() == static_cast<std::size_t>(cluster_count));
  for (const auto& [key, seq] : last_sequence) CHECK(seq == 10'000 / cluster_count - 1);

  // Watermarks agree: nothing truncated, the ends add up to what was published.
  std::int64_t total = 0;
  std::map<topic_partition, watermarks> one_by_one;
  for (const auto& po : con.positions()) {
    auto wm = con.query_watermarks(po.where, 10s);
    REQUIRE(wm);
    one_by_one[po.where] = *wm;
    CHECK(wm->low.value() == 0);
    CHECK(wm->high == po.next);
    total += wm->high.value();
  }
  CHECK(total == 10'000);
  // Asked for all partitions at once, the same answers; a partition that does not exist gets an
  // error of its own and the others are still answered.
  std::vector<topic_partition> asked;
  for (const auto& po : con.positions()) asked.push_back(po.where);
  asked.insert(asked.begin() + 1, topic_partition{asked.front().topic, partition_id(999)});
  const auto batched = con.query_watermarks(asked, 3s);
  REQUIRE(batched.size() == asked.size());
  for (std::size_t i = 0; i < asked.size(); ++i) {
    INFO(asked[i].topic.value() << "/" << asked[i].partition.value());
    if (i == 1) {
      CHECK_FALSE(batched[i]);
      continue;
    }
    REQUIRE(batched[i]);
    CHECK(*batched[i] == one_by_one.at(asked[i]));
  }
  // Advisory commit of explicit offsets works without a group join and is visible to lag tooling.
  const auto committed_positions = con.positions();
  REQUIRE(con.commit(committed_positions));
  std::vector<topic_partition> parts;
  for (const auto& po : committed_positions) parts.push_back(po.where);
  offset_vector seen;
  for (int i = 0; i < 50 && seen != committed_positions; ++i) {
    poll_batch idle;
    REQUIRE(con.poll(100ms, idle, 10));  // serves the commit result
    auto c = con.committed(parts, 10s);
    REQUIRE(c);
    seen = *c;
  }
  CHECK(seen == committed_positions);
}

TEST_CASE("publish_all throughput on 200000 events", "[kafka][integration]") {
  // ~330 B per event: 32 partitions keep each under the mock's 5 MiB per-partition retention.
  fl::testing::broker_process broker({.extra_args = {"--partitions", "fleet.cluster.v1=32"}});
  auto pub = make_publisher(broker.bootstrap());
  std::vector<Envelope> events;
  events.reserve(200'000);
  for (int i = 0; i < 200'000; ++i) events.push_back(health_check(i % 1'000, i / 1'000));
  const auto t0 = std::chrono::steady_clock::now();
  const double cpu0 = process_cpu_seconds();
  const auto results = pub.publish_all(events);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double cpu = process_cpu_seconds() - cpu0;
  std::printf("publish_all: 200000 events (%zu B each) in %.3f s = %.0f msg/s; client cpu %.3f s = %.0f msg per cpu-s\n",
              encode(events.front()).size(), seconds, 200'000 / seconds, cpu, 200'000 / cpu);
  std::size_t ok = 0;
  for (const auto& r : results) ok += r ? 1 : 0;
  CHECK(ok == 200'000);

  auto con = make_consumer(broker.bootstrap(), "throughput-test");
  const auto t1 = std::chrono::steady_clock::now();
  const double cpu1 = process_cpu_seconds();
  const auto records = read_all(con, cluster_topic, 200'000);
  const double read_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
  const double read_cpu = process_cpu_seconds() - cpu1;
  std::printf("consume: %zu records in %.3f s = %.0f msg/s; client cpu %.3f s\n", records.size(), read_seconds,
              static_cast<double>(records.size()) / read_seconds, read_cpu);
  CHECK(records.size() == 200'000);
}

TEST_CASE("publish_all of encoded batches puts every record where it reports in batch order", "[kafka][integration]") {
  fl::testing::broker_process broker;
  auto pub = make_publisher(broker.bootstrap());
  // Two batches (as the offering import fills one per part of its file), keys shared across them.
  std::vector<encoded_batch> batches(2);
  std::vector<Envelope> sent;
  for (int i = 0; i < 3'000; ++i) {
    const int c = i % cluster_count;
    sent.push_back(health_check(c, i / cluster_count));
    REQUIRE(batches[i < 1'700 ? 0 : 1].add(sent.back()));
  }
  const auto outcome = pub.publish_all(batches);
  REQUIRE(outcome.size() == sent.size());
  CHECK(outcome.errors.empty());
  std::map<record_position, std::size_t> index_at;
  for (std::size_t i = 0; i < outcome.size(); ++i) {
    INFO("event " << i);
    const auto position = outcome.at(i);
    REQUIRE(position);
    CHECK(index_at.emplace(*position, i).second);
  }

  auto con = make_consumer(broker.bootstrap(), "encoded-batch-test");
  const auto records = read_all(con, cluster_topic, sent.size());
  REQUIRE(records.size() == sent.size());
  std::map<std::string, int> last_sequence;
  for (const auto& rec : records) {
    const auto at = index_at.find(rec.position());
    REQUIRE(at != index_at.end());
    const Envelope& env = sent[at->second];
    CHECK(rec.value() == encode(env));
    CHECK(rec.key() == env.cluster_health_checked().cluster_id());
    CHECK(rec.header(header_type) == std::optional<std::string_view>("ClusterHealthChecked"));
    CHECK(rec.header(header_event_id) == std::optional<std::string_view>(env.event_id()));
    CHECK(rec.header(header_schema) == std::optional<std::string_view>(schema_name));
    // Per key, the log keeps the order of the batches.
    const int seq = env.cluster_health_checked().health_score();
    const auto [it, fresh] = last_sequence.emplace(std::string(rec.key()), seq);
    if (!fresh) {
      CHECK(seq == it->second + 1);
      it->second = seq;
    }
  }
}

TEST_CASE("publish_raw keeps an empty key distinct from a null key", "[kafka][integration]") {
  fl::testing::broker_process broker;
  auto pub = make_publisher(broker.bootstrap());
  const std::vector<record_header> headers{{"fl-dlq-reason", "test"}, {"empty", ""}};
  auto empty_key = pub.publish_raw(deadletter_topic, std::string_view(), "v1", headers);
  auto null_key = pub.publish_raw(deadletter_topic, std::nullopt, "v2", headers);
  auto empty_value = pub.publish_raw(deadletter_topic, std::string_view("k"), "", {});
  REQUIRE(empty_key);
  REQUIRE(null_key);
  REQUIRE(empty_value);

  auto con = make_consumer(broker.bootstrap(), "raw-test");
  const auto records = read_all(con, deadletter_topic, 3);
  REQUIRE(records.size() == 3);
  for (const auto& rec : records) {
    if (rec.position() == *empty_key) {
      CHECK(rec.has_key());
      CHECK(rec.key().empty());
      CHECK(rec.value() == "v1");
      CHECK(rec.header("fl-dlq-reason") == std::optional<std::string_view>("test"));
      CHECK(rec.header("empty") == std::optional<std::string_view>(""));
      CHECK_FALSE(rec.header("fl-type"));
    } else if (rec.position() == *null_key) {
      CHECK_FALSE(rec.has_key());
      CHECK(rec.value() == "v2");
    } else {
      CHECK(rec.position() == *empty_value);
      CHECK(rec.key() == "k");
      CHECK(rec.value().empty());
    }
  }
}

TEST_CASE("a reader slower than the fetch gets every record once in order with a small prefetch bound", "[kafka][integration]") {
  // The prefetch queue fills to its bound while the reader lags, and poll() wakes librdkafka's
  // fetcher once it has drained (consumer.cpp): the side request must not disturb what is read.
  fl::testing::broker_process broker;
  auto pub = make_publisher(broker.bootstrap());
  constexpr int cluster_count = 8;
  constexpr int per_cluster = 2'500;
  std::vector<Envelope> events;
  for (int seq = 0; seq < per_cluster; ++seq) {
    for (int c = 0; c < cluster_count; ++c) events.push_back(health_check(c, seq));
  }
  for (const auto& r : pub.publish_all(events)) REQUIRE(r);

  consumer_config config;
  config.client.brokers = broker.bootstrap();
  config.name = "slow-reader-test";
  config.queued_min_messages = 1'000;
  auto made = consumer::create(config);
  REQUIRE(made);
  auto& con = *made;
  assign_from_start(con, cluster_topic);
  std::map<std::string, int> last_sequence;
  std::size_t seen = 0;
  poll_batch batch;
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  for (int i = 0; i < 10'000 && std::chrono::steady_clock::now() < deadline && seen < events.size(); ++i) {
    batch.clear();
    REQUIRE(con.poll(200ms, batch, 250));
    for (const auto& rec : batch.records) {
      auto decoded = decode(rec.value());
      REQUIRE(decoded);
      const int seq = decoded->cluster_health_checked().health_score();
      const auto [it, fresh] = last_sequence.emplace(std::string(rec.key()), seq);
      if (fresh) {
        CHECK(seq == 0);
      } else {
        CHECK(seq == it->second + 1);  // no record lost or read twice
        it->second = seq;
      }
      ++seen;
    }
    std::this_thread::sleep_for(1ms);  // slower than the fetch, so the queue reaches its bound
  }
  CHECK(seen == events.size());
  CHECK(last_sequence.size() == static_cast<std::size_t>(cluster_count));
  for (const auto& [key, seq] : last_sequence) CHECK(seq == per_cluster - 1);
  INFO("fetcher wakes: " << con.fetcher_wakes());
  CHECK(con.fetcher_wakes() > 0);
}

TEST_CASE("a caught-up consumer reports the end of every partition", "[kafka][integration]") {
  fl::testing::broker_process broker;
  auto con = make_consumer(broker.bootstrap(), "eof-test");
  auto count = con.partition_count(tenant_topic, 10s);
  REQUIRE(count);
  CHECK(*count == 6);
  auto missing = con.partition_count("no.such.topic", 10s);
  INFO("partitions of a missing topic: " << (missing ? std::to_string(*missing) : missing.err().message));
  REQUIRE_FALSE(missing);
  CHECK(missing.err().code == errc::not_found);

  const auto records = read_all(con, tenant_topic, 0);  // empty topic
  CHECK(records.empty());
  CHECK(con.caught_up());
  for (const auto& po : con.positions()) CHECK(po.next.value() == 0);
}

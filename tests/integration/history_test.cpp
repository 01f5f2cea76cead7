// Durable history (issue 6) against real processes: the dev broker restored from its archive after
// SIGTERM and after SIGKILL, a projector catching up through the archive after the mock dropped
// records, and fleetledger-replay's filters and --as-of rebuilds.
#include <signal.h>

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>
#include <atomic>
#include <set>
#include <sstream>
#include <thread>

#include "fleetledger/archive/archive_store.hpp"
#include "fleetledger/archive/archiver.hpp"
#include "fleetledger/events/codec.hpp"
#include "fleetledger/events/consumer.hpp"
#include "fleetledger/events/envelope.hpp"
#include "fleetledger/events/publisher.hpp"
#include "fleetledger/events/timestamps.hpp"
#include "fleetledger/events/topic_catalogue.hpp"
#include "fleetledger/projections/applier.hpp"
#include "fleetledger/projections/view_store.hpp"
#include "support/broker_process.hpp"
#include "support/child_process.hpp"
#include "support/projector_digest.hpp"
#include "support/sample_events.hpp"
#include "support/temp_dir.hpp"
#include "view_registry.hpp"

using namespace std::chrono_literals;
namespace ft = fleetledger::testing;
namespace fe = fleetledger::events;
namespace fa = fleetledger::archive;
namespace fp = fleetledger::projections;

namespace {

const std::vector<std::string> partitions_args{"--partitions", "fleet.edge.v1=32,fleet.cluster.v1=16"};

std::vector<std::string> all_topics() {
  std::vector<std::string> out;
  for (const auto& t : fe::topic_catalogue()) out.emplace_back(t.name);
  return out;
}

// Every record of every event topic, as (topic, partition, offset) -> encoded archive record (key
// with null-ness, value, headers, timestamp), read to the high watermarks of the moment.
struct log_snapshot {
  std::map<std::tuple<std::string, int, std::int64_t>, std::string> records;
  std::map<std::pair<std::string, int>, fe::watermarks> marks;
};

log_snapshot read_log(const std::string& brokers) {
  fe::consumer_config cc;
  cc.client.brokers = brokers;
  cc.name = "history-test";
  auto c = fe::consumer::create(cc);
  REQUIRE(c);
  const auto topics = all_topics();
  std::vector<std::string_view> names(topics.begin(), topics.end());
  auto parts = c->list_partitions(names, 10s);
  REQUIRE(parts);
  log_snapshot snap;
  fe::offset_vector start;
  std::int64_t expected = 0;
  for (const auto& tp : *parts) {
    auto wm = c->query_watermarks(tp, 10s);
    REQUIRE(wm);
    snap.marks[{tp.topic.value(), tp.partition.value()}] = *wm;
    if (wm->high > wm->low) {
      start.push_back({tp, wm->low});
      expected += wm->high.value() - wm->low.value();
    }
  }
  if (start.empty()) return snap;
  REQUIRE(c->assign(start));
  fe::poll_batch batch;
  const auto deadline = std::chrono::steady_clock::now() + 120s;
  while (static_cast<std::int64_t>(snap.records.size()) < expected && std::chrono::steady_clock::now() < deadline) {
    batch.clear();
    REQUIRE(c->poll(200ms, batch, 10'000));
    for (const auto& r : batch.records) {
      const auto& m = snap.marks[{std::string(r.topic()), r.partition().value()}];
      if (r.offset() >= m.high) continue;
      snap.records[{std::string(r.topic()), r.partition().value(), r.offset().value()}] =
          fa::encode_record(fa::to_archived(r));
    }
  }
  REQUIRE(static_cast<std::int64_t>(snap.records.size()) == expected);
  return snap;
}

std::vector<fe::record_position> publish(const std::string& brokers, const std::vector<fleetledger::v1::Envelope>& evs) {
  fe::publisher_config pc;
  pc.client.brokers = brokers;
  auto pub = fe::publisher::create(pc);
  REQUIRE(pub);
  std::vector<fe::record_position> out;
  constexpr std::size_t chunk = 10'000;
  for (std::size_t i = 0; i < evs.size(); i += chunk) {
    const auto n = std::min(chunk, evs.size() - i);
    auto results = pub->publish_all(std::span(evs.data() + i, n));
    for (auto& r : results) {
      REQUIRE(r);
      out.push_back(*r);
    }
  }
  return out;
}

ft::broker_options durable_broker(const ft::temp_dir& dir, int port, const std::string& log) {
  ft::broker_options o;
  o.extra_args = partitions_args;
  o.extra_args.insert(o.extra_args.end(), {"--port", std::to_string(port), "--data-dir", dir.file("data")});
  o.stderr_path = dir.file(log);
  return o;
}

int run_projector(const std::string& view, const std::string& brokers, const std::string& view_dir,
                  const std::string& archive_dir, const std::string& log) {
  ft::child_options o;
  o.args = {"--view", view, "--brokers", brokers, "--view-dir", view_dir, "--exit-at-end", "--archive-dir", archive_dir};
  o.stderr_path = log;
  return ft::run(ft::bin_path("fleetledger-projector"), o, 300s).exit_code;
}

// Waits until the broker's archive holds every offset below the high watermarks.
void wait_archived(const ft::temp_dir& dir, const log_snapshot& snap) {
  auto reader = fa::archive_store::open_secondary(dir.file("data") + "/broker/archive", dir.file("secondary"));
  REQUIRE(reader);
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  for (;;) {
    REQUIRE((*reader)->catch_up());
    auto offs = (*reader)->offsets();
    REQUIRE(offs);
    bool done = true;
    for (const auto& [tp, m] : snap.marks) {
      const auto it = offs->find({tp.first, tp.second});
      if (m.high.value() > (it == offs->end() ? 0 : it->second)) done = false;
    }
    if (done) return;
    REQUIRE(std::chrono::steady_clock::now() < deadline);
    std::this_thread::sleep_for(50ms);
  }
}

std::int64_t ms_of(fe::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

std::string rfc3339_ms(std::int64_t ms) { return fe::format_rfc3339(fe::time_point(std::chrono::milliseconds(ms))); }

// (topic, partition, offset) of every JSON line fleetledger-replay printed.
std::set<std::tuple<std::string, int, std::int64_t>> replayed(const std::string& out) {
  std::set<std::tuple<std::string, int, std::int64_t>> s;
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const auto v = boost::json::parse(line).as_object();
    s.insert({std::string(v.at("topic").as_string()), static_cast<int>(v.at("partition").as_int64()),
              v.at("offset").as_int64()});
  }
  return s;
}

}  // namespace

TEST_CASE("the dev broker restores every topic after SIGTERM and after SIGKILL", "[history][integration][slow]") {
  ft::temp_dir dir("fleetledger-history");
  const int port = ft::free_loopback_port();
  auto broker = std::make_unique<ft::broker_process>(durable_broker(dir, port, "broker1.log"));
  const auto bootstrap = broker->bootstrap();
  ft::sample_mix mix;
  mix.edges_per_cluster = 3;
  const auto evs = ft::make_sample_events(100'000, mix);
  const auto positions = publish(bootstrap, evs);
  REQUIRE(positions.size() == 100'000);

  // A projector applies everything before the restart.
  const std::string view_dir = dir.file("fleet");
  const std::string archive_dir = dir.file("data") + "/broker/archive";
  REQUIRE(run_projector("fleet", bootstrap, view_dir, archive_dir, dir.file("projector1.log")) == 0);
  const auto before_digest = ft::projector_digest("fleet", view_dir);

  const auto before = read_log(bootstrap);
  REQUIRE(before.records.size() == 100'000);
  REQUIRE(broker->stop() == 0);
  broker.reset();

  broker = std::make_unique<ft::broker_process>(durable_broker(dir, port, "broker2.log"));
  REQUIRE(broker->bootstrap() == bootstrap);
  const auto after = read_log(bootstrap);
  CHECK(after.marks == before.marks);
  CHECK(after.records == before.records);

  // The projector resumes where it was: nothing to do, same digest as a clean rebuild.
  REQUIRE(run_projector("fleet", bootstrap, view_dir, archive_dir, dir.file("projector2.log")) == 0);
  const auto resumed = ft::projector_digest("fleet", view_dir);
  CHECK(resumed.sha256 == before_digest.sha256);
  CHECK(resumed.applied == before_digest.applied);
  REQUIRE(run_projector("fleet", bootstrap, dir.file("fleet-rebuild"), archive_dir, dir.file("projector3.log")) == 0);
  const auto rebuilt = ft::projector_digest("fleet", dir.file("fleet-rebuild"));
  CHECK(rebuilt.sha256 == resumed.sha256);
  CHECK(rebuilt.offsets == resumed.offsets);

  // SIGKILL while a publisher is busy: every acknowledged record the archive had not yet written is
  // lost; count them and turn the count into a time window with the publish rate.
  ft::sample_mix mix2 = mix;
  mix2.seed = 7;
  const auto more = ft::make_sample_events(40'000, mix2);
  std::vector<fe::record_position> more_positions;
  std::vector<std::size_t> more_index;  // index into more of each acknowledged position
  std::mutex acked_mutex;
  std::atomic<std::size_t> acked{0};
  const auto publish_began = std::chrono::steady_clock::now();
  std::thread publisher_thread([&] {
    fe::publisher_config pc;
    pc.client.brokers = bootstrap;
    pc.delivery_timeout = 5s;
    pc.close_timeout = 1s;
    auto pub = fe::publisher::create(pc);
    if (!pub) return;
    for (std::size_t i = 0; i < more.size(); i += 200) {
      auto results = pub->publish_all(std::span(more.data() + i, std::min<std::size_t>(200, more.size() - i)));
      bool failed = false;
      std::lock_guard lock(acked_mutex);
      for (std::size_t j = 0; j < results.size(); ++j) {
        if (results[j]) {
          more_positions.push_back(*results[j]);
          more_index.push_back(i + j);
        } else {
          failed = true;
        }
      }
      acked.store(more_positions.size());
      if (failed) return;
    }
  });
  const auto kill_deadline = std::chrono::steady_clock::now() + 120s;
  while (acked.load() < 10'000 && std::chrono::steady_clock::now() < kill_deadline) std::this_thread::sleep_for(1ms);
  const double publish_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - publish_began).count();
  const std::size_t acked_at_kill = acked.load();
  broker->kill();
  publisher_thread.join();
  broker.reset();
  broker = std::make_unique<ft::broker_process>(durable_broker(dir, port, "broker3.log"));
  const auto killed = read_log(bootstrap);
  std::int64_t lost = 0;
  for (const auto& p : more_positions) {
    const auto& m = killed.marks.at({p.topic.value(), p.partition.value()});
    if (p.at >= m.high) ++lost;
  }
  const double rate = static_cast<double>(acked_at_kill) / publish_seconds;
  std::printf("HISTORY kill9_during_publish acknowledged=%zu lost=%lld publish_rate_per_s=%.0f window_ms=%.1f\n",
              more_positions.size(), static_cast<long long>(lost), rate,
              rate > 0 ? 1000.0 * static_cast<double>(lost) / rate : 0.0);
  // Every acknowledged record that was restored is the event published there.
  for (std::size_t i = 0; i < more_positions.size(); ++i) {
    const auto& p = more_positions[i];
    const auto it = killed.records.find({p.topic.value(), p.partition.value(), p.at.value()});
    if (it == killed.records.end()) continue;  // lost (counted above)
    auto rec = fa::decode_record(fa::record_key(p.topic.value(), p.partition.value(), p.at.value()), it->second);
    REQUIRE(rec);
    REQUIRE(rec->value);
    CHECK(*rec->value == fe::encode(more[more_index[i]]));
  }
  // What survived is the history as it was, record for record.
  for (const auto& [k, v] : before.records) {
    const auto it = killed.records.find(k);
    REQUIRE(it != killed.records.end());
    CHECK(it->second == v);
  }
  CHECK(broker->stop() == 0);
}

TEST_CASE("a stopped projector catches up through the archive after the mock dropped records",
          "[history][integration][slow]") {
  ft::temp_dir dir("fleetledger-retention");
  ft::broker_options o;
  // One edge partition: the sample mix puts well over 5 MiB into it.
  o.extra_args = {"--partitions", "fleet.edge.v1=1", "--data-dir", dir.file("data"), "--retention-check-ms", "0"};
  o.stderr_path = dir.file("broker.log");
  auto broker_ptr = std::make_unique<ft::broker_process>(o);
  auto& broker = *broker_ptr;
  const std::string archive_dir = dir.file("data") + "/broker/archive";
  ft::sample_mix mix;
  mix.edges_per_cluster = 3;
  const auto evs = ft::make_sample_events(120'000, mix);
  (void)publish(broker.bootstrap(), std::vector(evs.begin(), evs.begin() + 5'000));
  REQUIRE(run_projector("edges", broker.bootstrap(), dir.file("edges"), archive_dir, dir.file("p1.log")) == 0);
  (void)publish(broker.bootstrap(), std::vector(evs.begin() + 5'000, evs.end()));
  const auto snap = read_log(broker.bootstrap());
  const auto& edge0 = snap.marks.at({std::string(fe::edge_topic), 0});
  std::printf("HISTORY retention edge_partition_log_start=%lld high=%lld\n",
              static_cast<long long>(edge0.low.value()), static_cast<long long>(edge0.high.value()));
  REQUIRE(edge0.low.value() > 0);  // the mock dropped the oldest records
  wait_archived(dir, snap);
  REQUIRE(run_projector("edges", broker.bootstrap(), dir.file("edges"), archive_dir, dir.file("p2.log")) == 0);
  CHECK(ft::read_file(dir.file("p2.log")).find("gap read from the archive") != std::string::npos);
  REQUIRE(run_projector("edges", broker.bootstrap(), dir.file("edges-clean"), archive_dir, dir.file("p3.log")) == 0);
  const auto resumed = ft::projector_digest("edges", dir.file("edges"));
  const auto clean = ft::projector_digest("edges", dir.file("edges-clean"));
  CHECK(resumed.sha256 == clean.sha256);
  CHECK(resumed.offsets == clean.offsets);
  CHECK(ft::read_file(dir.file("p2.log")).find("archive does not hold the gap") == std::string::npos);

  // Restart: re-appending from offset 0 overflows the mock again; it drops the oldest records
  // itself, the offsets stay right, and a new projector gets the dropped part from the archive.
  REQUIRE(broker_ptr->stop() == 0);
  o.stderr_path = dir.file("broker2.log");
  broker_ptr = std::make_unique<ft::broker_process>(o);
  const auto restarted = read_log(broker_ptr->bootstrap());
  CHECK(restarted.marks.size() == snap.marks.size());
  for (const auto& [tp, m] : snap.marks) CHECK(restarted.marks.at(tp).high == m.high);
  const auto& edge0_after = restarted.marks.at({std::string(fe::edge_topic), 0});
  std::printf("HISTORY retention_after_restart edge_partition_log_start=%lld high=%lld\n",
              static_cast<long long>(edge0_after.low.value()), static_cast<long long>(edge0_after.high.value()));
  CHECK(edge0_after.low.value() > 0);
  std::size_t compared = 0;
  for (const auto& [k, v] : restarted.records) {
    const auto it = snap.records.find(k);  // the two log starts may differ by a batch
    if (it == snap.records.end()) continue;
    ++compared;
    CHECK(it->second == v);
  }
  CHECK(compared > 0);
  REQUIRE(run_projector("edges", broker_ptr->bootstrap(), dir.file("edges-after"), archive_dir, dir.file("p4.log")) == 0);
  CHECK(ft::projector_digest("edges", dir.file("edges-after")).sha256 == clean.sha256);
}

TEST_CASE("replay filters by type and time and rebuilds a view as of a time", "[history][integration]") {
  ft::temp_dir dir("fleetledger-replay");
  ft::broker_options o;
  o.extra_args = {"--data-dir", dir.file("data")};
  o.stderr_path = dir.file("broker.log");
  ft::broker_process broker(o);
  const std::string archive_dir = dir.file("data") + "/broker/archive";
  ft::sample_mix mix;
  mix.tenants = 5;
  mix.clusters = 40;
  mix.edges_per_cluster = 2;
  const auto evs = ft::make_sample_events(3'000, mix);
  const std::vector a(evs.begin(), evs.begin() + 1'000), b(evs.begin() + 1'000, evs.begin() + 2'000),
      c(evs.begin() + 2'000, evs.end());
  const auto pa = publish(broker.bootstrap(), a);
  std::this_thread::sleep_for(20ms);
  const std::int64_t t1 = ms_of(std::chrono::system_clock::now());
  std::this_thread::sleep_for(20ms);
  const auto pb = publish(broker.bootstrap(), b);
  std::this_thread::sleep_for(20ms);
  const std::int64_t t2 = ms_of(std::chrono::system_clock::now());
  std::this_thread::sleep_for(20ms);
  const auto pc = publish(broker.bootstrap(), c);
  wait_archived(dir, read_log(broker.bootstrap()));

  std::set<std::tuple<std::string, int, std::int64_t>> expect_b, expect_health;
  for (const auto& p : pb) expect_b.insert({p.topic.value(), p.partition.value(), p.at.value()});
  for (std::size_t i = 0; i < evs.size(); ++i) {
    const auto& p = i < 1000 ? pa[i] : i < 2000 ? pb[i - 1000] : pc[i - 2000];
    if (fe::payload_type_name(evs[i]) == "ClusterHealthChecked") {
      expect_health.insert({p.topic.value(), p.partition.value(), p.at.value()});
    }
  }
  REQUIRE_FALSE(expect_health.empty());

  for (const std::vector<std::string>& source :
       {std::vector<std::string>{"--brokers", broker.bootstrap()}, std::vector<std::string>{"--archive-dir", archive_dir}}) {
    ft::child_options ro;
    ro.args = source;
    ro.args.insert(ro.args.end(), {"--since", rfc3339_ms(t1), "--until", rfc3339_ms(t2)});
    const auto range = ft::run(ft::bin_path("fleetledger-replay"), ro, 120s);
    REQUIRE(range.exit_code == 0);
    CHECK(replayed(range.stdout_text) == expect_b);
    CHECK(range.stderr_text.find("1000 events printed") != std::string::npos);

    ro.args = source;
    ro.args.insert(ro.args.end(), {"--type", "ClusterHealthChecked"});
    const auto typed = ft::run(ft::bin_path("fleetledger-replay"), ro, 120s);
    REQUIRE(typed.exit_code == 0);
    CHECK(replayed(typed.stdout_text) == expect_health);
  }

  // --as-of t1 from the archive equals a view fed only the records with timestamp <= t1.
  ft::child_options ao;
  ao.args = {"--archive-dir", archive_dir, "--as-of", rfc3339_ms(t1), "--view", "fleet", "--out", dir.file("asof")};
  const auto asof = ft::run(ft::bin_path("fleetledger-replay"), ao, 120s);
  REQUIRE(asof.exit_code == 0);
  const auto printed = boost::json::parse(asof.stdout_text).as_object();
  CHECK(printed.at("records").as_int64() > 0);

  auto v = fp::make_view("fleet");
  auto store = fp::view_store::open(dir.path() / "expected", {});
  REQUIRE(store);
  fp::applier app(*v, **store);
  auto reader = fa::archive_store::open_secondary(archive_dir, dir.file("secondary-asof"));
  REQUIRE(reader);
  std::vector<fa::archived_record> kept;
  std::vector<std::string> topics;
  for (auto t : v->topics()) topics.emplace_back(t);
  REQUIRE((*reader)->scan_all(topics, [&](const fa::archived_record& r) {
    if (r.timestamp_ms <= t1) kept.push_back(r);
    return true;
  }));
  std::vector<fp::input_record> inputs;
  for (const auto& r : kept) {
    inputs.push_back({{fe::topic_name(r.topic), fe::partition_id(r.partition)}, fe::offset(r.offset), r.timestamp_ms,
                      r.key ? std::string_view(*r.key) : "", r.value ? std::string_view(*r.value) : ""});
  }
  std::vector<fp::dead_letter> letters;
  REQUIRE(app.apply(inputs, letters));
  CHECK(static_cast<std::int64_t>(kept.size()) == printed.at("records").as_int64());
  CHECK((*store)->digest().sha256_hex == std::string(printed.at("sha256").as_string()));
  std::size_t a_in_view = 0;
  for (const auto& p : pa) {
    for (const auto& t : topics) a_in_view += p.topic.value() == t ? 1 : 0;
  }
  CHECK(kept.size() == a_in_view);
}

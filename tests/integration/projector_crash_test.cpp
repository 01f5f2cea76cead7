// Crash safety of the real projector processes (issue 3): while 200,000 mixed events are published,
// every projector is killed with SIGKILL at random moments at least 20 times and restarted; at the
// end each view's digest and counters equal a clean rebuild from the same log, and every record was
// counted exactly once (applied, rejected, ignored, duplicate or dead-lettered). The first 1,000
// events are published a second time at the end: each copy counts as a duplicate (or as ignored, as
// its original was), as in the rebuild.
#include <signal.h>

#include <catch2/catch.hpp>

#include <atomic>
#include <cstdio>
#include <map>
#include <memory>
#include <random>
#include <thread>

#include "fleetledger/events/kafka_config.hpp"
#include "fleetledger/events/publisher.hpp"
#include "support/broker_process.hpp"
#include "support/child_process.hpp"
#include "support/projector_digest.hpp"
#include "support/sample_events.hpp"
#include "support/temp_dir.hpp"

using namespace std::chrono_literals;
namespace ft = fleetledger::testing;
namespace fe = fleetledger::events;

namespace {

constexpr std::size_t total_events = 200'000;
constexpr int kills_per_view = 20;
constexpr std::size_t republished_events = 1'000;
const std::vector<std::string> views{"fleet", "marketplace", "edges"};

std::unique_ptr<ft::child_process> start_projector(const std::string& view, const std::string& brokers,
                                                   const std::string& dir, const std::string& log,
                                                   bool exit_at_end = false) {
  ft::child_options o;
  o.args = {"--view", view, "--brokers", brokers, "--view-dir", dir, "--batch-size", "2000"};
  if (exit_at_end) {
    o.args.push_back("--exit-at-end");
  } else {
    // Seal the dedup journal every few batches, so kills also land in a seal (see id_journal.hpp).
    o.args.insert(o.args.end(), {"--dedup-seal-ids", "5000"});
  }
  o.stderr_path = log;
  return std::make_unique<ft::child_process>(ft::bin_path("fleetledger-projector"), o);
}

}  // namespace

TEST_CASE("projectors killed with SIGKILL mid-stream end equal to a clean rebuild", "[projector][integration][slow]") {
  ft::temp_dir dir("fleetledger-crash");
  // Enough partitions that the mock broker's 5 MiB per partition holds all 200,000 events.
  ft::broker_process broker({.extra_args = {"--partitions", "fleet.edge.v1=32,fleet.cluster.v1=16"},
                             .stderr_path = dir.file("broker.log")});
  ft::sample_mix mix;
  mix.edges_per_cluster = 3;
  const auto events = ft::make_sample_events(total_events, mix);

  fe::publisher_config pc;
  pc.client.brokers = broker.bootstrap();
  auto pub = fe::publisher::create(pc);
  REQUIRE(pub);

  std::atomic<std::size_t> published{0};
  std::atomic<bool> publish_failed{false};
  // Publish in chunks spread over a few seconds so that kills land while records keep arriving.
  std::thread producer([&] {
    constexpr std::size_t chunk = 2'000;
    for (std::size_t i = 0; i < events.size(); i += chunk) {
      const auto n = std::min(chunk, events.size() - i);
      for (const auto& r : pub->publish_all(std::span(events).subspan(i, n))) {
        if (!r) publish_failed = true;
      }
      published += n;
      std::this_thread::sleep_for(40ms);
    }
  });

  std::map<std::string, std::unique_ptr<ft::child_process>> running;
  for (const auto& v : views) running[v] = start_projector(v, broker.bootstrap(), dir.file(v), dir.file(v + ".log"));

  const auto seed = std::random_device{}();
  std::printf("crash test seed %u\n", seed);
  std::mt19937 rng(seed);
  std::map<std::string, int> kills;
  const auto deadline = std::chrono::steady_clock::now() + 240s;
  for (int round = 0; round < kills_per_view && std::chrono::steady_clock::now() < deadline; ++round) {
    for (const auto& v : views) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50 + rng() % 400));
      running[v]->send_signal(SIGKILL);
      (void)running[v]->wait(10s);
      ++kills[v];
      running[v] = start_projector(v, broker.bootstrap(), dir.file(v), dir.file(v + ".log"));
    }
  }
  producer.join();
  REQUIRE_FALSE(publish_failed.load());
  REQUIRE(published.load() == total_events);
  // The first events again, same ids (a producer's retry after a lost ack, say): by now their ids
  // were sealed in the killed projectors' stores and are still journaled in the rebuilds'. No copy
  // may change the state.
  for (const auto& r : pub->publish_all(std::span(events).subspan(0, republished_events))) REQUIRE(r);

  // Let the survivors finish the log, then stop them the hard way one last time.
  for (const auto& v : views) {
    running[v]->send_signal(SIGKILL);
    (void)running[v]->wait(10s);
    auto finisher = start_projector(v, broker.bootstrap(), dir.file(v), dir.file(v + ".final.log"), true);
    REQUIRE(finisher->wait(180s) == std::optional<int>(0));
    auto rebuild = start_projector(v, broker.bootstrap(), dir.file(v + "-rebuild"), dir.file(v + ".rebuild.log"), true);
    REQUIRE(rebuild->wait(180s) == std::optional<int>(0));
  }

  for (const auto& v : views) {
    const auto crashed = ft::projector_digest(v, dir.file(v));
    const auto clean = ft::projector_digest(v, dir.file(v + "-rebuild"));
    const auto accounted = crashed.applied + crashed.rejected + crashed.ignored + crashed.duplicates + crashed.dead_lettered;
    std::printf("view %-12s kills %d  applied %lld rejected %lld ignored %lld duplicates %lld dead-lettered %lld "
                "(accounted %lld of %zu + %zu republished; rebuild applied %lld)  digest %s\n",
                v.c_str(), kills[v], static_cast<long long>(crashed.applied), static_cast<long long>(crashed.rejected),
                static_cast<long long>(crashed.ignored), static_cast<long long>(crashed.duplicates),
                static_cast<long long>(crashed.dead_lettered), static_cast<long long>(accounted), total_events, republished_events,
                static_cast<long long>(clean.applied), crashed.sha256.c_str());
    CHECK(kills[v] >= kills_per_view);
    CHECK(crashed.sha256 == clean.sha256);
    CHECK(crashed.offsets == clean.offsets);
    CHECK(crashed.applied == clean.applied);
    CHECK(crashed.rejected == clean.rejected);
    CHECK(crashed.ignored == clean.ignored);
    CHECK(crashed.duplicates == clean.duplicates);
    CHECK(crashed.duplicates > 0);  // (a view keeps no id of an event it ignores: such a copy is ignored again)
    CHECK(crashed.dead_lettered == clean.dead_lettered);
    CHECK(crashed.records == clean.records);
    // Every consumed record is counted exactly once: nothing lost, nothing applied twice.
    CHECK(accounted == crashed.records);
  }
}

// Poison records (issue 3): 1,000 random-byte records and 1,000 rule-breaking events mixed into a
// stream. The real projector processes never stop; every random record is in fleet.deadletter.v1
// (once per view that reads its topic, with headers naming where it came from), every rule breaker is
// a rejection, and the views otherwise equal those built from the same stream without the poison.
#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <map>
#include <random>
#include <set>
#include <tuple>

#include "fleetledger/events/consumer.hpp"
#include "fleetledger/events/envelope.hpp"
#include "fleetledger/events/publisher.hpp"
#include "fleetledger/events/topic_catalogue.hpp"
#include "fleetledger/projections/fleet/queries.hpp"
#include "fleetledger/projections/marketplace/listing.hpp"
#include "fleetledger/projections/view_store.hpp"
#include "support/broker_process.hpp"
#include "support/child_process.hpp"
#include "support/projector_digest.hpp"
#include "support/sample_events.hpp"
#include "support/temp_dir.hpp"

using namespace std::chrono_literals;
namespace ft = fleetledger::testing;
namespace fe = fleetledger::events;
namespace fp = fleetledger::projections;

namespace {

const std::map<std::string, std::set<std::string>> topics_of_view{
    {"fleet", {std::string(fe::cluster_topic)}},
    {"marketplace", {std::string(fe::cluster_topic), std::string(fe::tenant_topic), std::string(fe::edge_topic),
                     std::string(fe::offering_topic)}},
    {"edges", {std::string(fe::edge_topic), std::string(fe::cluster_topic)}},
};

using position = std::tuple<std::string, int, std::int64_t>;

struct run_result {
  std::map<std::string, ft::view_digest> digests;
  std::string fleet_summary;
  std::string marketplace_listing;
};

// Runs the three projectors to the end of the log in dir and collects what the views say.
run_result project(const std::string& brokers, const ft::temp_dir& dir) {
  run_result out;
  for (const auto& [view, _] : topics_of_view) {
    auto r = ft::run(ft::bin_path("fleetledger-projector"),
                     {.args = {"--view", view, "--brokers", brokers, "--view-dir", dir.file(view), "--exit-at-end"},
                      .stderr_path = dir.file(view + ".log")},
                     180s);
    INFO("projector " << view << " log: " << dir.file(view + ".log"));
    REQUIRE(r.exit_code == 0);  // never stopped by a bad record
    out.digests[view] = ft::projector_digest(view, dir.file(view));
  }
  const auto now = std::chrono::system_clock::now();
  auto fleet = fp::view_store::open(dir.file("fleet")).value();
  out.fleet_summary = boost::json::serialize(fp::fleet::to_json(fp::fleet::read_summary(fleet->reader(), now)));
  auto market = fp::view_store::open(dir.file("marketplace")).value();
  boost::json::array listing;
  for (const auto& e : fp::marketplace::list_clusters(market->reader(), {.tenant_id = "tenant-3"}, now)) {
    listing.push_back(fp::marketplace::to_json(e));
  }
  out.marketplace_listing = boost::json::serialize(listing);
  return out;
}

fleetledger::v1::Envelope unknown_cluster_health(int i) {
  auto e = fe::make_envelope({.producer = "poison", .actor = "prober"});
  auto* h = e.mutable_cluster_health_checked();
  h->set_cluster_id("no-such-cluster-" + std::to_string(i));
  h->mutable_api_server()->set_status(fleetledger::v1::CHECK_STATUS_OK);
  *h->mutable_checked_at() = e.occurred_at();
  return e;
}

fleetledger::v1::Envelope approval_of_unknown_subscription(int i) {
  auto e = fe::make_envelope({.producer = "poison", .actor = "tenant-1"});
  auto* a = e.mutable_subscription_approved();
  a->set_cluster_id("cluster-" + std::to_string(i % 50));
  a->set_subscription_id("no-such-subscription-" + std::to_string(i));
  a->set_approved_by("tenant-1");
  return e;
}

}  // namespace

TEST_CASE("random bytes go to the dead-letter topic and rule breakers to the rejections without stopping projectors",
          "[projector][integration]") {
  ft::sample_mix mix;
  mix.clusters = 50;
  mix.include_rule_breakers = false;
  const auto clean = ft::make_sample_events(6'000, mix);

  ft::temp_dir dir("fleetledger-poison");
  ft::broker_process poisoned_broker({.stderr_path = dir.file("broker.log")});
  ft::broker_process clean_broker({.stderr_path = dir.file("clean-broker.log")});

  fe::publisher_config pc;
  pc.client.brokers = poisoned_broker.bootstrap();
  auto pub = fe::publisher::create(pc);
  REQUIRE(pub);
  pc.client.brokers = clean_broker.bootstrap();
  auto clean_pub = fe::publisher::create(pc);
  REQUIRE(clean_pub);
  for (const auto& r : clean_pub->publish_all(clean)) REQUIRE(r);

  // The poisoned stream: the same clean events, with the poison interleaved between chunks.
  std::mt19937 rng(7);
  std::vector<position> random_positions;
  int health_breakers = 0, approval_breakers = 0;
  const auto topics = fe::event_topics();
  for (std::size_t i = 0; i < clean.size(); i += 6) {
    const auto n = std::min<std::size_t>(6, clean.size() - i);
    for (const auto& r : pub->publish_all(std::span(clean).subspan(i, n))) REQUIRE(r);
    for (int k = 0; k < 1 && random_positions.size() < 1000; ++k) {
      std::string bytes(rng() % 200, '\0');
      for (auto& b : bytes) b = static_cast<char>(rng());
      const auto topic = topics[rng() % topics.size()].name;
      auto at = pub->publish_raw(topic, "poison-" + std::to_string(rng() % 100), bytes);
      REQUIRE(at);
      random_positions.emplace_back(at->topic.value(), at->partition.value(), at->at.value());
    }
    if (health_breakers + approval_breakers < 1000) {
      const bool health = (health_breakers + approval_breakers) % 2 == 0;
      auto e = health ? unknown_cluster_health(health_breakers) : approval_of_unknown_subscription(approval_breakers);
      REQUIRE(pub->publish(e));
      (health ? health_breakers : approval_breakers)++;
    }
  }
  while (random_positions.size() < 1000 || health_breakers + approval_breakers < 1000) {
    if (random_positions.size() < 1000) {
      auto at = pub->publish_raw(fe::cluster_topic, "poison-tail", std::string(1 + rng() % 50, '\x07'));
      REQUIRE(at);
      random_positions.emplace_back(at->topic.value(), at->partition.value(), at->at.value());
    }
    if (health_breakers + approval_breakers < 1000) {
      REQUIRE(pub->publish(approval_of_unknown_subscription(approval_breakers++)));
    }
  }
  REQUIRE(random_positions.size() == 1000);
  REQUIRE(health_breakers + approval_breakers == 1000);

  ft::temp_dir poisoned_dir("fleetledger-poisoned-views"), clean_dir("fleetledger-clean-views");
  const auto poisoned = project(poisoned_broker.bootstrap(), poisoned_dir);
  const auto baseline = project(clean_broker.bootstrap(), clean_dir);

  // Every random record is dead-lettered by each view that reads its topic, nothing else is.
  std::map<std::string, std::set<position>> expected_dlq;
  for (const auto& p : random_positions) {
    for (const auto& [view, topics_read] : topics_of_view) {
      if (topics_read.contains(std::get<0>(p))) expected_dlq[view].insert(p);
    }
  }
  fe::consumer_config cc;
  cc.client.brokers = poisoned_broker.bootstrap();
  cc.name = "poison-test";
  auto consumer = fe::consumer::create(cc);
  REQUIRE(consumer);
  const std::string_view dlq_topics[] = {fe::deadletter_topic};
  auto partitions = consumer->list_partitions(dlq_topics, 10s);
  REQUIRE(partitions);
  fe::offset_vector start;
  for (const auto& tp : *partitions) start.push_back({tp, fe::offset(0)});
  REQUIRE(consumer->assign(start));
  std::map<std::string, std::set<position>> seen_dlq;
  fe::poll_batch batch;
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (!consumer->caught_up() && std::chrono::steady_clock::now() < deadline) {
    batch.clear();
    REQUIRE(consumer->poll(200ms, batch, 5000));
    for (const auto& r : batch.records) {
      const auto view = std::string(r.header(fe::header_dlq_consumer).value_or("")).substr(std::string("fleetledger.").size());
      seen_dlq[view].emplace(std::string(r.header(fe::header_dlq_topic).value_or("")),
                             std::stoi(std::string(r.header(fe::header_dlq_partition).value_or("-1"))),
                             std::stoll(std::string(r.header(fe::header_dlq_offset).value_or("-1"))));
      CHECK_FALSE(r.header(fe::header_dlq_reason).value_or("").empty());
    }
  }
  for (const auto& [view, _] : topics_of_view) {
    INFO("view " << view);
    const auto& p = poisoned.digests.at(view);
    const auto& b = baseline.digests.at(view);
    CHECK(seen_dlq[view] == expected_dlq[view]);
    CHECK(p.dead_lettered == static_cast<std::int64_t>(expected_dlq[view].size()));
    CHECK(b.dead_lettered == 0);
    // Every consumed record is accounted for exactly once.
    CHECK(p.applied + p.rejected + p.ignored + p.duplicates + p.dead_lettered == p.records);
    CHECK(p.applied == b.applied);
  }
  CHECK(poisoned.digests.at("fleet").rejected - baseline.digests.at("fleet").rejected == health_breakers);
  CHECK(poisoned.digests.at("marketplace").rejected - baseline.digests.at("marketplace").rejected == approval_breakers);
  // The views are otherwise correct: what they answer equals the views of the clean stream.
  CHECK(poisoned.fleet_summary == baseline.fleet_summary);
  CHECK(poisoned.marketplace_listing == baseline.marketplace_listing);
  std::printf("poison: %zu random records, %d + %d rule breakers; dead letters fleet %lld marketplace %lld edges %lld\n",
              random_positions.size(), health_breakers, approval_breakers,
              static_cast<long long>(poisoned.digests.at("fleet").dead_lettered),
              static_cast<long long>(poisoned.digests.at("marketplace").dead_lettered),
              static_cast<long long>(poisoned.digests.at("edges").dead_lettered));
}

// Determinism (issue 3): the same log delivered in different partition interleavings and batch
// sizes gives every view the same digest, so replicas and rebuilds agree.
#include <catch2/catch.hpp>

#include <algorithm>
#include <functional>
#include <map>
#include <random>

#include "fleetledger/events/codec.hpp"
#include "fleetledger/events/envelope.hpp"
#include "fleetledger/projections/applier.hpp"
#include "fleetledger/projections/edges/edges_view.hpp"
#include "fleetledger/projections/fleet/fleet_view.hpp"
#include "fleetledger/projections/marketplace/marketplace_view.hpp"
#include "fleetledger/projections/view_store.hpp"
#include "support/sample_events.hpp"
#include "support/temp_dir.hpp"

namespace fp = fleetledger::projections;
namespace fe = fleetledger::events;

namespace {

struct logged_record {
  fe::topic_partition where;
  std::int64_t offset;
  std::string key;
  std::string value;
};

// Lays the events out as a Kafka log would: per topic, partition by key, offsets from 0.
std::vector<logged_record> make_log(std::size_t count) {
  fleetledger::testing::sample_mix mix;
  mix.clusters = 60;
  mix.tenants = 10;
  mix.edges_per_cluster = 3;
  const auto events = fleetledger::testing::make_sample_events(count, mix);
  std::map<fe::topic_partition, std::int64_t> next;
  std::vector<logged_record> log;
  for (const auto& e : events) {
    const auto r = fe::route(e);
    REQUIRE(r);
    const fe::topic_partition tp{fe::topic_name(std::string(r->topic)),
                                 fe::partition_id(static_cast<std::int32_t>(std::hash<std::string>{}(r->key) % 4))};
    log.push_back({tp, next[tp]++, r->key, fe::encode(e)});
  }
  return log;
}

// Delivers the log in an order that keeps each partition's order but interleaves partitions as
// the seed says, in batches of random size.
std::string digest_after(fp::view& view, const std::vector<logged_record>& log, std::uint32_t seed) {
  std::map<fe::topic_partition, std::vector<const logged_record*>> by_partition;
  for (const auto& r : log) by_partition[r.where].push_back(&r);
  std::vector<std::pair<const std::vector<const logged_record*>*, std::size_t>> cursors;
  for (const auto& [tp, recs] : by_partition) cursors.push_back({&recs, 0});
  std::mt19937 rng(seed);
  fleetledger::testing::temp_dir dir;
  auto store = fp::view_store::open(dir.path()).value();
  fp::applier applier(view, *store);
  std::vector<fp::dead_letter> dead;
  std::vector<fp::input_record> batch;
  std::size_t remaining = log.size();
  while (remaining > 0) {
    batch.clear();
    const std::size_t size = 1 + rng() % 300;
    while (batch.size() < size && remaining > 0) {
      auto& [recs, pos] = cursors[rng() % cursors.size()];
      if (pos == recs->size()) continue;
      const auto* r = (*recs)[pos++];
      batch.push_back({r->where, fe::offset(r->offset), 0, r->key, r->value});
      --remaining;
    }
    REQUIRE(applier.apply(batch, dead));
  }
  return store->digest().sha256_hex;
}

}  // namespace

TEST_CASE("every view reaches the same digest whatever the partition interleaving", "[projections][unit]") {
  const auto log = make_log(6'000);
  fp::fleet::fleet_view fleet;
  fp::marketplace::marketplace_view marketplace;
  fp::edges::edges_view edges;
  for (fp::view* v : std::initializer_list<fp::view*>{&fleet, &marketplace, &edges}) {
    INFO("view " << v->name());
    const auto a = digest_after(*v, log, 1);
    const auto b = digest_after(*v, log, 2);
    const auto c = digest_after(*v, log, 3);
    CHECK(a == b);
    CHECK(a == c);
  }
}

TEST_CASE("a view ignores every payload type it says it does not want", "[projections][unit]") {
  // The runtime skips decoding types a view does not want (by the fl-type header); that is only
  // safe if apply() would have ignored them anyway.
  fp::fleet::fleet_view fleet;
  fp::marketplace::marketplace_view marketplace;
  fp::edges::edges_view edges;
  const auto* payload = fleetledger::v1::Envelope::descriptor()->FindOneofByName("payload");
  REQUIRE(payload != nullptr);
  for (fp::view* v : std::initializer_list<fp::view*>{&fleet, &marketplace, &edges}) {
    fleetledger::testing::temp_dir dir;
    auto store = fp::view_store::open(dir.path()).value();
    int wanted = 0;
    for (int i = 0; i < payload->field_count(); ++i) {
      const auto* field = payload->field(i);
      const std::string type = field->message_type()->name();
      if (v->wants(type)) {
        ++wanted;
        continue;
      }
      auto e = fe::make_envelope({.producer = "test"});
      auto* msg = e.GetReflection()->MutableMessage(&e, field);
      for (const char* id : {"cluster_id", "tenant_id", "provider_id"}) {
        if (const auto* f = msg->GetDescriptor()->FindFieldByName(id)) msg->GetReflection()->SetString(msg, f, "x-1");
      }
      auto txn = store->begin();
      INFO("view " << v->name() << " type " << type);
      CHECK(v->apply(*txn, e, {}).what == fp::verdict::ignored);
    }
    CHECK(wanted > 0);
  }
}

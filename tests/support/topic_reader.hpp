#pragma once
// Every record of one topic, decoded, read back from the start of each partition until the
// consumer is caught up (bounded by a deadline): what integration tests check producers against.
// Header-only like view_feed.hpp: it asserts with Catch2, which the test binaries link.
#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "fleetledger/events/codec.hpp"
#include "fleetledger/events/consumer.hpp"

namespace fleetledger::testing {

struct read_record {
  std::string key;
  fleetledger::v1::Envelope event;
};

// In partition order (partition by partition, offsets ascending within each).
inline std::vector<read_record> read_topic(const std::string& brokers, std::string_view topic,
                                           std::chrono::seconds deadline_after = std::chrono::seconds(20)) {
  using namespace std::chrono_literals;
  events::consumer_config cc;
  cc.client.brokers = brokers;
  cc.name = "test-topic-reader";
  auto c = events::consumer::create(cc);
  REQUIRE(c.has_value());
  const std::string_view topics[] = {topic};
  auto parts = c->list_partitions(topics, 10s);
  REQUIRE(parts.has_value());
  events::offset_vector start;
  for (const auto& tp : *parts) start.push_back({tp, events::offset_beginning});
  REQUIRE(c->assign(start).has_value());
  std::vector<read_record> out;
  events::poll_batch batch;
  const auto deadline = std::chrono::steady_clock::now() + deadline_after;
  while (!c->caught_up() && std::chrono::steady_clock::now() < deadline) {
    batch.clear();
    REQUIRE(c->poll(200ms, batch, 10'000).has_value());
    for (const auto& r : batch.records) {
      auto env = events::decode(r.value());
      REQUIRE(env.has_value());
      out.push_back({std::string(r.key()), std::move(*env)});
    }
  }
  REQUIRE(c->caught_up());
  return out;
}

}  // namespace fleetledger::testing

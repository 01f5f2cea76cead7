// Events encoded ahead of publishing (events/src/encoded_batch.cpp): each record carries the route,
// the headers' values and exactly the bytes encode() gives, and earlier records stay valid as the
// batch grows past its blocks.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "fleetledger/events/codec.hpp"
#include "fleetledger/events/encoded_batch.hpp"
#include "fleetledger/events/envelope.hpp"
#include "fleetledger/events/topic_catalogue.hpp"

using fleetledger::v1::Envelope;
namespace fe = fleetledger::events;

TEST_CASE("encoded batch records carry route headers and the encode() bytes across blocks", "[encoded_batch]") {
  fe::encoded_batch batch;
  std::vector<std::string> expected_values;
  std::vector<std::string> expected_ids;
  Envelope env;
  // Small records, then records of 1.5 MB: more than one 4 MB block, and one record larger than
  // the room left in a block.
  for (int i = 0; i < 12; ++i) {
    fe::fill_envelope(env, {.producer = "test"});
    auto* o = env.mutable_offering_published();
    o->set_provider_id("provider-" + std::to_string(i % 3));
    o->set_offering_id("off-" + std::to_string(i));
    o->set_description(std::string(i < 6 ? 10 : 1'500'000, static_cast<char>('a' + i)));
    REQUIRE(batch.add(env));
    expected_values.push_back(fe::encode(env));
    expected_ids.push_back(env.event_id());
  }
  REQUIRE(batch.size() == 12);
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const auto& r = batch[i];
    CHECK(r.topic == fe::offering_topic);
    CHECK(r.key == "provider-" + std::to_string(i % 3));
    CHECK(r.type == "OfferingPublished");
    CHECK(r.event_id == expected_ids[i]);
    CHECK(r.value == expected_values[i]);
  }
}

TEST_CASE("encoded batch refuses an envelope without a route and keeps what it has", "[encoded_batch]") {
  fe::encoded_batch batch;
  Envelope env = fe::make_envelope({.producer = "test"});
  env.mutable_offering_published()->set_provider_id("acme");
  REQUIRE(batch.add(env));
  Envelope no_payload = fe::make_envelope({.producer = "test"});
  const auto refused = batch.add(no_payload);
  REQUIRE_FALSE(refused);
  CHECK(refused.err().message.find("without a payload") != std::string::npos);
  Envelope no_key = fe::make_envelope({.producer = "test"});
  no_key.mutable_offering_published()->set_offering_id("o-1");
  CHECK_FALSE(batch.add(no_key));
  REQUIRE(batch.size() == 1);
  CHECK(batch[0].value == fe::encode(env));
}

TEST_CASE("encoded batch writes a payload encoded by the caller as add() writes the whole envelope", "[encoded_batch]") {
  fleetledger::v1::OfferingPublished o;
  o.set_provider_id("acme");
  o.set_offering_id("o-1");
  o.set_description(std::string(300, 'd'));  // a payload length of two varint bytes
  const std::string payload = o.SerializeAsString();
  const auto check_same_as_add = [&](const fe::event_metadata& metadata, std::chrono::system_clock::time_point t) {
    fe::encoded_batch batch;
    REQUIRE(batch.add(metadata, Envelope::kOfferingPublishedFieldNumber, "acme", payload, t));
    REQUIRE(batch.size() == 1);
    // What add() writes for the same envelope: the event id is new, so take it from the record.
    Envelope env = fe::make_envelope(metadata, t);
    env.set_event_id(std::string(batch[0].event_id));
    if (metadata.correlation_id.empty()) env.set_correlation_id(env.event_id());
    *env.mutable_offering_published() = o;
    CHECK(fe::is_uuid(batch[0].event_id));
    CHECK(batch[0].value == fe::encode(env));
    CHECK(batch[0].topic == fe::offering_topic);
    CHECK(batch[0].key == "acme");
    CHECK(batch[0].type == "OfferingPublished");
    // A version-7 id whose time is the event's (0 before 1970): its first 12 hex digits.
    const auto ms = std::max<std::int64_t>(
        0, std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count());
    char prefix[16];
    std::snprintf(prefix, sizeof prefix, "%012llx", static_cast<unsigned long long>(ms));
    CHECK(std::string(batch[0].event_id.substr(0, 8)) + std::string(batch[0].event_id.substr(9, 4)) == prefix);
    CHECK(batch[0].event_id[14] == '7');
  };
  const auto now = std::chrono::system_clock::now();
  check_same_as_add({.producer = "fleetctl"}, now);
  check_same_as_add({.producer = "p", .actor = "ops", .correlation_id = "c-1", .causation_id = "e-0"}, now);
  check_same_as_add({.actor = std::string(200, 'a')}, now);                                 // a two-byte length
  check_same_as_add({}, std::chrono::system_clock::time_point{});                             // empty timestamp
  check_same_as_add({.producer = "p"}, std::chrono::system_clock::time_point{std::chrono::seconds(-5)});  // before 1970
  check_same_as_add({.producer = "p"}, std::chrono::system_clock::time_point{std::chrono::seconds(1'700'000'000)});

  // No route or an empty key: refused, nothing appended.
  fe::encoded_batch batch;
  CHECK_FALSE(batch.add(fe::event_metadata{}, 9999, "acme", ""));
  CHECK_FALSE(batch.add(fe::event_metadata{}, Envelope::kOfferingPublishedFieldNumber, "", payload));
  CHECK(batch.size() == 0);
}

// Envelopes: event ids, metadata, payload type names and routing to topic and key.
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "fleetledger/events/envelope.hpp"
#include "fleetledger/events/timestamps.hpp"
#include "fleetledger/events/topic_catalogue.hpp"
#include "message_filler.hpp"

namespace {

using fleetledger::events::errc;
using fleetledger::events::route;
using fleetledger::v1::Envelope;

// The expected topic of every payload, written out independently of route()'s descriptor-built
// table: a new payload type fails the test below until someone decides where it belongs.
const std::map<std::string, std::string_view>& expected_topics() {
  using namespace fleetledger::events;
  static const std::map<std::string, std::string_view> topics{
      {"ClusterRegistered", cluster_topic},       {"ClusterUpdated", cluster_topic},
      {"ClusterDeleted", cluster_topic},          {"ClusterHealthChecked", cluster_topic},
      {"ClusterStatusChanged", cluster_topic},    {"ClusterCapabilitiesChanged", cluster_topic},
      {"ClusterCredentialsStored", cluster_topic}, {"ClusterCredentialsRotated", cluster_topic},
      {"ClusterCredentialsDeleted", cluster_topic}, {"ClusterMarketplaceUpdated", cluster_topic},
      {"ClusterInviteCreated", cluster_topic},    {"ClusterInviteRevoked", cluster_topic},
      {"SubscriptionRequested", cluster_topic},   {"SubscriptionApproved", cluster_topic},
      {"SubscriptionRejected", cluster_topic},    {"SubscriptionSuspended", cluster_topic},
      {"SubscriptionReinstated", cluster_topic},  {"SubscriptionCancelled", cluster_topic},
      {"PrivateClusterCreated", cluster_topic},   {"EdgeEnrolled", cluster_topic},
      {"PeeringActivated", cluster_topic},        {"PeeringDeactivated", cluster_topic},
      {"ClusterRefreshRequested", cluster_topic}, {"EdgeDrainChanged", cluster_topic},
      {"TenantCreated", tenant_topic},            {"TenantBillingTierChanged", tenant_topic},
      {"PreferredClusterSet", tenant_topic},      {"EdgeSummaryReported", edge_topic},
      {"OfferingPublished", offering_topic},      {"OfferingUpdated", offering_topic},
      {"OfferingRetired", offering_topic},
  };
  return topics;
}

std::string key_field_of(std::string_view topic) {
  if (topic == fleetledger::events::tenant_topic) return "tenant_id";
  if (topic == fleetledger::events::offering_topic) return "provider_id";
  return "cluster_id";
}

}  // namespace

TEST_CASE("every payload type routes to its topic keyed by its aggregate id", "[envelope]") {
  const auto* oneof = Envelope::descriptor()->FindOneofByName("payload");
  fleetledger::testing::message_filler filler;
  CHECK(expected_topics().size() == static_cast<std::size_t>(oneof->field_count()));
  for (int i = 0; i < oneof->field_count(); ++i) {
    const auto* field = oneof->field(i);
    const std::string name = field->message_type()->name();
    INFO(name);
    const auto expected = expected_topics().find(name);
    REQUIRE(expected != expected_topics().end());
    Envelope env = fleetledger::events::make_envelope({.producer = "t"});
    auto* payload = env.GetReflection()->MutableMessage(&env, field);
    filler.fill(*payload);
    const auto* key_field = field->message_type()->FindFieldByName(key_field_of(expected->second));
    REQUIRE(key_field != nullptr);
    payload->GetReflection()->SetString(payload, key_field, "key-of-" + name);

    auto r = route(env);
    REQUIRE(r.has_value());
    CHECK(r->topic == expected->second);
    CHECK(r->key == "key-of-" + name);
    CHECK(fleetledger::events::find_topic(r->topic).has_value());
  }
}

TEST_CASE("route picks the documented topic and key for sample events", "[envelope]") {
  Envelope env = fleetledger::events::make_envelope({.producer = "t"});
  SECTION("EdgeEnrolled goes to the cluster topic where bootstrap tokens are decided") {
    env.mutable_edge_enrolled()->set_cluster_id("c-9");
    auto r = route(env);
    REQUIRE(r.has_value());
    CHECK(r->topic == "fleet.cluster.v1");
    CHECK(r->key == "c-9");
  }
  SECTION("EdgeSummaryReported goes to the edge topic keyed by cluster") {
    env.mutable_edge_summary_reported()->set_cluster_id("c-7");
    auto r = route(env);
    REQUIRE(r.has_value());
    CHECK(r->topic == "fleet.edge.v1");
    CHECK(r->key == "c-7");
  }
  SECTION("offerings are keyed by provider, not by offering") {
    env.mutable_offering_published()->set_provider_id("prov-1");
    env.mutable_offering_published()->set_offering_id("off-1");
    auto r = route(env);
    REQUIRE(r.has_value());
    CHECK(r->topic == "fleet.offering.v1");
    CHECK(r->key == "prov-1");
  }
  SECTION("PreferredClusterSet is keyed by tenant, not by the cluster it names") {
    env.mutable_preferred_cluster_set()->set_tenant_id("t-1");
    env.mutable_preferred_cluster_set()->set_cluster_id("c-1");
    auto r = route(env);
    REQUIRE(r.has_value());
    CHECK(r->topic == "fleet.tenant.v1");
    CHECK(r->key == "t-1");
  }
}

TEST_CASE("route refuses an envelope without payload or key", "[envelope]") {
  Envelope env = fleetledger::events::make_envelope({.producer = "t"});
  SECTION("no payload") {
    auto r = route(env);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.err().code == errc::invalid_argument);
    CHECK_THAT(r.err().message, Catch::Contains("without a payload"));
  }
  SECTION("empty key names the type and the field") {
    env.mutable_subscription_requested()->set_tenant_id("t-1");
    auto r = route(env);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.err().code == errc::invalid_argument);
    CHECK_THAT(r.err().message, Catch::Contains("SubscriptionRequested.cluster_id is empty"));
  }
}

TEST_CASE("payload_type_name is the message name of the payload", "[envelope]") {
  Envelope env;
  CHECK(fleetledger::events::payload_type_name(env).empty());
  env.mutable_cluster_registered();
  CHECK(fleetledger::events::payload_type_name(env) == "ClusterRegistered");
  env.mutable_offering_retired();
  CHECK(fleetledger::events::payload_type_name(env) == "OfferingRetired");
}

TEST_CASE("new event ids are lower-case version 7 UUIDs", "[envelope]") {
  for (int i = 0; i < 1000; ++i) {
    const std::string id = fleetledger::events::new_event_id().value();
    REQUIRE(id.size() == 36);
    REQUIRE(fleetledger::events::is_uuid(id));
    REQUIRE(id[14] == '7');
    REQUIRE(std::string_view("89ab").find(id[19]) != std::string_view::npos);
    for (const char c : id) REQUIRE_FALSE((c >= 'A' && c <= 'Z'));
  }
}

TEST_CASE("new event ids carry their creation time in milliseconds and sort by it", "[envelope]") {
  // The first 48 bits (12 hex digits around the first dash) are the Unix time in ms.
  const auto ms_of = [](const std::string& id) { return std::stoull(id.substr(0, 8) + id.substr(9, 4), nullptr, 16); };
  const auto now_ms = [] {
    return static_cast<unsigned long long>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                               std::chrono::system_clock::now().time_since_epoch())
                                               .count());
  };
  const auto before = now_ms();
  const std::string first = fleetledger::events::new_event_id().value();
  const auto after = now_ms();
  CHECK(ms_of(first) >= before);
  CHECK(ms_of(first) <= after);
  std::this_thread::sleep_for(std::chrono::milliseconds(2));
  const std::string second = fleetledger::events::new_event_id().value();
  CHECK(ms_of(second) > ms_of(first));
  CHECK(first < second);  // the text sorts as the time does (fixed width, lower-case hex)
}

TEST_CASE("new event ids are unique over 100k draws and across threads", "[envelope]") {
  std::set<std::string> seen;
  for (int i = 0; i < 100'000; ++i) seen.insert(fleetledger::events::new_event_id().value());
  CHECK(seen.size() == 100'000);

  std::vector<std::string> a, b;
  std::thread ta([&] { for (int i = 0; i < 10'000; ++i) a.push_back(fleetledger::events::new_event_id().value()); });
  std::thread tb([&] { for (int i = 0; i < 10'000; ++i) b.push_back(fleetledger::events::new_event_id().value()); });
  ta.join();
  tb.join();
  std::set<std::string> both(a.begin(), a.end());
  both.insert(b.begin(), b.end());
  CHECK(both.size() == 20'000);
}

TEST_CASE("is_uuid accepts only the 8-4-4-4-12 hex form", "[envelope]") {
  using fleetledger::events::is_uuid;
  CHECK(is_uuid("123e4567-e89b-42d3-a456-426614174000"));
  CHECK(is_uuid("123E4567-E89B-42D3-A456-426614174000"));
  CHECK_FALSE(is_uuid(""));
  CHECK_FALSE(is_uuid("x"));
  CHECK_FALSE(is_uuid("123e4567e89b42d3a456426614174000"));
  CHECK_FALSE(is_uuid("123e4567-e89b-42d3-a456-42661417400g"));
  CHECK_FALSE(is_uuid("123e4567-e89b-42d3-a456-4266141740000"));
  CHECK_FALSE(is_uuid("{23e4567-e89b-42d3-a456-42661417400}"));
}

TEST_CASE("make_envelope sets id time and metadata", "[envelope]") {
  const auto at = fleetledger::events::parse_rfc3339("2026-11-23T21:43:27.123Z");
  REQUIRE(at.has_value());
  SECTION("correlation defaults to the event id") {
    const Envelope env = fleetledger::events::make_envelope(
        {.producer = "fleetctl", .actor = "op-1", .correlation_id = "", .causation_id = "ev-0"}, *at);
    CHECK(fleetledger::events::is_uuid(env.event_id()));
    CHECK(env.correlation_id() == env.event_id());
    CHECK(env.producer() == "fleetctl");
    CHECK(env.actor() == "op-1");
    CHECK(env.causation_id() == "ev-0");
    CHECK(fleetledger::events::format_rfc3339(env.occurred_at()) == "2026-11-23T21:43:27.123Z");
    CHECK(env.payload_case() == Envelope::PAYLOAD_NOT_SET);
  }
  SECTION("an explicit correlation id is kept") {
    const Envelope env = fleetledger::events::make_envelope({.producer = "p", .correlation_id = "corr-1"});
    CHECK(env.correlation_id() == "corr-1");
    CHECK(env.has_occurred_at());
  }
  SECTION("two envelopes get different ids") {
    CHECK(fleetledger::events::make_envelope({}).event_id() != fleetledger::events::make_envelope({}).event_id());
  }
}

TEST_CASE("fill_envelope reuses an envelope with a new id each time and keeps its payload", "[envelope]") {
  Envelope env;
  env.mutable_offering_published()->set_provider_id("acme");
  fleetledger::events::fill_envelope(env, {.producer = "fleetctl", .actor = "op-1"});
  const std::string first = env.event_id();
  CHECK(fleetledger::events::is_uuid(first));
  CHECK(first[14] == '7');  // version 7
  CHECK(env.correlation_id() == first);
  CHECK(env.producer() == "fleetctl");
  CHECK(env.actor() == "op-1");
  fleetledger::events::fill_envelope(env, {.producer = "fleetctl", .correlation_id = "corr-1"});
  CHECK(env.event_id() != first);
  CHECK(fleetledger::events::is_uuid(env.event_id()));
  CHECK(env.correlation_id() == "corr-1");
  CHECK(env.actor().empty());
  CHECK(env.offering_published().provider_id() == "acme");
}

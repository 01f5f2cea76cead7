// Tenant network (official, preferred, effective, URLs) and the edge-scoring pool.
#include "marketplace_test_harness.hpp"

using namespace marketplace_test;

namespace {

// off: t1's official cluster (no domain of its own); pc: a PUBLIC cluster with domain example.net.
void build(harness& h) {
  auto off = registered("off", "platform", t0, v1::CLUSTER_CLASS_PLATFORM_OFFICIAL);
  REQUIRE(applied(h.apply(off)));
  auto pc = registered("pc", "owner", t0);
  pc.mutable_cluster_registered()->set_domain("example.net");
  REQUIRE(applied(h.apply(pc)));
  REQUIRE(applied(h.apply(marketplace("pc", {}, t0 + 1s))));
  REQUIRE(applied(h.apply(tier("t1", 2, "off", t0 + 2s), 1)));
}

}  // namespace

TEST_CASE("preferred cluster with an ACTIVE subscription is effective and both URL sets are returned",
          "[marketplace][network]") {
  harness h;
  build(h);
  REQUIRE(applied(h.apply(request("pc", "s1", "t1", t0 + 10s))));
  REQUIRE(applied(h.apply(prefer("t1", "pc", t0 + 11s), 1)));

  auto n = fm::tenant_network(h.reader(), "t1");
  REQUIRE(n);
  CHECK(n->official_cluster_id == std::optional<std::string>("off"));
  CHECK(n->preferred_cluster_id == std::optional<std::string>("pc"));
  CHECK(n->effective_cluster_id == std::optional<std::string>("pc"));
  CHECK_FALSE(n->preferred_fallback_reason);
  CHECK(n->tier_level == std::optional<std::int32_t>(2));
  REQUIRE(n->effective);
  CHECK(n->effective->ingest_url == "rtmp://edge-ingest.pc-name.example.net:1935/live/{stream_key}");
  CHECK(n->effective->playback_url == "https://foghorn.pc-name.example.net");
  REQUIRE(n->official);
  CHECK(n->official->ingest_url == "rtmp://edge-ingest.off-name.fleetledger.local:1935/live/{stream_key}");
  CHECK(n->official->playback_url == "https://foghorn.off-name.fleetledger.local");
  REQUIRE(n->subscribed_clusters.size() == 1);
  CHECK(n->subscribed_clusters[0].cluster_id == "pc");
  CHECK(n->subscribed_clusters[0].status == v1::SUBSCRIPTION_STATUS_ACTIVE);

  const auto j = fm::to_json(*n);
  CHECK(j.at("effective_cluster_id").as_string() == "pc");
  CHECK(j.at("subscribed_clusters").as_array().at(0).at("status").as_string() == "ACTIVE");
}

TEST_CASE("a suspended preferred cluster falls back to the official cluster", "[marketplace][network]") {
  harness h;
  build(h);
  REQUIRE(applied(h.apply(request("pc", "s1", "t1", t0 + 10s))));
  REQUIRE(applied(h.apply(prefer("t1", "pc", t0 + 11s), 1)));
  REQUIRE(applied(h.apply(suspend("pc", "s1", t0 + 20s))));

  auto n = fm::tenant_network(h.reader(), "t1", "corp.example");
  REQUIRE(n);
  CHECK(n->preferred_cluster_id == std::optional<std::string>("pc"));
  CHECK(n->effective_cluster_id == std::optional<std::string>("off"));
  CHECK(n->preferred_fallback_reason ==
        std::optional<std::string>("SUBSCRIPTION_NOT_ACTIVE: subscription s1 to pc is SUSPENDED"));
  REQUIRE(n->effective);
  // The reader's default domain applies to clusters without their own.
  CHECK(n->effective->ingest_url == "rtmp://edge-ingest.off-name.corp.example:1935/live/{stream_key}");
  CHECK_FALSE(n->official);  // same as effective
  CHECK(n->subscribed_clusters.at(0).status == v1::SUBSCRIPTION_STATUS_SUSPENDED);

  REQUIRE(applied(h.apply(reinstate("pc", "s1", t0 + 30s))));
  CHECK(fm::tenant_network(h.reader(), "t1")->effective_cluster_id == std::optional<std::string>("pc"));
}

TEST_CASE("preferred without a subscription is not effective unless it is the official cluster",
          "[marketplace][network]") {
  harness h;
  build(h);
  REQUIRE(applied(h.apply(prefer("t1", "pc", t0 + 11s), 1)));
  auto n = fm::tenant_network(h.reader(), "t1");
  CHECK(n->effective_cluster_id == std::optional<std::string>("off"));
  CHECK(n->preferred_fallback_reason == std::optional<std::string>("NOT_SUBSCRIBED: no subscription to preferred cluster pc"));

  REQUIRE(applied(h.apply(prefer("t1", "off", t0 + 12s), 1)));
  n = fm::tenant_network(h.reader(), "t1");
  CHECK(n->effective_cluster_id == std::optional<std::string>("off"));
  CHECK_FALSE(n->preferred_fallback_reason);
  CHECK_FALSE(fm::tenant_network(h.reader(), "nobody"));
}

TEST_CASE("network is the same whichever partition is applied first", "[marketplace][network]") {
  const auto events_cluster = std::vector<v1::Envelope>{request("pc", "s1", "t1", t0 + 10s)};
  const auto events_tenant = std::vector<v1::Envelope>{prefer("t1", "pc", t0 + 11s)};
  std::vector<std::string> results;
  for (int order = 0; order < 2; ++order) {
    harness h;
    build(h);
    if (order == 0) {
      for (auto& e : events_cluster) h.add(e, 0);
      for (auto& e : events_tenant) h.add(e, 1);
    } else {
      for (auto& e : events_tenant) h.add(e, 1);
      for (auto& e : events_cluster) h.add(e, 0);
    }
    h.flush();
    results.push_back(boost::json::serialize(fm::to_json(*fm::tenant_network(h.reader(), "t1"))));
  }
  CHECK(results[0] == results[1]);
  CHECK(results[0].find("\"effective_cluster_id\":\"pc\"") != std::string::npos);
}

TEST_CASE("pool holds official and effective always and other ACTIVE subscriptions only while peered",
          "[marketplace][network]") {
  harness h;
  build(h);
  for (const char* id : {"x1", "x2", "x3"}) {
    REQUIRE(applied(h.apply(registered(id, "owner", t0))));
    REQUIRE(applied(h.apply(marketplace(id, {}, t0 + 1s))));
  }
  REQUIRE(applied(h.apply(request("pc", "s-pc", "t1", t0 + 10s))));
  REQUIRE(applied(h.apply(request("x1", "s-x1", "t1", t0 + 10s))));  // ACTIVE, peered (2 streams)
  REQUIRE(applied(h.apply(request("x2", "s-x2", "t1", t0 + 10s))));  // ACTIVE, not peered
  REQUIRE(applied(h.apply(request("x3", "s-x3", "t1", t0 + 10s))));  // peered but SUSPENDED
  REQUIRE(applied(h.apply(suspend("x3", "s-x3", t0 + 11s))));
  REQUIRE(applied(h.apply(prefer("t1", "pc", t0 + 12s), 1)));
  REQUIRE(applied(h.apply(peering("x1", "t1", "cam-1", true, t0 + 20s))));
  REQUIRE(applied(h.apply(peering("x1", "t1", "cam-2", true, t0 + 21s))));
  REQUIRE(applied(h.apply(peering("x3", "t1", "cam-1", true, t0 + 22s))));
  REQUIRE(applied(h.apply(peering("pc", "t1", "cam-1", true, t0 + 23s))));  // home is never remote

  auto pool = fm::tenant_pool(h.reader(), "t1");
  CHECK(pool.home_cluster_id == "pc");
  CHECK(pool.official_cluster_id == "off");
  CHECK(pool.remote_cluster_ids == std::vector<std::string>{"off", "x1"});

  // One stream still peered keeps x1 in the pool; none removes it.
  REQUIRE(applied(h.apply(peering("x1", "t1", "cam-1", false, t0 + 30s))));
  CHECK(fm::tenant_pool(h.reader(), "t1").remote_cluster_ids == std::vector<std::string>{"off", "x1"});
  REQUIRE(applied(h.apply(peering("x1", "t1", "cam-2", false, t0 + 31s))));
  CHECK(fm::tenant_pool(h.reader(), "t1").remote_cluster_ids == std::vector<std::string>{"off"});

  // Suspending the preferred cluster makes the official one home; nothing is remote then.
  REQUIRE(applied(h.apply(suspend("pc", "s-pc", t0 + 40s))));
  pool = fm::tenant_pool(h.reader(), "t1");
  CHECK(pool.home_cluster_id == "off");
  CHECK(pool.remote_cluster_ids.empty());
}

// Owned-cluster cap (decided at read time over claims ordered by (occurred_at, event_id)) and the
// rejections query that merges apply-time and read-time refusals.
#include "marketplace_test_harness.hpp"

using namespace marketplace_test;

namespace {

std::vector<std::string> codes(const std::vector<fm::rejection_entry>& rs) {
  std::vector<std::string> out;
  for (const auto& r : rs) out.push_back(r.aggregate_id + ":" + fm::reason_code(r.reason));
  return out;
}

std::vector<std::string> owned_listing(const harness& h, const std::string& tenant) {
  return ids(fm::list_clusters(h.reader(), {.tenant_id = tenant}, t0 + 1h));
}

using strings = std::vector<std::string>;

}  // namespace

TEST_CASE("a tenant with no TenantCreated owns one private cluster", "[marketplace][ownership]") {
  harness h;
  REQUIRE(applied(h.apply(private_cluster("p1", "t1", t0 + 1s))));
  REQUIRE(applied(h.apply(private_cluster("p2", "t1", t0 + 2s))));  // applied: the cap is read-time
  CHECK(owned_listing(h, "t1") == strings{"p1"});
  CHECK_FALSE(fm::find_cluster(h.reader(), "p2", std::string_view("t1"), t0 + 1h));
  const auto rs = fm::list_rejections(h.reader());
  REQUIRE(rs.size() == 1);
  CHECK(rs[0].reason == "OWNED_CLUSTER_LIMIT: tenant t1 may own 1 private cluster(s); p2 is beyond the cap");
  CHECK(rs[0].event_type == "PrivateClusterCreated");
  CHECK(rs[0].occurred_at == t0 + 2s);
  CHECK(rs[0].decided_at_read);
}

TEST_CASE("private clusters beyond max_owned_clusters are not live whichever partition is applied first",
          "[marketplace][ownership]") {
  const std::vector<v1::Envelope> clusters = {
      private_cluster("p1", "t1", t0 + 1s),
      private_cluster("p2", "t1", t0 + 2s),
      private_cluster("p3", "t1", t0 + 3s),
  };
  const auto tenant = tenant_created("t1", false, 2, t0 + 10s);
  std::vector<std::string> listings;
  std::vector<std::string> rejections;
  for (int order = 0; order < 2; ++order) {
    harness h;
    if (order == 0) h.add(tenant, 0);
    for (std::size_t i = 0; i < clusters.size(); ++i) h.add(clusters[i], static_cast<int>(i));  // 3 partitions
    if (order == 1) h.add(tenant, 0);
    h.flush();
    CHECK(owned_listing(h, "t1") == strings{"p1", "p2"});
    CHECK(codes(fm::list_rejections(h.reader())) == strings{"p3:OWNED_CLUSTER_LIMIT"});
    std::string l;
    for (const auto& e : fm::list_clusters(h.reader(), {.tenant_id = std::string("t1")}, t0 + 1h)) {
      l += boost::json::serialize(fm::to_json(e));
    }
    listings.push_back(l);
    std::string r;
    for (const auto& e : fm::list_rejections(h.reader())) r += boost::json::serialize(fm::to_json(e));
    rejections.push_back(r);
  }
  CHECK(listings[0] == listings[1]);
  CHECK(rejections[0] == rejections[1]);
}

TEST_CASE("the same cap whether the tenant event or the clusters come first one by one", "[marketplace][ownership]") {
  // Tenant first: cap 2 known while the claims arrive. Clusters first: cap 1 assumed, then raised.
  auto run = [](bool tenant_first) {
    harness h;
    if (tenant_first) REQUIRE(applied(h.apply(tenant_created("t1", false, 2, t0 + 10s))));
    REQUIRE(applied(h.apply(private_cluster("p1", "t1", t0 + 1s), 1)));
    REQUIRE(applied(h.apply(private_cluster("p2", "t1", t0 + 2s), 2)));
    REQUIRE(applied(h.apply(private_cluster("p3", "t1", t0 + 3s), 1)));
    if (!tenant_first) REQUIRE(applied(h.apply(tenant_created("t1", false, 2, t0 + 10s))));
    return std::make_pair(owned_listing(h, "t1"), codes(fm::list_rejections(h.reader())));
  };
  const auto a = run(true);
  const auto b = run(false);
  CHECK(a == b);
  CHECK(a.first == strings{"p1", "p2"});
}

TEST_CASE("claims with the same occurred_at are ordered by event_id", "[marketplace][ownership]") {
  harness h;
  // Applied in reverse id order; the smaller event id is the earlier claim.
  REQUIRE(applied(h.apply(private_cluster("pa", "t1", t0 + 1s, uuid(2)), 0)));
  REQUIRE(applied(h.apply(private_cluster("pb", "t1", t0 + 1s, uuid(1)), 1)));
  CHECK(owned_listing(h, "t1") == strings{"pb"});
  CHECK(codes(fm::list_rejections(h.reader())) == strings{"pa:OWNED_CLUSTER_LIMIT"});
}

TEST_CASE("deleted private clusters do not count against the cap", "[marketplace][ownership]") {
  harness h;
  REQUIRE(applied(h.apply(private_cluster("p1", "t1", t0 + 1s))));
  REQUIRE(applied(h.apply(private_cluster("p2", "t1", t0 + 2s), 1)));
  CHECK(owned_listing(h, "t1") == strings{"p1"});
  REQUIRE(applied(h.apply(deleted("p1", t0 + 3s))));
  CHECK(owned_listing(h, "t1") == strings{"p2"});
  CHECK(fm::list_rejections(h.reader()).empty());
}

TEST_CASE("providers have no cap and registered TENANT_PRIVATE clusters count too", "[marketplace][ownership]") {
  harness h;
  REQUIRE(applied(h.apply(tenant_created("prov", true, std::nullopt, t0))));
  for (int i = 1; i <= 3; ++i) {
    REQUIRE(applied(h.apply(private_cluster("q" + std::to_string(i), "prov", t0 + std::chrono::seconds(i)))));
  }
  CHECK(owned_listing(h, "prov") == strings{"q1", "q2", "q3"});

  REQUIRE(applied(h.apply(registered("r1", "t2", t0 + 1s, v1::CLUSTER_CLASS_TENANT_PRIVATE))));
  REQUIRE(applied(h.apply(registered("r2", "t2", t0 + 2s, v1::CLUSTER_CLASS_TENANT_PRIVATE))));
  REQUIRE(applied(h.apply(registered("r3", "t2", t0 + 3s))));  // marketplace class: not capped
  CHECK(owned_listing(h, "t2") == strings{"r1", "r3"});
  CHECK(codes(fm::list_rejections(h.reader())) == strings{"r2:OWNED_CLUSTER_LIMIT"});
}

TEST_CASE("rejections merge apply-time and read-time refusals oldest first and honour since",
          "[marketplace][ownership]") {
  harness h;
  REQUIRE(applied(h.apply(registered("c1", "owner", t0))));
  REQUIRE(applied(h.apply(marketplace("c1", {.approval = true}, t0 + 1s))));
  REQUIRE(applied(h.apply(request("c1", "s1", "t1", t0 + 2s))));
  REQUIRE(applied(h.apply(private_cluster("p1", "t1", t0 + 3s), 1)));
  REQUIRE(h.apply(approve("c1", "s1", "t1", "t1", t0 + 4s)).what == fp::verdict::rejected);  // NOT_OWNER
  REQUIRE(applied(h.apply(private_cluster("p2", "t1", t0 + 5s), 1)));                       // over the cap
  REQUIRE(h.apply(request("ghost", "s9", "t1", t0 + 6s)).what == fp::verdict::rejected);     // CLUSTER_NOT_FOUND

  const auto all = fm::list_rejections(h.reader());
  CHECK(codes(all) == strings{"c1:NOT_OWNER", "p2:OWNED_CLUSTER_LIMIT", "ghost:CLUSTER_NOT_FOUND"});
  CHECK_FALSE(all[0].decided_at_read);
  CHECK(all[0].event_type == "SubscriptionApproved");
  CHECK(all[0].actor == "t1");
  CHECK(codes(fm::list_rejections(h.reader(), t0 + 5s)) == strings{"p2:OWNED_CLUSTER_LIMIT", "ghost:CLUSTER_NOT_FOUND"});
  CHECK(codes(fm::list_rejections(h.reader(), t0 + 7s)).empty());

  const auto j = fm::to_json(all[1]);
  CHECK(j.at("code").as_string() == "OWNED_CLUSTER_LIMIT");
  CHECK(j.at("occurred_at").as_string() == "2025-01-01T00:00:05Z");
  CHECK(j.at("decided_at").as_string() == "read");
}

TEST_CASE("transferring a private cluster moves its claim to the new owner", "[marketplace][ownership]") {
  harness h;
  REQUIRE(applied(h.apply(private_cluster("p1", "t1", t0 + 1s))));
  REQUIRE(applied(h.apply(private_cluster("p2", "t1", t0 + 2s), 1)));
  CHECK(owned_listing(h, "t1") == strings{"p1"});
  auto transfer = envelope(t0 + 3s);
  transfer.mutable_cluster_updated()->set_cluster_id("p1");
  transfer.mutable_cluster_updated()->mutable_update_mask()->add_paths("owner_tenant_id");
  transfer.mutable_cluster_updated()->set_owner_tenant_id("t2");
  REQUIRE(applied(h.apply(transfer)));
  CHECK(owned_listing(h, "t1") == strings{"p2"});
  CHECK(owned_listing(h, "t2") == strings{"p1"});
  CHECK(fm::list_rejections(h.reader()).empty());
}

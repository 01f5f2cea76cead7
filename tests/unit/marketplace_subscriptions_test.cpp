// Subscription lifecycle rules of the marketplace view (DESIGN.md section 4).
#include "marketplace_test_harness.hpp"

using namespace marketplace_test;

namespace {

// c1 owned by "owner", on the marketplace with the given approval rule; PUBLIC so no invite is needed.
void open_cluster(harness& h, bool approval, v1::PricingModel pricing = v1::PRICING_MODEL_FREE_UNMETERED) {
  REQUIRE(applied(h.apply(registered("c1", "owner", t0))));
  REQUIRE(applied(h.apply(marketplace("c1", {.pricing = pricing, .approval = approval}, t0 + 1s))));
}

}  // namespace

TEST_CASE("request on a cluster without approval becomes ACTIVE", "[marketplace][subscriptions]") {
  harness h;
  open_cluster(h, false);
  CHECK(applied(h.apply(request("c1", "s1", "t1", t0 + 10s))));
  CHECK(h.status("c1", "s1") == v1::SUBSCRIPTION_STATUS_ACTIVE);
}

TEST_CASE("request on a cluster that requires approval becomes PENDING_APPROVAL", "[marketplace][subscriptions]") {
  harness h;
  open_cluster(h, true);
  CHECK(applied(h.apply(request("c1", "s1", "t1", t0 + 10s))));
  CHECK(h.status("c1", "s1") == v1::SUBSCRIPTION_STATUS_PENDING_APPROVAL);
}

TEST_CASE("owner approval moves PENDING_APPROVAL to ACTIVE", "[marketplace][subscriptions]") {
  harness h;
  open_cluster(h, true);
  REQUIRE(applied(h.apply(request("c1", "s1", "t1", t0 + 10s))));
  CHECK(applied(h.apply(approve("c1", "s1", "owner", "owner", t0 + 20s))));
  CHECK(h.status("c1", "s1") == v1::SUBSCRIPTION_STATUS_ACTIVE);
  auto subs = fm::list_subscriptions(h.reader(), "c1", {});
  REQUIRE(subs);
  REQUIRE(subs->size() == 1);
  CHECK(subs->front().approved_by == std::optional<std::string>("owner"));
  CHECK(subs->front().updated_at == t0 + 20s);
}

TEST_CASE("owner rejection moves PENDING_APPROVAL to REJECTED", "[marketplace][subscriptions]") {
  harness h;
  open_cluster(h, true);
  REQUIRE(applied(h.apply(request("c1", "s1", "t1", t0 + 10s))));
  CHECK(applied(h.apply(reject("c1", "s1", "owner", "owner", t0 + 20s))));
  CHECK(h.status("c1", "s1") == v1::SUBSCRIPTION_STATUS_REJECTED);
}

TEST_CASE("suspend then reinstate moves ACTIVE to SUSPENDED and back", "[marketplace][subscriptions]") {
  harness h;
  open_cluster(h, false);
  REQUIRE(applied(h.apply(request("c1", "s1", "t1", t0 + 10s))));
  CHECK(applied(h.apply(suspend("c1", "s1", t0 + 20s))));
  CHECK(h.status("c1", "s1") == v1::SUBSCRIPTION_STATUS_SUSPENDED);
  CHECK(applied(h.apply(reinstate("c1", "s1", t0 + 30s))));
  CHECK(h.status("c1", "s1") == v1::SUBSCRIPTION_STATUS_ACTIVE);
}

TEST_CASE("the tenant cancels from PENDING_APPROVAL and ACTIVE and SUSPENDED", "[marketplace][subscriptions]") {
  harness h;
  open_cluster(h, true);
  REQUIRE(applied(h.apply(request("c1", "pending", "t1", t0 + 10s))));
  REQUIRE(applied(h.apply(request("c1", "active", "t2", t0 + 11s))));
  REQUIRE(applied(h.apply(approve("c1", "active", "owner", "owner", t0 + 12s))));
  REQUIRE(applied(h.apply(request("c1", "suspended", "t3", t0 + 13s))));
  REQUIRE(applied(h.apply(approve("c1", "suspended", "owner", "owner", t0 + 14s))));
  REQUIRE(applied(h.apply(suspend("c1", "suspended", t0 + 15s))));

  CHECK(applied(h.apply(cancel("c1", "pending", "t1", t0 + 20s))));
  CHECK(applied(h.apply(cancel("c1", "active", "t2", t0 + 21s))));
  CHECK(applied(h.apply(cancel("c1", "suspended", "t3", t0 + 22s))));
  CHECK(h.status("c1", "pending") == v1::SUBSCRIPTION_STATUS_CANCELLED);
  CHECK(h.status("c1", "active") == v1::SUBSCRIPTION_STATUS_CANCELLED);
  CHECK(h.status("c1", "suspended") == v1::SUBSCRIPTION_STATUS_CANCELLED);
}

TEST_CASE("invalid transitions are rejected and change nothing", "[marketplace][subscriptions]") {
  harness h;
  open_cluster(h, true);
  REQUIRE(applied(h.apply(request("c1", "s1", "t1", t0 + 10s))));  // PENDING_APPROVAL

  // PENDING_APPROVAL cannot be suspended or reinstated.
  CHECK(h.apply(suspend("c1", "s1", t0 + 11s)).reason == "INVALID_TRANSITION: PENDING_APPROVAL -> SUSPENDED");
  CHECK(h.apply(reinstate("c1", "s1", t0 + 12s)).reason == "INVALID_TRANSITION: PENDING_APPROVAL -> ACTIVE");

  REQUIRE(applied(h.apply(approve("c1", "s1", "owner", "owner", t0 + 20s))));  // ACTIVE
  CHECK(h.apply(approve("c1", "s1", "owner", "owner", t0 + 21s)).reason == "INVALID_TRANSITION: ACTIVE -> ACTIVE");
  CHECK(h.apply(reject("c1", "s1", "owner", "owner", t0 + 22s)).reason == "INVALID_TRANSITION: ACTIVE -> REJECTED");
  CHECK(h.apply(reinstate("c1", "s1", t0 + 23s)).reason == "INVALID_TRANSITION: ACTIVE -> ACTIVE");

  REQUIRE(applied(h.apply(suspend("c1", "s1", t0 + 30s))));  // SUSPENDED
  CHECK(h.apply(suspend("c1", "s1", t0 + 31s)).reason == "INVALID_TRANSITION: SUSPENDED -> SUSPENDED");
  CHECK(h.apply(approve("c1", "s1", "owner", "owner", t0 + 32s)).reason ==
        "INVALID_TRANSITION: SUSPENDED -> ACTIVE");

  REQUIRE(applied(h.apply(cancel("c1", "s1", "t1", t0 + 40s))));  // CANCELLED, final
  CHECK(h.apply(cancel("c1", "s1", "t1", t0 + 41s)).reason == "INVALID_TRANSITION: CANCELLED -> CANCELLED");
  CHECK(h.apply(reinstate("c1", "s1", t0 + 42s)).reason == "INVALID_TRANSITION: CANCELLED -> ACTIVE");
  CHECK(h.status("c1", "s1") == v1::SUBSCRIPTION_STATUS_CANCELLED);
}

TEST_CASE("REJECTED is final", "[marketplace][subscriptions]") {
  harness h;
  open_cluster(h, true);
  REQUIRE(applied(h.apply(request("c1", "s1", "t1", t0 + 10s))));
  REQUIRE(applied(h.apply(reject("c1", "s1", "owner", "owner", t0 + 11s))));
  CHECK(h.apply(approve("c1", "s1", "owner", "owner", t0 + 12s)).reason == "INVALID_TRANSITION: REJECTED -> ACTIVE");
  CHECK(h.apply(cancel("c1", "s1", "t1", t0 + 13s)).reason == "INVALID_TRANSITION: REJECTED -> CANCELLED");
  CHECK(h.status("c1", "s1") == v1::SUBSCRIPTION_STATUS_REJECTED);
}

TEST_CASE("approval whose approved_by is not the owner is refused", "[marketplace][subscriptions]") {
  harness h;
  open_cluster(h, true);
  REQUIRE(applied(h.apply(request("c1", "s1", "t1", t0 + 10s))));
  const auto o = h.apply(approve("c1", "s1", "mallory", "mallory", t0 + 11s));
  CHECK(o.what == fp::verdict::rejected);
  CHECK(o.reason == "NOT_OWNER: approved_by 'mallory' is not the owner owner of cluster c1");
  CHECK(h.status("c1", "s1") == v1::SUBSCRIPTION_STATUS_PENDING_APPROVAL);
}

TEST_CASE("approval naming the owner but sent by another actor is refused", "[marketplace][subscriptions]") {
  harness h;
  open_cluster(h, true);
  REQUIRE(applied(h.apply(request("c1", "s1", "t1", t0 + 10s))));
  const auto o = h.apply(approve("c1", "s1", "owner", "t1", t0 + 11s));
  CHECK(o.reason == "NOT_OWNER: actor 't1' is not the owner owner of cluster c1");
  CHECK(h.status("c1", "s1") == v1::SUBSCRIPTION_STATUS_PENDING_APPROVAL);
}

TEST_CASE("rejection by a non-owner is refused", "[marketplace][subscriptions]") {
  harness h;
  open_cluster(h, true);
  REQUIRE(applied(h.apply(request("c1", "s1", "t1", t0 + 10s))));
  CHECK(rejected_with(h.apply(reject("c1", "s1", "t1", "t1", t0 + 11s)), "NOT_OWNER: rejected_by 't1'"));
  CHECK(rejected_with(h.apply(reject("c1", "s1", "owner", "t1", t0 + 12s)), "NOT_OWNER: actor 't1'"));
  CHECK(h.status("c1", "s1") == v1::SUBSCRIPTION_STATUS_PENDING_APPROVAL);
}

TEST_CASE("cancellation by another tenant is refused", "[marketplace][subscriptions]") {
  harness h;
  open_cluster(h, false);
  REQUIRE(applied(h.apply(request("c1", "s1", "t1", t0 + 10s))));
  CHECK(h.apply(cancel("c1", "s1", "t2", t0 + 11s)).reason == "NOT_SUBSCRIBER: tenant 't2' does not hold subscription s1");
  CHECK(h.status("c1", "s1") == v1::SUBSCRIPTION_STATUS_ACTIVE);
}

TEST_CASE("events for an unknown subscription are refused", "[marketplace][subscriptions]") {
  harness h;
  open_cluster(h, true);
  CHECK(h.apply(approve("c1", "nope", "owner", "owner", t0 + 10s)).reason ==
        "SUBSCRIPTION_NOT_FOUND: subscription nope of cluster c1");
  CHECK(rejected_with(h.apply(suspend("c1", "nope", t0 + 11s)), "SUBSCRIPTION_NOT_FOUND"));
  CHECK(rejected_with(h.apply(cancel("c1", "nope", "t1", t0 + 12s)), "SUBSCRIPTION_NOT_FOUND"));
}

TEST_CASE("a duplicate subscription_id is refused", "[marketplace][subscriptions]") {
  harness h;
  open_cluster(h, false);
  REQUIRE(applied(h.apply(request("c1", "s1", "t1", t0 + 10s))));
  CHECK(rejected_with(h.apply(request("c1", "s1", "t2", t0 + 11s)), "DUPLICATE_SUBSCRIPTION"));
  auto subs = fm::list_subscriptions(h.reader(), "c1", {});
  REQUIRE(subs->size() == 1);
  CHECK(subs->front().tenant_id == "t1");
}

TEST_CASE("a tenant with an ACTIVE or PENDING subscription cannot ask again", "[marketplace][subscriptions]") {
  harness h;
  open_cluster(h, true);
  REQUIRE(applied(h.apply(request("c1", "s1", "t1", t0 + 10s))));
  CHECK(h.apply(request("c1", "s2", "t1", t0 + 11s)).reason ==
        "ALREADY_SUBSCRIBED: tenant t1 has subscription s1 (PENDING_APPROVAL) to cluster c1");
  REQUIRE(applied(h.apply(approve("c1", "s1", "owner", "owner", t0 + 12s))));
  CHECK(rejected_with(h.apply(request("c1", "s3", "t1", t0 + 13s)), "ALREADY_SUBSCRIBED"));
  // After cancelling, a new request is fine.
  REQUIRE(applied(h.apply(cancel("c1", "s1", "t1", t0 + 14s))));
  CHECK(applied(h.apply(request("c1", "s4", "t1", t0 + 15s))));
  CHECK(h.status("c1", "s4") == v1::SUBSCRIPTION_STATUS_PENDING_APPROVAL);
}

TEST_CASE("a suspended tenant cannot escape the suspension by asking again", "[marketplace][subscriptions]") {
  harness h;
  open_cluster(h, false);
  REQUIRE(applied(h.apply(request("c1", "s1", "t1", t0 + 10s))));
  REQUIRE(applied(h.apply(suspend("c1", "s1", t0 + 11s))));
  CHECK(rejected_with(h.apply(request("c1", "s2", "t1", t0 + 12s)), "ALREADY_SUBSCRIBED"));
}

TEST_CASE("MONTHLY with requires_approval goes through PENDING_APPROVAL then ACTIVE", "[marketplace][subscriptions]") {
  harness h;
  REQUIRE(applied(h.apply(registered("c1", "owner", t0))));
  REQUIRE(applied(h.apply(marketplace(
      "c1", {.pricing = v1::PRICING_MODEL_MONTHLY, .approval = true, .monthly_price_cents = 4900}, t0 + 1s))));
  REQUIRE(applied(h.apply(request("c1", "s1", "t1", t0 + 10s))));
  CHECK(h.status("c1", "s1") == v1::SUBSCRIPTION_STATUS_PENDING_APPROVAL);
  REQUIRE(applied(h.apply(approve("c1", "s1", "owner", "owner", t0 + 20s))));
  CHECK(h.status("c1", "s1") == v1::SUBSCRIPTION_STATUS_ACTIVE);
}

TEST_CASE("requests for unknown or deleted clusters are refused", "[marketplace][subscriptions]") {
  harness h;
  CHECK(h.apply(request("ghost", "s1", "t1", t0)).reason == "CLUSTER_NOT_FOUND: cluster ghost is not registered");
  open_cluster(h, false);
  REQUIRE(applied(h.apply(deleted("c1", t0 + 5s))));
  CHECK(h.apply(request("c1", "s1", "t1", t0 + 10s)).reason == "CLUSTER_DELETED: cluster c1 is deleted");
}

TEST_CASE("a request without subscription_id or tenant_id is malformed", "[marketplace][subscriptions]") {
  harness h;
  open_cluster(h, false);
  auto no_tenant = request("c1", "s1", "", t0 + 10s);
  CHECK(h.apply(no_tenant).what == fp::verdict::malformed);
  auto no_sub = request("c1", "", "t1", t0 + 11s);
  CHECK(h.apply(no_sub).what == fp::verdict::malformed);
  CHECK(fm::list_subscriptions(h.reader(), "c1", {})->empty());
}

TEST_CASE("subscriptions query filters by status in any case", "[marketplace][subscriptions]") {
  harness h;
  open_cluster(h, true);
  REQUIRE(applied(h.apply(request("c1", "s-b", "t1", t0 + 10s))));
  REQUIRE(applied(h.apply(request("c1", "s-a", "t2", t0 + 11s))));
  REQUIRE(applied(h.apply(approve("c1", "s-a", "owner", "owner", t0 + 12s))));

  const auto pending = fm::parse_subscription_status("pending");
  REQUIRE(pending == v1::SUBSCRIPTION_STATUS_PENDING_APPROVAL);
  CHECK(fm::parse_subscription_status("Pending_Approval") == v1::SUBSCRIPTION_STATUS_PENDING_APPROVAL);
  CHECK(fm::parse_subscription_status("active") == v1::SUBSCRIPTION_STATUS_ACTIVE);
  CHECK_FALSE(fm::parse_subscription_status("bogus"));

  auto p = fm::list_subscriptions(h.reader(), "c1", {.status = pending});
  REQUIRE(p->size() == 1);
  CHECK(p->front().subscription_id == "s-b");
  // Ordered by requested_at, not by id.
  auto all = fm::list_subscriptions(h.reader(), "c1", {});
  REQUIRE(all->size() == 2);
  CHECK(all->at(0).subscription_id == "s-b");
  CHECK(all->at(1).subscription_id == "s-a");
  auto of_t2 = fm::list_subscriptions(h.reader(), "c1", {.tenant_id = std::string("t2")});
  REQUIRE(of_t2->size() == 1);
  CHECK(of_t2->front().tenant_id == "t2");
  CHECK_FALSE(fm::list_subscriptions(h.reader(), "ghost", {}));

  const auto json = fm::to_json(all->at(1));
  CHECK(json.at("status").as_string() == "ACTIVE");
  CHECK(json.at("requested_at").as_string() == "2025-01-01T00:00:11Z");
}

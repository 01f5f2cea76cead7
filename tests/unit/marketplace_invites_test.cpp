// Invite rules for PRIVATE and UNLISTED clusters (DESIGN.md section 4).
#include "marketplace_test_harness.hpp"

using namespace marketplace_test;

namespace {

const std::string tok_a(64, 'a');
const std::string tok_b(64, 'b');

void private_cluster_on_market(harness& h, v1::Visibility vis = v1::VISIBILITY_PRIVATE) {
  REQUIRE(applied(h.apply(registered("c1", "owner", t0))));
  REQUIRE(applied(h.apply(marketplace("c1", {.visibility = vis}, t0 + 1s))));
}

int uses_of(const harness& h, const std::string& invite_id) {
  auto invites = fm::list_invites(h.reader(), "c1", t0);
  REQUIRE(invites);
  for (const auto& i : *invites) {
    if (i.invite_id == invite_id) return i.uses;
  }
  FAIL("no invite " << invite_id);
  return -1;
}

}  // namespace

TEST_CASE("a PRIVATE cluster refuses a request without an invite", "[marketplace][invites]") {
  harness h;
  private_cluster_on_market(h);
  CHECK(h.apply(request("c1", "s1", "t1", t0 + 10s)).reason == "INVITE_REQUIRED: cluster c1 is PRIVATE");
  CHECK(h.status("c1", "s1") == v1::SUBSCRIPTION_STATUS_UNSPECIFIED);
}

TEST_CASE("a cluster never put on the marketplace is PRIVATE", "[marketplace][invites]") {
  harness h;
  REQUIRE(applied(h.apply(registered("c1", "owner", t0))));
  CHECK(rejected_with(h.apply(request("c1", "s1", "t1", t0 + 10s)), "INVITE_REQUIRED"));
}

TEST_CASE("an unknown invite token is refused", "[marketplace][invites]") {
  harness h;
  private_cluster_on_market(h);
  REQUIRE(applied(h.apply(invite("c1", "i1", tok_a, t0 + 2s))));
  CHECK(rejected_with(h.apply(request("c1", "s1", "t1", t0 + 10s, tok_b)), "INVITE_NOT_FOUND"));
}

TEST_CASE("a valid invite admits the request and uses one use", "[marketplace][invites]") {
  harness h;
  private_cluster_on_market(h);
  REQUIRE(applied(h.apply(invite("c1", "i1", tok_a, t0 + 2s, t0 + 1h, 2))));
  CHECK(applied(h.apply(request("c1", "s1", "t1", t0 + 10s, tok_a))));
  CHECK(h.status("c1", "s1") == v1::SUBSCRIPTION_STATUS_ACTIVE);
  CHECK(uses_of(h, "i1") == 1);
  auto subs = fm::list_subscriptions(h.reader(), "c1", {});
  CHECK(subs->front().invite_id == std::optional<std::string>("i1"));
  // Token hashes compare case-insensitively (hex).
  CHECK(applied(h.apply(request("c1", "s2", "t2", t0 + 11s, std::string(64, 'A')))));
  CHECK(uses_of(h, "i1") == 2);
}

TEST_CASE("an invite with all uses taken is refused", "[marketplace][invites]") {
  harness h;
  private_cluster_on_market(h);
  REQUIRE(applied(h.apply(invite("c1", "i1", tok_a, t0 + 2s, std::nullopt, 1))));
  REQUIRE(applied(h.apply(request("c1", "s1", "t1", t0 + 10s, tok_a))));
  CHECK(h.apply(request("c1", "s2", "t2", t0 + 11s, tok_a)).reason ==
        "INVITE_EXHAUSTED: invite i1 has been used 1 of 1 times");
  CHECK(uses_of(h, "i1") == 1);
}

TEST_CASE("max_uses 0 means unlimited", "[marketplace][invites]") {
  harness h;
  private_cluster_on_market(h);
  REQUIRE(applied(h.apply(invite("c1", "i1", tok_a, t0 + 2s))));
  for (int i = 0; i < 5; ++i) {
    CHECK(applied(h.apply(request("c1", "s" + std::to_string(i), "t" + std::to_string(i), t0 + 10s, tok_a))));
  }
  CHECK(uses_of(h, "i1") == 5);
}

TEST_CASE("an invite is expired when the request occurred after expires_at", "[marketplace][invites]") {
  harness h;
  private_cluster_on_market(h);
  REQUIRE(applied(h.apply(invite("c1", "i1", tok_a, t0 + 2s, t0 + 1h))));
  // At exactly expires_at it is still valid; one second later it is not.
  CHECK(applied(h.apply(request("c1", "s1", "t1", t0 + 1h, tok_a))));
  CHECK(h.apply(request("c1", "s2", "t2", t0 + 1h + 1s, tok_a)).reason ==
        "INVITE_EXPIRED: invite i1 expired at 2025-01-01T01:00:00Z");
  CHECK(uses_of(h, "i1") == 1);
}

TEST_CASE("a revoked invite is refused", "[marketplace][invites]") {
  harness h;
  private_cluster_on_market(h);
  REQUIRE(applied(h.apply(invite("c1", "i1", tok_a, t0 + 2s))));
  REQUIRE(applied(h.apply(revoke("c1", "i1", t0 + 3s))));
  CHECK(h.apply(request("c1", "s1", "t1", t0 + 10s, tok_a)).reason == "INVITE_REVOKED: invite i1 was revoked");
  CHECK(rejected_with(h.apply(revoke("c1", "i1", t0 + 11s)), "INVITE_ALREADY_REVOKED"));
  CHECK(rejected_with(h.apply(revoke("c1", "nope", t0 + 12s)), "INVITE_NOT_FOUND"));
}

TEST_CASE("an invite targeted at another tenant is refused", "[marketplace][invites]") {
  harness h;
  private_cluster_on_market(h);
  REQUIRE(applied(h.apply(invite("c1", "i1", tok_a, t0 + 2s, std::nullopt, 0, std::string("t1")))));
  CHECK(h.apply(request("c1", "s1", "t2", t0 + 10s, tok_a)).reason ==
        "INVITE_WRONG_TENANT: invite i1 is for another tenant");
  CHECK(uses_of(h, "i1") == 0);
  CHECK(applied(h.apply(request("c1", "s2", "t1", t0 + 11s, tok_a))));
  CHECK(uses_of(h, "i1") == 1);
}

TEST_CASE("the owner subscribes to its own PRIVATE cluster without an invite", "[marketplace][invites]") {
  harness h;
  private_cluster_on_market(h);
  CHECK(applied(h.apply(request("c1", "s1", "owner", t0 + 10s))));
  CHECK(h.status("c1", "s1") == v1::SUBSCRIPTION_STATUS_ACTIVE);
}

TEST_CASE("UNLISTED needs no invite and a token sent along is not used", "[marketplace][invites]") {
  harness h;
  private_cluster_on_market(h, v1::VISIBILITY_UNLISTED);
  REQUIRE(applied(h.apply(invite("c1", "i1", tok_a, t0 + 2s, std::nullopt, 1))));
  CHECK(applied(h.apply(request("c1", "s1", "t1", t0 + 10s))));
  CHECK(applied(h.apply(request("c1", "s2", "t2", t0 + 11s, tok_a))));
  CHECK(uses_of(h, "i1") == 0);
}

TEST_CASE("duplicate invites and invites for unknown clusters are refused", "[marketplace][invites]") {
  harness h;
  CHECK(rejected_with(h.apply(invite("ghost", "i1", tok_a, t0)), "CLUSTER_NOT_FOUND"));
  private_cluster_on_market(h);
  REQUIRE(applied(h.apply(invite("c1", "i1", tok_a, t0 + 2s))));
  CHECK(rejected_with(h.apply(invite("c1", "i1", tok_b, t0 + 3s)), "DUPLICATE_INVITE:"));
  CHECK(rejected_with(h.apply(invite("c1", "i2", tok_a, t0 + 4s)), "DUPLICATE_INVITE_TOKEN"));
  CHECK(rejected_with(h.apply(invite("c1", "i3", tok_b, t0 + 5s, std::nullopt, -1)), "INVALID_MAX_USES"));
  CHECK(h.apply(invite("c1", "", tok_b, t0 + 6s)).what == fp::verdict::malformed);
}

TEST_CASE("invites query shows uses and expiry at read time and never the token hash", "[marketplace][invites]") {
  harness h;
  private_cluster_on_market(h);
  REQUIRE(applied(h.apply(invite("c1", "i1", tok_a, t0 + 2s, t0 + 1h, 3, std::string("t1")))));
  REQUIRE(applied(h.apply(invite("c1", "i2", tok_b, t0 + 3s))));
  REQUIRE(applied(h.apply(revoke("c1", "i2", t0 + 4s))));
  REQUIRE(applied(h.apply(request("c1", "s1", "t1", t0 + 10s, tok_a))));

  auto before = fm::list_invites(h.reader(), "c1", t0 + 30min);
  REQUIRE(before->size() == 2);
  const auto& i1 = before->at(0);
  CHECK(i1.invite_id == "i1");
  CHECK(i1.target_tenant_id == std::optional<std::string>("t1"));
  CHECK(i1.max_uses == 3);
  CHECK(i1.uses == 1);
  CHECK_FALSE(i1.revoked);
  CHECK_FALSE(i1.expired);
  CHECK(before->at(1).revoked);
  CHECK(before->at(1).revoked_at == std::optional<time_point>(t0 + 4s));

  auto after = fm::list_invites(h.reader(), "c1", t0 + 2h);
  CHECK(after->at(0).expired);
  CHECK_FALSE(after->at(1).expired);  // never expires

  const auto json = boost::json::serialize(fm::to_json(i1));
  CHECK(json.find(tok_a) == std::string::npos);
  CHECK(json.find("token") == std::string::npos);
  CHECK(fm::to_json(i1).at("expires_at").as_string() == "2025-01-01T01:00:00Z");
  CHECK_FALSE(fm::list_invites(h.reader(), "ghost", t0));
}

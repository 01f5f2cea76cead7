// --auth-tokens: the token file, 401 without a known token, and what a tenant token may read.
#include <catch2/catch.hpp>

#include "fleetledger/reader/query_string.hpp"
#include "reader_test_harness.hpp"

using namespace reader_test;
using namespace std::chrono_literals;

namespace {

const std::string tokens =
    "# token role [tenant_id]\n"
    "op-token operator\n"
    "an-token analyst   # read-only everything\n"
    "\n"
    "t1-token tenant t1\n"
    "t2-token tenant t2\n";

void seed(views_fixture& f) {
  f.publish(mt::tenant_created("t1", true, std::nullopt, mt::t0));
  f.publish(mt::tenant_created("t2", false, std::nullopt, mt::t0), 1);
  f.publish(mt::registered("c1", "t1", mt::t0 + 1s));
  f.publish(mt::marketplace("c1", {}, mt::t0 + 2s));
  f.publish(mt::registered("c2", "t2", mt::t0 + 1s), 1);
  f.publish(mt::marketplace("c2", {.visibility = v1::VISIBILITY_PRIVATE}, mt::t0 + 2s), 1);
  f.publish(mt::request("c1", "s1", "t2", mt::t0 + 3s));
  f.publish(mt::request("c1", "s2", "t3", mt::t0 + 4s));
  f.publish(mt::tier("t2", 1, "c1", mt::t0 + 3s), 1);
}

}  // namespace

TEST_CASE("token files name the bad line", "[reader]") {
  CHECK(fr::token_table::parse(tokens).value().size() == 4);
  const auto role = fr::token_table::parse("a operator\nb admin\n");
  REQUIRE_FALSE(role.has_value());
  CHECK(role.err().message.find("line 2") == 0);
  CHECK_FALSE(fr::token_table::parse("a tenant\n").has_value());
  CHECK_FALSE(fr::token_table::parse("a operator\na analyst\n").has_value());
  CHECK_FALSE(fr::token_table::parse("lonely\n").has_value());
  CHECK_FALSE(fr::token_table::parse("a operator t1\n").has_value());
  const auto t = fr::token_table::parse(tokens).value();
  CHECK(t.authenticate("Bearer t1-token")->tenant_id == "t1");
  CHECK(t.authenticate("bearer  op-token ") != nullptr);
  CHECK(t.authenticate("Basic op-token") == nullptr);
  CHECK(t.authenticate("Bearer") == nullptr);
}

TEST_CASE("with auth tokens every v1 request needs a known bearer token", "[reader]") {
  reader_fixture f(tokens);
  seed(f);
  f.sync();
  CHECK(f.get("/v1/clusters").status == 401);
  CHECK(f.get("/v1/clusters").code() == "UNAUTHENTICATED");
  CHECK(f.get("/v1/clusters", "wrong").code() == "UNAUTHENTICATED");
  CHECK(f.get("/v1/no-such-route").status == 401);
  CHECK(f.get("/v1/clusters", "op-token").status == 200);
  CHECK(f.get("/v1/clusters", "an-token").status == 200);
  CHECK(f.get("/health").status == 200);
  CHECK(f.get("/ready").status == 200);
  CHECK(f.get("/metrics").status == 200);
}

TEST_CASE("a tenant token reads only its own tenant's marketplace and network", "[reader]") {
  reader_fixture f(tokens);
  seed(f);
  f.sync();
  // listing: defaults to its own tenant, another tenant is forbidden
  const auto own = f.get("/v1/marketplace/clusters", "t1-token");
  CHECK(own.status == 200);
  CHECK(f.get("/v1/marketplace/clusters?tenant_id=t1", "t1-token").status == 200);
  CHECK(f.get("/v1/marketplace/clusters?tenant_id=t2", "t1-token").status == 403);
  CHECK(f.get("/v1/marketplace/clusters?tenant_id=t2", "t1-token").code() == "FORBIDDEN");
  CHECK(f.get("/v1/marketplace/clusters/c1?tenant_id=t2", "t1-token").status == 403);
  // t1 does not see t2's private cluster; t2 does
  CHECK(f.get("/v1/marketplace/clusters/c2", "t1-token").status == 404);
  CHECK(f.get("/v1/marketplace/clusters/c2", "t2-token").status == 200);
  CHECK(own.body.find("\"c2\"") == std::string::npos);
  // network
  CHECK(f.get("/v1/tenants/t2/network", "t2-token").status == 200);
  CHECK(f.get("/v1/tenants/t2/network", "t1-token").status == 403);
  // subscriptions: only its own
  const auto subs = f.get("/v1/marketplace/clusters/c1/subscriptions", "t2-token").json();
  REQUIRE(subs.at("items").as_array().size() == 1);
  CHECK(subs.at("items").at(0).at("tenant_id").as_string() == "t2");
  CHECK(f.get("/v1/marketplace/clusters/c1/subscriptions", "op-token").json().at("total").as_int64() == 2);
  CHECK(f.get("/v1/marketplace/clusters/c1/subscriptions", "t1-token").json().at("total").as_int64() == 0);
  // invites: only the owner
  CHECK(f.get("/v1/marketplace/clusters/c1/invites", "t1-token").status == 200);
  CHECK(f.get("/v1/marketplace/clusters/c1/invites", "t2-token").status == 403);
  // rejections: operators and analysts only
  CHECK(f.get("/v1/marketplace/rejections", "t1-token").status == 403);
  CHECK(f.get("/v1/marketplace/rejections", "an-token").status == 200);
  // edge score: only for itself
  CHECK(f.get("/v1/edges/score?lat=1&lon=1", "t2-token").status == 200);
  CHECK(f.get("/v1/edges/score?tenant_id=t1&lat=1&lon=1", "t2-token").status == 403);
  // the fleet registry is readable
  CHECK(f.get("/v1/clusters/c1", "t2-token").status == 200);
  CHECK(f.get("/v1/fleet/summary", "t2-token").status == 200);
}

TEST_CASE("query strings and offsets decode strictly", "[reader]") {
  CHECK(fr::percent_decode("a%20b+c", true).value() == "a b c");
  CHECK(fr::percent_decode("a+b", false).value() == "a+b");
  CHECK_FALSE(fr::percent_decode("%", true));
  CHECK_FALSE(fr::percent_decode("%a", true));
  CHECK_FALSE(fr::percent_decode("%xy", true));
  const auto t = fr::parse_target("/v1/clusters/a%2Fb?x=1&y=%41&&z").value();
  REQUIRE(t.segments.size() == 3);
  CHECK(t.segments[2] == "a/b");
  REQUIRE(t.query.size() == 3);
  CHECK(t.query[1].second == "A");
  CHECK(t.query[2].first == "z");
  CHECK_FALSE(fr::parse_target("v1/clusters").has_value());
  const auto o = fr::parse_offsets("fleet.cluster.v1:0:42,fleet.tenant.v1:3:7").value();
  REQUIRE(o.size() == 2);
  CHECK(o[1].where.partition.value() == 3);
  CHECK(o[1].next.value() == 7);
  CHECK(fr::format_offsets(o) == "fleet.cluster.v1:0:42,fleet.tenant.v1:3:7");
  CHECK(fr::parse_offsets("").value().empty());
  CHECK_FALSE(fr::parse_offsets(":0:1").has_value());
  CHECK_FALSE(fr::parse_offsets("t:0:1:2").has_value());
  CHECK_FALSE(fr::parse_offsets("t:99999999999:1").has_value());
}

TEST_CASE("a tenant token never reads a PRIVATE cluster it has no relation to through the fleet routes", "[reader]") {
  reader_fixture f(tokens);
  seed(f);
  f.sync();
  // c2 is t2's private cluster: the registry answers as if it did not exist for t1.
  const auto list = f.get("/v1/clusters?page_size=100", "t1-token");
  REQUIRE(list.status == 200);
  CHECK(list.body.find("\"c2\"") == std::string::npos);
  CHECK(list.json().at("total").as_int64() == static_cast<std::int64_t>(list.json().at("items").as_array().size()));
  for (const char* route : {"/v1/clusters/c2", "/v1/clusters/c2/status", "/v1/clusters/c2/history", "/v1/clusters/c2/edges"}) {
    INFO(route);
    CHECK(f.get(route, "t1-token").status == 404);
    CHECK(f.get(route, "t1-token").code() == "CLUSTER_NOT_FOUND");
    CHECK(f.get(route, "t2-token").status == 200);
    CHECK(f.get(route, "op-token").status == 200);
  }
  CHECK(f.get("/v1/clusters?page_size=100", "t2-token").body.find("\"c2\"") != std::string::npos);
  CHECK(f.get("/v1/clusters?page_size=100", "op-token").body.find("\"c2\"") != std::string::npos);
}

// Marketplace listing: who sees which cluster, eligibility at read time, utilisation, filters.
#include "marketplace_test_harness.hpp"

using namespace marketplace_test;

namespace {

const std::string tok(int n) { return std::string(63, 'f') + std::to_string(n % 10); }

void on_market(harness& h, const std::string& id, const std::string& owner, const market_settings& s,
               time_point at = t0) {
  REQUIRE(applied(h.apply(registered(id, owner, at))));
  REQUIRE(applied(h.apply(marketplace(id, s, at + 1s))));
}

// The visibility matrix: every reason a cluster is or is not listed to tenant t1.
void build_matrix(harness& h) {
  const market_settings pub{.visibility = v1::VISIBILITY_PUBLIC};
  const market_settings unl{.visibility = v1::VISIBILITY_UNLISTED};
  const market_settings prv{.visibility = v1::VISIBILITY_PRIVATE};
  on_market(h, "pub", "owner", pub);
  on_market(h, "unl", "owner", unl);
  on_market(h, "prv", "owner", prv);
  on_market(h, "mine", "t1", prv);
  on_market(h, "subp", "owner", prv);  // t1 ACTIVE through an invite
  REQUIRE(applied(h.apply(invite("subp", "i", tok(1), t0 + 2s))));
  REQUIRE(applied(h.apply(request("subp", "s-subp", "t1", t0 + 3s, tok(1)))));
  on_market(h, "pend", "owner", {.visibility = v1::VISIBILITY_PRIVATE, .approval = true});  // t1 PENDING
  REQUIRE(applied(h.apply(invite("pend", "i", tok(2), t0 + 2s))));
  REQUIRE(applied(h.apply(request("pend", "s-pend", "t1", t0 + 3s, tok(2)))));
  on_market(h, "inv", "owner", prv);  // invite for t1, valid until t0+2h
  REQUIRE(applied(h.apply(invite("inv", "i", tok(3), t0 + 2s, t0 + 2h, 1, std::string("t1")))));
  on_market(h, "invx", "owner", prv);  // invite for t1, expired by the read at t0+1h
  REQUIRE(applied(h.apply(invite("invx", "i", tok(4), t0 + 2s, t0 + 30min, 1, std::string("t1")))));
  on_market(h, "invr", "owner", prv);  // invite for t1, revoked
  REQUIRE(applied(h.apply(invite("invr", "i", tok(5), t0 + 2s, std::nullopt, 1, std::string("t1")))));
  REQUIRE(applied(h.apply(revoke("invr", "i", t0 + 3s))));
  on_market(h, "unlsub", "owner", unl);  // UNLISTED, t1 subscribed
  REQUIRE(applied(h.apply(request("unlsub", "s-unlsub", "t1", t0 + 3s))));
  on_market(h, "canc", "owner", prv);  // t1's subscription cancelled
  REQUIRE(applied(h.apply(invite("canc", "i", tok(6), t0 + 2s))));
  REQUIRE(applied(h.apply(request("canc", "s-canc", "t1", t0 + 3s, tok(6)))));
  REQUIRE(applied(h.apply(cancel("canc", "s-canc", "t1", t0 + 4s))));
  on_market(h, "del", "owner", pub);  // deleted
  REQUIRE(applied(h.apply(deleted("del", t0 + 5s))));
}

std::vector<std::string> listed_to(const harness& h, std::optional<std::string> tenant, time_point now) {
  fm::listing_filter f;
  f.tenant_id = std::move(tenant);
  return ids(fm::list_clusters(h.reader(), f, now));
}

using ids_t = std::vector<std::string>;

}  // namespace

TEST_CASE("listing visibility matrix for a tenant", "[marketplace][listing]") {
  harness h;
  build_matrix(h);
  CHECK(listed_to(h, "t1", t0 + 1h) == ids_t{"inv", "mine", "pend", "pub", "subp", "unlsub"});
}

TEST_CASE("a targeted invite lists the cluster only until it expires", "[marketplace][listing]") {
  harness h;
  build_matrix(h);
  CHECK(listed_to(h, "t1", t0 + 10min) == ids_t{"inv", "invx", "mine", "pend", "pub", "subp", "unlsub"});
  CHECK(listed_to(h, "t1", t0 + 3h) == ids_t{"mine", "pend", "pub", "subp", "unlsub"});
}

TEST_CASE("strangers and anonymous readers see PUBLIC clusters only", "[marketplace][listing]") {
  harness h;
  build_matrix(h);
  CHECK(listed_to(h, "t9", t0 + 1h) == ids_t{"pub"});
  CHECK(listed_to(h, std::nullopt, t0 + 1h) == ids_t{"pub"});
}

TEST_CASE("the owner sees all of its non-deleted clusters", "[marketplace][listing]") {
  harness h;
  build_matrix(h);
  CHECK(listed_to(h, "owner", t0 + 1h) ==
        ids_t{"canc", "inv", "invr", "invx", "pend", "prv", "pub", "subp", "unl", "unlsub"});
}

TEST_CASE("cluster detail follows visibility with UNLISTED open by direct link", "[marketplace][listing]") {
  harness h;
  build_matrix(h);
  const auto now = t0 + 1h;
  CHECK(fm::find_cluster(h.reader(), "unl", std::string_view("t9"), now));
  CHECK(fm::find_cluster(h.reader(), "unl", std::nullopt, now));
  CHECK_FALSE(fm::find_cluster(h.reader(), "prv", std::string_view("t9"), now));
  CHECK_FALSE(fm::find_cluster(h.reader(), "prv", std::nullopt, now));
  CHECK(fm::find_cluster(h.reader(), "prv", std::string_view("owner"), now));
  CHECK(fm::find_cluster(h.reader(), "inv", std::string_view("t1"), now));
  CHECK_FALSE(fm::find_cluster(h.reader(), "del", std::string_view("owner"), now));
  CHECK_FALSE(fm::find_cluster(h.reader(), "ghost", std::nullopt, now));
  auto subp = fm::find_cluster(h.reader(), "subp", std::string_view("t1"), now);
  REQUIRE(subp);
  CHECK(subp->subscription_status == v1::SUBSCRIPTION_STATUS_ACTIVE);
  CHECK(subp->subscription_id == std::optional<std::string>("s-subp"));
}

TEST_CASE("eligibility is computed at read time from the tenant tier", "[marketplace][listing]") {
  harness h;
  on_market(h, "gold", "owner", {.tier = 3});
  REQUIRE(applied(h.apply(tier("t1", 1, "", t0 + 2s))));
  REQUIRE(applied(h.apply(tier("t2", 3, "", t0 + 2s))));
  // The projection never refuses a request for tier: the write side does.
  CHECK(applied(h.apply(request("gold", "s1", "t1", t0 + 10s))));
  CHECK(h.status("gold", "s1") == v1::SUBSCRIPTION_STATUS_ACTIVE);

  auto low = fm::find_cluster(h.reader(), "gold", std::string_view("t1"), t0 + 1min);
  REQUIRE(low);
  CHECK_FALSE(low->is_eligible);
  CHECK(low->denial_reason == std::optional<std::string>("TIER_TOO_LOW: tenant tier 1 < required 3"));
  CHECK(low->subscription_status == v1::SUBSCRIPTION_STATUS_ACTIVE);

  auto ok = fm::find_cluster(h.reader(), "gold", std::string_view("t2"), t0 + 1min);
  CHECK(ok->is_eligible);
  CHECK_FALSE(ok->denial_reason);
  CHECK(fm::to_json(*ok).at("denial_reason").is_null());

  // No tier event yet and anonymous reads count as tier 0; the owner is always eligible.
  CHECK(fm::find_cluster(h.reader(), "gold", std::string_view("t3"), t0)->denial_reason ==
        std::optional<std::string>("TIER_TOO_LOW: tenant tier 0 < required 3"));
  CHECK_FALSE(fm::find_cluster(h.reader(), "gold", std::nullopt, t0)->is_eligible);
  CHECK(fm::find_cluster(h.reader(), "gold", std::string_view("owner"), t0)->is_eligible);

  // A later tier change is seen by the next read, whatever order the partitions were applied in.
  REQUIRE(applied(h.apply(tier("t1", 4, "", t0 + 20s))));
  CHECK(fm::find_cluster(h.reader(), "gold", std::string_view("t1"), t0 + 1min)->is_eligible);
}

TEST_CASE("required_tier_level outside 0-5 is rejected", "[marketplace][listing]") {
  harness h;
  REQUIRE(applied(h.apply(registered("c1", "owner", t0))));
  CHECK(h.apply(marketplace("c1", {.tier = 6}, t0 + 1s)).reason == "INVALID_TIER_LEVEL: required_tier_level 6 is not in 0-5");
  CHECK(rejected_with(h.apply(marketplace("c1", {.tier = -1}, t0 + 2s)), "INVALID_TIER_LEVEL"));
  CHECK(rejected_with(h.apply(tier("t1", 9, "", t0)), "INVALID_TIER_LEVEL"));
}

TEST_CASE("filters pricing_model region and eligible accept any case", "[marketplace][listing]") {
  harness h;
  on_market(h, "a", "owner", {.pricing = v1::PRICING_MODEL_MONTHLY, .tier = 0, .monthly_price_cents = 900});
  on_market(h, "b", "owner", {.pricing = v1::PRICING_MODEL_METERED, .tier = 4});
  REQUIRE(applied(h.apply(tier("t1", 2, "", t0))));

  auto f = fm::make_listing_filter("t1", "monthly", "", "");
  REQUIRE(f);
  CHECK(ids(fm::list_clusters(h.reader(), *f, t0)) == ids_t{"a"});
  f = fm::make_listing_filter("t1", "", "EU-WEST", "FALSE");
  REQUIRE(f);
  CHECK(ids(fm::list_clusters(h.reader(), *f, t0)) == ids_t{"b"});
  f = fm::make_listing_filter("t1", "", "", "True");
  CHECK(ids(fm::list_clusters(h.reader(), *f, t0)) == ids_t{"a"});
  f = fm::make_listing_filter("t1", "", "us-east", "");
  CHECK(fm::list_clusters(h.reader(), *f, t0).empty());

  CHECK_FALSE(fm::make_listing_filter("t1", "cheap", "", ""));
  CHECK_FALSE(fm::make_listing_filter("t1", "", "", "maybe"));
}

TEST_CASE("utilisation comes from the latest edge summary", "[marketplace][listing]") {
  harness h;
  on_market(h, "c1", "owner", {});  // capacity 100 streams, 1000 viewers, 10000 Mbps
  const auto at = t0 + 1min;
  // used = (1.25e9 - 1.0e9) + (1.25e9 - 0.75e9) = 0.75e9 B/s
  REQUIRE(applied(h.apply(edge_summary("c1", at, {{1'000'000'000, 1'250'000'000, 150, 10},
                                                  {750'000'000, 1'250'000'000, 250, 15}}))));
  // A late summary from before is ignored.
  CHECK(h.apply(edge_summary("c1", at - 30s, {{0, 1'250'000'000, 999, 99}})).what == fp::verdict::ignored);

  auto e = fm::find_cluster(h.reader(), "c1", std::nullopt, at + 44s);
  REQUIRE(e);
  REQUIRE(e->utilisation);
  const auto& u = *e->utilisation;
  CHECK(u.reported_at == at);
  CHECK(u.edge_count == 2);
  CHECK(u.viewers == 400);
  CHECK(u.streams == 25);
  CHECK(u.bandwidth_used_bytes_per_sec == 750'000'000u);
  CHECK(u.bandwidth_limit_bytes_per_sec == 2'500'000'000u);
  CHECK(u.viewer_utilisation == Approx(0.4));   // 400 / 1000
  CHECK(u.stream_utilisation == Approx(0.25));  // 25 / 100
  // 0.75e9 B/s * 8 = 6e9 bit/s over 10000 Mbps = 1e10 bit/s
  CHECK(u.bandwidth_utilisation == Approx(0.6));
  CHECK_FALSE(u.stale);
  // Stale after 3 report intervals (45 s).
  CHECK(fm::find_cluster(h.reader(), "c1", std::nullopt, at + 46s)->utilisation->stale);
}

TEST_CASE("listing entry JSON carries the contract fields", "[marketplace][listing]") {
  harness h;
  on_market(h, "c1", "owner", {.pricing = v1::PRICING_MODEL_MONTHLY, .tier = 2, .approval = true,
                               .monthly_price_cents = 4900});
  REQUIRE(applied(h.apply(request("c1", "s1", "t1", t0 + 10s))));
  auto e = fm::find_cluster(h.reader(), "c1", std::string_view("t1"), t0 + 1min);
  REQUIRE(e);
  const auto j = fm::to_json(*e);
  CHECK(j.at("cluster_id").as_string() == "c1");
  CHECK(j.at("name").as_string() == "c1-name");
  CHECK(j.at("owner_tenant_id").as_string() == "owner");
  CHECK(j.at("visibility").as_string() == "PUBLIC");
  CHECK(j.at("cluster_class").as_string() == "THIRD_PARTY_MARKETPLACE");
  CHECK(j.at("pricing").at("pricing_model").as_string() == "MONTHLY");
  CHECK(j.at("pricing").at("monthly_price_cents").as_int64() == 4900);
  CHECK(j.at("pricing").at("currency").as_string() == "EUR");
  CHECK(j.at("required_tier_level").as_int64() == 2);
  CHECK(j.at("requires_approval").as_bool());
  CHECK_FALSE(j.at("is_eligible").as_bool());
  CHECK(j.at("denial_reason").as_string() == "TIER_TOO_LOW: tenant tier 0 < required 2");
  CHECK(j.at("subscription_status").as_string() == "PENDING_APPROVAL");
  CHECK(j.at("subscription_id").as_string() == "s1");
  CHECK(j.at("capacity").at("max_viewers").as_int64() == 1000);
  CHECK(j.at("utilisation").is_null());
}

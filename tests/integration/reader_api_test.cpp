// The HTTP reader against the real stack (issue 4, DESIGN.md section 6): broker, three projectors and
// fleetledger-reader as processes, a hand-made fleet published through the library publisher, and
// every endpoint checked over a real socket: filters, pagination bounds, error codes, freshness
// headers, read-your-writes, credentials never in a body. Read-your-writes everywhere: the tests pass
// the published positions as min_offsets instead of sleeping.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "reader_test_fleet.hpp"

using namespace std::chrono_literals;
using namespace reader_test;

namespace {

// One stack with the fleet published and every view caught up; records every body it saw.
struct reader_fixture {
  explicit reader_fixture(ft::stack_options o = {}) : s(std::move(o)) {
    publish_fleet(s);
    s.wait_views_caught_up(auth);
  }

  ft::http_response get(const std::string& target, const ft::http_headers& headers) {
    auto r = s.get(target, headers);
    seen.push_back(target + " -> " + std::to_string(r.status) + "\n" + r.body);
    // Every error body has the contract's shape with a code.
    if (r.status >= 400) {
      INFO("GET " << target << " -> " << r.status << " " << r.body.substr(0, 300));
      CHECK_FALSE(r.error_code().empty());
    }
    return r;
  }
  ft::http_response get(const std::string& target) { return get(target, auth); }

  // A view route that must answer 200 with the freshness headers and a JSON body.
  boost::json::value view(const std::string& target) {
    const auto r = get(target);
    INFO("GET " << target << " -> " << r.status << " " << r.body.substr(0, 600));
    REQUIRE(r.status == 200);
    CHECK(r.has_header("X-Fleetledger-Offsets"));
    CHECK(r.has_header("X-Fleetledger-Lag-Ms"));
    return r.json();
  }

  // An error with the contract's shape: {"error":{"code":...,"message":...}}.
  void expect_error(const std::string& target, int status, const std::string& code) {
    const auto r = get(target);
    INFO("GET " << target << " -> " << r.status << " " << r.body.substr(0, 600));
    CHECK(r.status == status);
    CHECK(r.error_code() == code);
    if (r.status == status) {
      const auto v = r.json();
      CHECK(v.at("error").as_object().contains("message"));
      CHECK(r.header("content-type").find("json") != std::string::npos);
    }
  }

  // Credentials never appear in any response seen so far (raw, base64 or hex).
  void check_no_secret_in_bodies() const {
    const auto needles = secret_needles();
    for (const auto& body : seen) {
      for (const auto& n : needles) {
        INFO("needle " << n << " in " << body.substr(0, 300));
        CHECK(body.find(n) == std::string::npos);
      }
    }
  }

  ft::stack_process s;
  ft::http_headers auth{};
  std::vector<std::string> seen;
};

}  // namespace

TEST_CASE("reader fleet routes answer with every filter and the pagination bounds", "[reader][integration]") {
  reader_fixture f;

  // --- list and every filter ---
  auto all = f.view("/v1/clusters");
  CHECK(num(all, "total") == 5);
  CHECK(ids(all) == std::vector<std::string>{"c-edge-ap", "c-far-lab", "c-globex-priv", "c-hub-eu", "c-spoke-us"});
  CHECK(num(all, "page") == 1);
  CHECK(num(all, "page_size") == 20);
  CHECK(num(all, "total_pages") == 1);

  CHECK(ids(f.view("/v1/clusters?name=hub-eu")) == std::vector<std::string>{"c-hub-eu"});
  CHECK(ids(f.view("/v1/clusters?cluster_type=EDGE")) == std::vector<std::string>{"c-edge-ap", "c-globex-priv"});
  CHECK(ids(f.view("/v1/clusters?cluster_type=far_edge")) == std::vector<std::string>{"c-far-lab"});  // any case
  CHECK(ids(f.view("/v1/clusters?environment=production")) == std::vector<std::string>{"c-globex-priv", "c-hub-eu"});
  CHECK(ids(f.view("/v1/clusters?environment=LAB")) == std::vector<std::string>{"c-far-lab"});
  CHECK(ids(f.view("/v1/clusters?region=eu-west")) == std::vector<std::string>{"c-far-lab", "c-hub-eu"});
  CHECK(ids(f.view("/v1/clusters?state=ONLINE")) == std::vector<std::string>{"c-hub-eu"});
  CHECK(ids(f.view("/v1/clusters?state=degraded")) == std::vector<std::string>{"c-spoke-us"});
  CHECK(ids(f.view("/v1/clusters?state=OFFLINE")) == std::vector<std::string>{"c-edge-ap"});
  CHECK(ids(f.view("/v1/clusters?state=UNKNOWN")) == std::vector<std::string>{"c-far-lab", "c-globex-priv"});
  CHECK(ids(f.view("/v1/clusters?has_gpu=true")) == std::vector<std::string>{"c-hub-eu"});
  CHECK(ids(f.view("/v1/clusters?has_gpu=false")).size() == 4);
  CHECK(ids(f.view("/v1/clusters?has_cnf=true")) == std::vector<std::string>{"c-far-lab", "c-hub-eu"});
  CHECK(ids(f.view("/v1/clusters?label=tier%3Dgold")) == std::vector<std::string>{"c-far-lab", "c-hub-eu"});
  CHECK(ids(f.view("/v1/clusters?label=tier=silver")) == std::vector<std::string>{"c-spoke-us"});
  CHECK(ids(f.view("/v1/clusters?label=tier%3Dgold&region=eu-west&cluster_type=HUB")) ==
        std::vector<std::string>{"c-hub-eu"});
  CHECK(num(f.view("/v1/clusters?region=nowhere"), "total") == 0);

  // --- pagination ---
  std::vector<std::string> paged;
  for (int page = 1; page <= 3; ++page) {
    const auto p = f.view("/v1/clusters?page_size=2&page=" + std::to_string(page));
    CHECK(num(p, "total") == 5);
    CHECK(num(p, "total_pages") == 3);
    CHECK(num(p, "page") == page);
    CHECK(num(p, "page_size") == 2);
    CHECK(items(p).size() == (page < 3 ? 2U : 1U));  // the last page holds the rest
    for (const auto& i : items(p)) paged.push_back(str(i, "cluster_id"));
  }
  std::sort(paged.begin(), paged.end());
  CHECK(paged == ids(all));  // pages partition the list
  const auto beyond = f.get("/v1/clusters?page_size=2&page=4");
  CHECK((beyond.status == 200 || beyond.status == 400));
  if (beyond.status == 200) CHECK(ids(beyond.json()).empty());
  CHECK(num(f.view("/v1/clusters?page_size=100"), "page_size") == 100);
  f.expect_error("/v1/clusters?page_size=101", 400, "INVALID_ARGUMENT");
  f.expect_error("/v1/clusters?page_size=0", 400, "INVALID_ARGUMENT");
  f.expect_error("/v1/clusters?page=0", 400, "INVALID_ARGUMENT");
  f.expect_error("/v1/clusters?page=-1", 400, "INVALID_ARGUMENT");
  f.expect_error("/v1/clusters?page=abc", 400, "INVALID_ARGUMENT");
  f.expect_error("/v1/clusters?page_size=ten", 400, "INVALID_ARGUMENT");
  f.expect_error("/v1/clusters?page=1x", 400, "INVALID_ARGUMENT");
  f.expect_error("/v1/clusters?cluster_type=MAINFRAME", 400, "INVALID_ARGUMENT");
  f.expect_error("/v1/clusters?environment=moon", 400, "INVALID_ARGUMENT");
  f.expect_error("/v1/clusters?state=sleepy", 400, "INVALID_ARGUMENT");
  f.expect_error("/v1/clusters?has_gpu=maybe", 400, "INVALID_ARGUMENT");

  // --- one cluster ---
  const auto hub = f.view("/v1/clusters/c-hub-eu");
  CHECK(str(hub, "cluster_id") == "c-hub-eu");
  CHECK(str(hub, "name") == "hub-eu");
  CHECK(str(hub, "cluster_type") == "HUB");
  CHECK(str(hub, "environment") == "PRODUCTION");
  CHECK(str(hub, "state") == "ONLINE");
  CHECK(num(hub, "health_score") == 100);
  CHECK(hub.at("labels").at("tier").as_string() == "gold");
  const auto& cred = hub.at("credentials").as_object();
  CHECK(cred.at("auth_type").as_string() == "KUBECONFIG");
  CHECK(cred.at("fingerprint").as_string() == secret_fingerprint);
  CHECK(cred.contains("expires_at"));
  // Only auth_type, fingerprint and expires_at.
  for (const auto& [k, v] : cred) {
    (void)v;
    CHECK((k == "auth_type" || k == "fingerprint" || k == "expires_at"));
  }
  CHECK(str(f.view("/v1/clusters/by-name/hub-eu"), "cluster_id") == "c-hub-eu");
  CHECK(str(f.view("/v1/clusters/by-name/far-lab"), "cluster_id") == "c-far-lab");
  f.expect_error("/v1/clusters/c-nope", 404, "CLUSTER_NOT_FOUND");
  f.expect_error("/v1/clusters/c-gone", 404, "CLUSTER_NOT_FOUND");  // deleted
  f.expect_error("/v1/clusters/by-name/no-such-name", 404, "CLUSTER_NOT_FOUND");
  f.expect_error("/v1/clusters/by-name/gone-cluster", 404, "CLUSTER_NOT_FOUND");
  f.expect_error("/v1/clusters/by-name/Bad_Name", 400, "INVALID_CLUSTER_NAME");
  f.expect_error("/v1/clusters/by-name/-leading-dash", 400, "INVALID_CLUSTER_NAME");
  f.expect_error("/v1/clusters/by-name/" + std::string(70, 'a'), 400, "INVALID_CLUSTER_NAME");

  const auto status = f.view("/v1/clusters/c-spoke-us/status");
  CHECK(str(status, "state") == "DEGRADED");
  CHECK(num(status, "health_score") == 80);
  CHECK(str(f.view("/v1/clusters/c-edge-ap/status"), "state") == "OFFLINE");
  CHECK(str(f.view("/v1/clusters/c-far-lab/status"), "state") == "UNKNOWN");
  f.expect_error("/v1/clusters/c-nope/status", 404, "CLUSTER_NOT_FOUND");

  const auto history = f.view("/v1/clusters/c-hub-eu/history?since=2000-01-01T00:00:00Z");
  CHECK(items(history).size() >= 1);
  CHECK(items(f.view("/v1/clusters/c-hub-eu/history?since=2200-01-01T00:00:00Z")).empty());
  f.expect_error("/v1/clusters/c-hub-eu/history?since=yesterday", 400, "INVALID_ARGUMENT");
  f.expect_error("/v1/clusters/c-nope/history", 404, "CLUSTER_NOT_FOUND");

  // --- fleet aggregates ---
  const auto summary = f.view("/v1/fleet/summary");
  CHECK(num(summary, "total_clusters") == 5);
  CHECK(count_in(summary, "by_state", "ONLINE") == 1);
  CHECK(count_in(summary, "by_state", "DEGRADED") == 1);
  CHECK(count_in(summary, "by_state", "OFFLINE") == 1);
  CHECK(count_in(summary, "by_state", "UNKNOWN") == 2);
  CHECK(count_in(summary, "by_type", "HUB") == 1);
  CHECK(count_in(summary, "by_type", "EDGE") == 2);
  CHECK(count_in(summary, "by_type", "FAR_EDGE") == 1);
  CHECK(count_in(summary, "by_environment", "PRODUCTION") == 2);
  CHECK(count_in(summary, "by_environment", "LAB") == 1);
  CHECK(num(summary, "total_gpu_count") == 4);
  CHECK(num(summary, "clusters_with_cnf") == 2);
  CHECK(num(summary, "avg_health_score") == Approx((100.0 + 80.0 + 50.0) / 3.0).margin(0.01));

  const auto health = f.view("/v1/fleet/health");
  CHECK(num(health, "healthy") == 1);
  CHECK(num(health, "degraded") == 1);
  CHECK(num(health, "offline") == 1);
  CHECK(num(health, "unknown") == 2);

  const auto caps = f.view("/v1/fleet/capabilities");
  CHECK(num(caps, "total_gpu_count") == 4);

  f.check_no_secret_in_bodies();
}

TEST_CASE("reader marketplace network and offerings routes follow the projection rules", "[reader][integration]") {
  reader_fixture f;

  // --- listing per tenant: PUBLIC, owned, subscribed or invited; never UNLISTED or others' PRIVATE ---
  const auto acme = f.view("/v1/marketplace/clusters?tenant_id=t-acme");
  CHECK(ids(acme) == std::vector<std::string>{"c-far-lab", "c-hub-eu", "c-spoke-us"});
  const auto globex = f.view("/v1/marketplace/clusters?tenant_id=t-globex");
  CHECK(ids(globex) == std::vector<std::string>{"c-globex-priv", "c-hub-eu", "c-spoke-us"});
  const auto initech = f.view("/v1/marketplace/clusters?tenant_id=t-initech");
  CHECK(ids(initech) == std::vector<std::string>{"c-hub-eu", "c-spoke-us"});
  for (const auto& i : items(acme)) {
    if (str(i, "cluster_id") == "c-spoke-us") {
      CHECK(str(i, "subscription_status") == "ACTIVE");
      CHECK(i.at("is_eligible").as_bool());
      CHECK(str(i, "visibility") == "PUBLIC");
      CHECK(str(i, "owner_tenant_id") == "t-provider");
      CHECK(i.as_object().contains("capacity"));
      CHECK(i.as_object().contains("utilisation"));
      CHECK(i.at("pricing").at("pricing_model").as_string() == "MONTHLY");
    }
  }
  for (const auto& i : items(globex)) {
    if (str(i, "cluster_id") == "c-spoke-us") {
      CHECK(str(i, "subscription_status") == "PENDING_APPROVAL");  // the non-owner approval was refused
      CHECK_FALSE(i.at("is_eligible").as_bool());                  // tier 1 < 2
      CHECK_FALSE(str(i, "denial_reason").empty());
    }
  }
  CHECK(ids(f.view("/v1/marketplace/clusters?tenant_id=t-acme&pricing_model=monthly")) ==
        std::vector<std::string>{"c-spoke-us"});
  CHECK(ids(f.view("/v1/marketplace/clusters?tenant_id=t-acme&pricing_model=CUSTOM")) ==
        std::vector<std::string>{"c-far-lab"});
  CHECK(ids(f.view("/v1/marketplace/clusters?tenant_id=t-acme&region=eu-west")) ==
        std::vector<std::string>{"c-far-lab", "c-hub-eu"});
  CHECK(ids(f.view("/v1/marketplace/clusters?tenant_id=t-globex&eligible=false")) ==
        std::vector<std::string>{"c-spoke-us"});
  CHECK(ids(f.view("/v1/marketplace/clusters?tenant_id=t-globex&eligible=true")) ==
        std::vector<std::string>{"c-globex-priv", "c-hub-eu"});
  const auto paged = f.view("/v1/marketplace/clusters?tenant_id=t-acme&page_size=2&page=2");
  CHECK(num(paged, "total") == 3);
  CHECK(num(paged, "total_pages") == 2);
  CHECK(items(paged).size() == 1);
  f.expect_error("/v1/marketplace/clusters?tenant_id=t-acme&page_size=500", 400, "INVALID_ARGUMENT");
  f.expect_error("/v1/marketplace/clusters?tenant_id=t-acme&page=zero", 400, "INVALID_ARGUMENT");
  f.expect_error("/v1/marketplace/clusters?tenant_id=t-acme&pricing_model=barter", 400, "INVALID_ARGUMENT");
  f.expect_error("/v1/marketplace/clusters?tenant_id=t-acme&eligible=perhaps", 400, "INVALID_ARGUMENT");

  // --- one listing entry ---
  const auto spoke_globex = f.view("/v1/marketplace/clusters/c-spoke-us?tenant_id=t-globex");
  CHECK(str(spoke_globex, "cluster_id") == "c-spoke-us");
  CHECK(str(spoke_globex, "subscription_status") == "PENDING_APPROVAL");
  CHECK_FALSE(spoke_globex.at("is_eligible").as_bool());
  CHECK(str(f.view("/v1/marketplace/clusters/c-far-lab?tenant_id=t-acme"), "visibility") == "PRIVATE");
  {
    // Another tenant's PRIVATE cluster without an invite is not shown (404; 403 is acceptable too).
    const auto r = f.get("/v1/marketplace/clusters/c-far-lab?tenant_id=t-globex");
    INFO(r.body);
    CHECK((r.status == 404 || r.status == 403));
    CHECK((r.error_code() == "CLUSTER_NOT_FOUND" || r.error_code() == "FORBIDDEN"));
  }
  f.expect_error("/v1/marketplace/clusters/c-nope?tenant_id=t-acme", 404, "CLUSTER_NOT_FOUND");

  // --- subscriptions (operator view), every state ---
  const auto spoke_subs = f.view("/v1/marketplace/clusters/c-spoke-us/subscriptions");
  CHECK(ids(spoke_subs, "subscription_id") ==
        std::vector<std::string>{"s-acme-spoke", "s-globex-spoke", "s-initech-spoke"});
  CHECK(ids(f.view("/v1/marketplace/clusters/c-spoke-us/subscriptions?status=pending_approval"), "subscription_id") ==
        std::vector<std::string>{"s-globex-spoke"});
  CHECK(ids(f.view("/v1/marketplace/clusters/c-spoke-us/subscriptions?status=ACTIVE"), "subscription_id") ==
        std::vector<std::string>{"s-acme-spoke"});
  CHECK(ids(f.view("/v1/marketplace/clusters/c-spoke-us/subscriptions?status=REJECTED"), "subscription_id") ==
        std::vector<std::string>{"s-initech-spoke"});
  CHECK(ids(f.view("/v1/marketplace/clusters/c-hub-eu/subscriptions?status=SUSPENDED"), "subscription_id") ==
        std::vector<std::string>{"s-acme-hub"});
  CHECK(ids(f.view("/v1/marketplace/clusters/c-hub-eu/subscriptions?status=ACTIVE"), "subscription_id") ==
        std::vector<std::string>{"s-globex-hub"});  // reinstated
  CHECK(ids(f.view("/v1/marketplace/clusters/c-hub-eu/subscriptions?status=cancelled"), "subscription_id") ==
        std::vector<std::string>{"s-initech-hub"});
  CHECK(ids(f.view("/v1/marketplace/clusters/c-far-lab/subscriptions"), "subscription_id") ==
        std::vector<std::string>{"s-acme-far"});
  f.expect_error("/v1/marketplace/clusters/c-hub-eu/subscriptions?status=HAPPY", 400, "INVALID_ARGUMENT");
  f.expect_error("/v1/marketplace/clusters/c-nope/subscriptions", 404, "CLUSTER_NOT_FOUND");

  // --- invites ---
  const auto invites = f.view("/v1/marketplace/clusters/c-far-lab/invites");
  CHECK(ids(invites, "invite_id") == std::vector<std::string>{"inv-acme", "inv-old"});
  for (const auto& i : items(invites)) {
    if (str(i, "invite_id") == "inv-old") CHECK(i.at("revoked").as_bool());
    if (str(i, "invite_id") == "inv-acme") {
      CHECK_FALSE(i.at("revoked").as_bool());
      CHECK(str(i, "target_tenant_id") == "t-acme");
      CHECK(num(i, "uses") == 1);
    }
  }
  f.expect_error("/v1/marketplace/clusters/c-nope/invites", 404, "CLUSTER_NOT_FOUND");

  // --- tenant network: preferred effective only while its subscription is ACTIVE ---
  const auto acme_net = f.view("/v1/tenants/t-acme/network");
  CHECK(str(acme_net, "official_cluster_id") == "c-hub-eu");
  CHECK(str(acme_net, "preferred_cluster_id") == "c-spoke-us");
  CHECK(str(acme_net, "effective_cluster_id") == "c-spoke-us");
  const auto acme_text = boost::json::serialize(acme_net);
  CHECK(acme_text.find("rtmp://edge-ingest.") != std::string::npos);
  CHECK(acme_text.find(":1935/live/") != std::string::npos);
  CHECK(acme_text.find("https://foghorn.") != std::string::npos);
  CHECK(acme_text.find("fleet.test") != std::string::npos);  // --domain
  const auto globex_net = f.view("/v1/tenants/t-globex/network");
  CHECK(str(globex_net, "preferred_cluster_id") == "c-spoke-us");
  CHECK(str(globex_net, "effective_cluster_id") == "c-hub-eu");  // PENDING: falls back to official
  {
    const auto r = f.get("/v1/tenants/t-nobody/network");
    CHECK((r.status == 404 || r.status == 200));
  }

  // --- rejections: the non-owner approval is listed with its reason ---
  const auto rejections = f.view("/v1/marketplace/rejections?since=2000-01-01T00:00:00Z");
  bool found_non_owner = false;
  for (const auto& i : items(rejections)) {
    if (str(i, "event_type") == "SubscriptionApproved" && str(i, "aggregate_id") == "c-spoke-us") {
      found_non_owner = true;
      CHECK_FALSE(str(i, "reason").empty());
    }
  }
  INFO(boost::json::serialize(rejections));
  CHECK(found_non_owner);
  f.expect_error("/v1/marketplace/rejections?since=not-a-time", 400, "INVALID_ARGUMENT");

  // --- offerings ---
  const auto offerings = f.view("/v1/offerings");
  CHECK(ids(offerings, "offering_id") == std::vector<std::string>{"o-colo", "o-gpu", "o-k8s", "o-saas"});  // o-bad-gpu refused
  CHECK(ids(f.view("/v1/offerings?product_type=gpu"), "offering_id") == std::vector<std::string>{"o-gpu"});
  CHECK(ids(f.view("/v1/offerings?product_type=colocation"), "offering_id") == std::vector<std::string>{"o-colo"});
  CHECK(ids(f.view("/v1/offerings?country=DE"), "offering_id") == std::vector<std::string>{"o-gpu", "o-k8s"});
  CHECK(ids(f.view("/v1/offerings?max_price=200"), "offering_id") == std::vector<std::string>{"o-k8s", "o-saas"});
  CHECK(ids(f.view("/v1/offerings?product_type=kubernetes&country=DE&max_price=500"), "offering_id") ==
        std::vector<std::string>{"o-k8s"});
  const auto off_page = f.view("/v1/offerings?page_size=3&page=2");
  CHECK(num(off_page, "total") == 4);
  CHECK(num(off_page, "total_pages") == 2);
  CHECK(items(off_page).size() == 1);
  f.expect_error("/v1/offerings?max_price=cheap", 400, "INVALID_ARGUMENT");
  f.expect_error("/v1/offerings?page_size=1000", 400, "INVALID_ARGUMENT");
  {
    const auto r = f.get("/v1/offerings/template/gpu");
    INFO(r.body);
    CHECK(r.status == 200);
    CHECK(r.body.find("gpu_model") != std::string::npos);
    CHECK(r.body.find("gpu_count") != std::string::npos);
    const auto colo = f.get("/v1/offerings/template/colocation");
    CHECK(colo.status == 200);
    CHECK(colo.body.find("rack_units") != std::string::npos);
  }

  f.check_no_secret_in_bodies();
}

TEST_CASE("reader edge scoring ranks the tenant pool and projections and metrics report the views", "[reader][integration]") {
  reader_fixture f;

  // t-acme: home = c-spoke-us (effective preferred, local); remote = c-hub-eu (official) and c-far-lab
  // (ACTIVE and peered). far-lab-e2 drains.
  const auto ranked = f.view("/v1/edges/score?tenant_id=t-acme&lat=48.0&lon=3.0&limit=20");
  const auto& list = items(ranked);
  REQUIRE(list.size() == 7);  // 3 spoke + 3 hub + 1 far-lab
  double previous = 1e300;
  bool saw_local = false, saw_remote = false;
  for (const auto& e : list) {
    const auto locality = str(e, "locality");
    CHECK((locality == "local" || locality == "remote"));
    CHECK(str(e, "node_id") != "far-lab-e2");
    if (str(e, "cluster_id") == "c-spoke-us") {
      CHECK(locality == "local");
      saw_local = true;
    } else {
      CHECK(locality == "remote");
      CHECK((str(e, "cluster_id") == "c-hub-eu" || str(e, "cluster_id") == "c-far-lab"));
      saw_remote = true;
    }
    const auto& parts = e.at("parts");
    for (const auto* p : {"cpu", "ram", "bw", "geo"}) CHECK(num(parts, p) >= 0);
    const double expect = num(parts, "cpu") + num(parts, "ram") + num(parts, "bw") + num(parts, "geo") -
                          (locality == "remote" ? 200.0 : 0.0);
    CHECK(num(e, "score") == Approx(expect).margin(0.01));
    CHECK(num(e, "score") <= previous);
    previous = num(e, "score");
  }
  CHECK(saw_local);
  CHECK(saw_remote);
  // The viewer in Paris: an edge in Paris beats one in Frankfurt beats one in New York on geo.
  CHECK(str(list[0], "cluster_id") != "c-spoke-us");
  CHECK(items(f.view("/v1/edges/score?tenant_id=t-acme&lat=48.0&lon=3.0&limit=2")).size() == 2);
  // t-initech: no preferred, official c-hub-eu is home: only its 3 edges, all local.
  const auto initech = f.view("/v1/edges/score?tenant_id=t-initech&lat=52&lon=5");
  CHECK(items(initech).size() == 3);
  for (const auto& e : items(initech)) CHECK(str(e, "locality") == "local");
  f.expect_error("/v1/edges/score?tenant_id=t-acme&lat=91&lon=0", 400, "INVALID_ARGUMENT");
  f.expect_error("/v1/edges/score?tenant_id=t-acme&lat=north&lon=0", 400, "INVALID_ARGUMENT");
  f.expect_error("/v1/edges/score?tenant_id=t-acme&lat=10&lon=181", 400, "INVALID_ARGUMENT");
  f.expect_error("/v1/edges/score?tenant_id=t-acme&lat=10&lon=10&limit=lots", 400, "INVALID_ARGUMENT");
  f.expect_error("/v1/edges/score?lat=10&lon=10", 400, "INVALID_ARGUMENT");  // tenant_id required

  const auto hub_edges = f.view("/v1/clusters/c-hub-eu/edges");
  CHECK(ids(hub_edges, "node_id") == std::vector<std::string>{"hub-eu-e1", "hub-eu-e2", "hub-eu-e3"});
  const auto far_edges = f.view("/v1/clusters/c-far-lab/edges");
  CHECK(items(far_edges).size() == 2);
  f.expect_error("/v1/clusters/c-nope/edges", 404, "CLUSTER_NOT_FOUND");

  // --- /v1/projections: each view with offsets, lag, digest and counters ---
  // /v1/projections describes the views (offsets in the body); freshness headers are not required.
  const auto projections_r = f.get("/v1/projections");
  REQUIRE(projections_r.status == 200);
  const auto projections = projections_r.json();
  const auto text = boost::json::serialize(projections);
  for (const auto* v : {"fleet", "marketplace", "edges"}) CHECK(text.find(v) != std::string::npos);
  std::vector<boost::json::value> digests, applied, rejected, dead;
  collect(projections, "digest", digests);
  collect(projections, "applied", applied);
  collect(projections, "rejected", rejected);
  collect(projections, "dead_lettered", dead);
  INFO(text.substr(0, 2000));
  CHECK(digests.size() >= 3);
  for (const auto& d : digests) {
    // A hash string, or an object holding one (e.g. {"sha256":...,"keys":N}).
    std::vector<boost::json::value> sha;
    if (d.is_object()) collect(d, "sha256", sha);
    const auto& h = d.is_string() ? d : (sha.empty() ? d : sha.front());
    CHECK((h.is_string() && h.as_string().size() >= 16));
  }
  CHECK(applied.size() >= 3);
  CHECK(rejected.size() >= 3);
  CHECK(dead.size() >= 3);
  CHECK(text.find("fleet.cluster.v1") != std::string::npos);  // offsets
  // The marketplace view refused the non-owner approval and the bad offering.
  bool some_rejected = false;
  for (const auto& r : rejected) {
    if ((r.is_int64() && r.as_int64() >= 2) || (r.is_uint64() && r.as_uint64() >= 2)) some_rejected = true;
  }
  CHECK(some_rejected);

  // --- /metrics: Prometheus text with request counters and view offsets ---
  const auto metrics = f.get("/metrics");
  REQUIRE(metrics.status == 200);
  CHECK(metrics.header("content-type").find("text/plain") != std::string::npos);
  CHECK(metrics.body.find("# TYPE") != std::string::npos);
  CHECK(metrics.body.find("request") != std::string::npos);
  CHECK(metrics.body.find("_bucket") != std::string::npos);  // latency histograms
  CHECK(metrics.body.find("offset") != std::string::npos);
  CHECK(metrics.body.find("lag") != std::string::npos);
  CHECK(metrics.body.find("fleet.cluster.v1") != std::string::npos);
  CHECK(metrics.body.find("marketplace") != std::string::npos);

  CHECK(f.get("/health").status == 200);
  CHECK(f.get("/ready").status == 200);
  f.check_no_secret_in_bodies();
}

TEST_CASE("reader error codes freshness headers and read-your-writes", "[reader][integration]") {
  reader_fixture f;

  // Freshness headers name the offsets (topic:partition:offset,...) and the lag in ms.
  const auto r = f.get("/v1/fleet/summary");
  REQUIRE(r.status == 200);
  const auto offsets = r.header("X-Fleetledger-Offsets");
  INFO("offsets " << offsets);
  CHECK(offsets.find("fleet.cluster.v1:") != std::string::npos);
  const auto lag = r.header("X-Fleetledger-Lag-Ms");
  CHECK_FALSE(lag.empty());
  CHECK(lag.find_first_not_of("0123456789") == std::string::npos);

  // Read-your-writes: publish, then read with the returned position: the new state in the same call.
  const auto pos = f.s.publish(fev::cluster_registered({.id = "c-new", .name = "brand-new", .owner = "t-provider",
                                                        .type = v1::CLUSTER_TYPE_SPOKE, .region = "eu-north"}));
  const auto mo = pos.topic.value() + ":" + std::to_string(pos.partition.value()) + ":" + std::to_string(pos.at.value() + 1);
  const auto fresh = f.view("/v1/clusters/c-new?min_offsets=" + ft::url_encode(mo) + "&wait_ms=10000");
  CHECK(str(fresh, "name") == "brand-new");
  CHECK(num(f.view("/v1/fleet/summary?min_offsets=" + mo), "total_clusters") == 6);
  const auto sub_pos = f.s.publish(fev::subscription_requested("c-hub-eu", "s-late", "t-initech"));
  const auto sub_mo = sub_pos.topic.value() + ":" + std::to_string(sub_pos.partition.value()) + ":" +
                      std::to_string(sub_pos.at.value() + 1);
  CHECK(ids(f.view("/v1/marketplace/clusters/c-hub-eu/subscriptions?status=ACTIVE&min_offsets=" + sub_mo),
            "subscription_id") == std::vector<std::string>{"s-globex-hub", "s-late"});
  const auto edge_pos = f.s.publish(fev::edge_summary("c-edge-ap", {{.node_id = "edge-ap-e1", .lat = 19, .lon = 72}}));
  const auto edge_mo = edge_pos.topic.value() + ":" + std::to_string(edge_pos.partition.value()) + ":" +
                       std::to_string(edge_pos.at.value() + 1);
  CHECK(ids(f.view("/v1/clusters/c-edge-ap/edges?min_offsets=" + edge_mo), "node_id") ==
        std::vector<std::string>{"edge-ap-e1"});

  // TIMEOUT: an offset far ahead with a small wait.
  f.expect_error("/v1/fleet/summary?min_offsets=fleet.cluster.v1:0:999999999&wait_ms=200", 504, "TIMEOUT");
  f.expect_error("/v1/clusters?min_offsets=fleet.cluster.v1:3:999999999&wait_ms=50", 504, "TIMEOUT");
  // Malformed freshness parameters.
  f.expect_error("/v1/fleet/summary?min_offsets=garbage", 400, "INVALID_ARGUMENT");
  f.expect_error("/v1/fleet/summary?min_offsets=fleet.cluster.v1:x:1", 400, "INVALID_ARGUMENT");
  f.expect_error("/v1/fleet/summary?min_offsets=fleet.cluster.v1:0:1&wait_ms=soon", 400, "INVALID_ARGUMENT");

  // Unknown routes and methods: JSON errors, never an HTML page.
  {
    const auto unknown = f.get("/v1/nothing-here");
    CHECK(unknown.status == 404);
    CHECK_FALSE(unknown.error_code().empty());
    const auto post = ft::http_raw(f.s.reader_port(),
                                   "POST /v1/clusters HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}");
    INFO(post.raw.substr(0, 300));
    CHECK((post.response.status == 405 || post.response.status == 404 || post.response.status == 400));
    CHECK_FALSE(post.response.error_code().empty());
  }
  // Percent-decoding of path and query.
  CHECK(str(f.view("/v1/clusters/by-name/hub%2Deu"), "cluster_id") == "c-hub-eu");
  CHECK(ids(f.view("/v1/clusters?region=eu%2Dwest")) == std::vector<std::string>{"c-far-lab", "c-hub-eu"});

  f.check_no_secret_in_bodies();
}

TEST_CASE("reader with an auth tokens file scopes tenants to their own data", "[reader][integration]") {
  ft::stack_options o;
  o.auth_token_lines = {"# comment line", "op-token operator", "acme-token tenant t-acme",
                        "globex-token tenant t-globex", "analyst-token analyst"};
  const ft::http_headers op{{"Authorization", "Bearer op-token"}};
  const ft::http_headers acme{{"Authorization", "Bearer acme-token"}};
  const ft::http_headers globex{{"Authorization", "Bearer globex-token"}};
  const ft::http_headers analyst{{"Authorization", "Bearer analyst-token"}};
  ft::stack_process s(o);
  publish_fleet(s);
  s.wait_views_caught_up(op);
  std::vector<std::string> acme_bodies, all_bodies;
  auto get = [&](const std::string& target, const ft::http_headers& h) {
    auto r = s.get(target, h);
    all_bodies.push_back(r.body);
    if (&h == &acme) acme_bodies.push_back(target + " -> " + r.body);
    return r;
  };

  // UNAUTHENTICATED: no header, unknown token, wrong scheme. /health stays open.
  for (const auto& [h, what] : std::vector<std::pair<ft::http_headers, std::string>>{
           {{}, "none"},
           {{{"Authorization", "Bearer nope"}}, "unknown"},
           {{{"Authorization", "Basic b3AtdG9rZW46"}}, "basic"},
           {{{"Authorization", "Bearer"}}, "empty"}}) {
    const auto r = get("/v1/clusters", h);
    INFO(what << " -> " << r.status << " " << r.body);
    CHECK(r.status == 401);
    CHECK(r.error_code() == "UNAUTHENTICATED");
  }
  CHECK(get("/health", {}).status == 200);

  CHECK(get("/v1/clusters", op).status == 200);
  CHECK(get("/v1/clusters", analyst).status == 200);
  CHECK(get("/v1/marketplace/clusters/c-spoke-us/subscriptions", op).status == 200);

  // Own tenant's views: allowed; PRIVATE clusters without an invite: never listed.
  const auto listing = get("/v1/marketplace/clusters?tenant_id=t-acme", acme);
  REQUIRE(listing.status == 200);
  CHECK(ids(listing.json()) == std::vector<std::string>{"c-far-lab", "c-hub-eu", "c-spoke-us"});
  const auto g_listing = get("/v1/marketplace/clusters?tenant_id=t-globex", globex);
  REQUIRE(g_listing.status == 200);
  CHECK(ids(g_listing.json()) == std::vector<std::string>{"c-globex-priv", "c-hub-eu", "c-spoke-us"});
  CHECK(get("/v1/tenants/t-acme/network", acme).status == 200);
  {
    const auto detail = get("/v1/marketplace/clusters/c-globex-priv?tenant_id=t-acme", acme);
    CHECK((detail.status == 404 || detail.status == 403));
  }

  // FORBIDDEN: another tenant's id.
  for (const auto* target : {"/v1/marketplace/clusters?tenant_id=t-globex", "/v1/tenants/t-globex/network",
                             "/v1/marketplace/clusters/c-hub-eu?tenant_id=t-globex",
                             "/v1/edges/score?tenant_id=t-globex&lat=1&lon=1"}) {
    const auto r = get(target, acme);
    INFO(target << " -> " << r.status << " " << r.body);
    CHECK(r.status == 403);
    CHECK(r.error_code() == "FORBIDDEN");
  }
  // The operator's subscription list: refused, or scoped to the tenant's own subscriptions.
  for (const auto* cluster : {"c-spoke-us", "c-hub-eu"}) {
    const auto r = get(std::string("/v1/marketplace/clusters/") + cluster + "/subscriptions", acme);
    INFO(cluster << " -> " << r.status << " " << r.body);
    CHECK((r.status == 403 || r.status == 200));
    if (r.status == 403) CHECK(r.error_code() == "FORBIDDEN");
    if (r.status == 200) {
      const auto body = r.json();
      for (const auto& i : items(body)) CHECK(str(i, "tenant_id") == "t-acme");
    }
  }
  (void)get("/v1/marketplace/clusters/c-far-lab/invites", acme);
  (void)get("/v1/marketplace/clusters/c-spoke-us?tenant_id=t-acme", acme);
  (void)get("/v1/marketplace/rejections", acme);
  (void)get("/v1/edges/score?tenant_id=t-acme&lat=1&lon=1", acme);
  // Without tenant_id a tenant token means its own tenant (or is refused): never another's data.
  (void)get("/v1/marketplace/clusters", acme);

  // Nothing an acme token got back names another tenant's subscription or globex's private cluster.
  for (const auto& body : acme_bodies) {
    INFO(body.substr(0, 400));
    const auto target = body.substr(0, body.find(" -> "));
    for (const auto* other : {"s-globex-spoke", "s-globex-hub", "s-initech-spoke", "s-initech-hub", "c-globex-priv"}) {
      // An error message may echo what the request itself named; nothing else may appear.
      if (target.find(other) != std::string::npos) continue;
      CHECK(body.find(other) == std::string::npos);
    }
  }
  const auto needles = secret_needles();
  for (const auto& body : all_bodies) {
    for (const auto& n : needles) CHECK(body.find(n) == std::string::npos);
  }
}

TEST_CASE("reader answers NOT_READY before its views exist and recovers once they do", "[reader][integration]") {
  ft::stack_options o;
  o.start_projectors = false;
  ft::stack_process s(o);  // the reader comes up (GET /health 200) on an empty data dir
  const auto ready = s.get("/ready");
  INFO(ready.body);
  CHECK(ready.status == 503);
  CHECK(ready.error_code() == "NOT_READY");
  const auto view = s.get("/v1/fleet/summary");
  INFO(view.body);
  CHECK(view.status == 503);
  CHECK(view.error_code() == "NOT_READY");

  for (const auto& v : ft::stack_views()) s.start_projector(v);
  publish_fleet(s);
  // Bounded: the reader opens the views once they appear; read-your-writes then answers.
  const auto mo = s.published().min_offsets(ft::view_topics("fleet"));
  int status = 0;
  for (int i = 0; i < 100 && status != 200; ++i) {
    status = s.get("/v1/fleet/summary?min_offsets=" + mo + "&wait_ms=2000").status;
    if (status != 200) std::this_thread::sleep_for(100ms);
  }
  CHECK(status == 200);
}

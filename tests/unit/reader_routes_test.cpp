// The reader's request handling without sockets: routes, errors, pagination, query decoding,
// freshness and credentials, over views built by the real applier.
#include <catch2/catch.hpp>
#include <thread>

#include "fleetledger/events/timestamps.hpp"
#include "reader_test_harness.hpp"

using namespace reader_test;
using namespace std::chrono_literals;

namespace {

const std::string ciphertext = "CIPHERTEXT-5eal3d-bytes-never-shown";
const std::string fingerprint = std::string(64, 'f');

v1::Envelope credentials(const std::string& cluster) {
  auto e = mt::envelope(mt::t0 + 5s);
  auto* c = e.mutable_cluster_credentials_stored();
  c->set_cluster_id(cluster);
  c->set_auth_type(v1::AUTH_TYPE_KUBECONFIG);
  c->set_fingerprint(fingerprint);
  c->mutable_secret()->set_algorithm("AES-256-GCM");
  c->mutable_secret()->set_data_key_id("key-7");
  c->mutable_secret()->set_nonce("NONCE-123456");
  c->mutable_secret()->set_ciphertext(ciphertext);
  c->mutable_secret()->set_tag("TAG-0123456789AB");
  return e;
}

// Two tenants, a public cluster of t1 with subscriptions, a private cluster of t2, credentials,
// an offering.
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
  f.publish(credentials("c1"));
  f.publish(mt::published("p1", "o1", "compute", 20.0, mt::t0));
}

}  // namespace

TEST_CASE("reader serves every view route with freshness headers", "[reader]") {
  reader_fixture f;
  seed(f);
  f.sync();
  for (const std::string target :
       {"/v1/clusters", "/v1/clusters/c1", "/v1/clusters/by-name/c1-name", "/v1/clusters/c1/status",
        "/v1/clusters/c1/history", "/v1/clusters/c1/edges", "/v1/fleet/summary", "/v1/fleet/health",
        "/v1/fleet/capabilities", "/v1/marketplace/clusters", "/v1/marketplace/clusters/c1",
        "/v1/marketplace/clusters/c1/subscriptions", "/v1/marketplace/clusters/c1/invites",
        "/v1/marketplace/rejections", "/v1/tenants/t2/network", "/v1/offerings",
        "/v1/edges/score?tenant_id=t2&lat=52&lon=4"}) {
    INFO(target);
    const auto r = f.get(target);
    CHECK(r.status == 200);
    CHECK(r.freshness);
    CHECK(r.offsets.find("fleet.cluster.v1:0:") != std::string::npos);
    CHECK_NOTHROW(r.json());
  }
  const auto summary = f.get("/v1/fleet/summary").json();
  CHECK(summary.at("total_clusters").as_int64() == 2);
}

TEST_CASE("reader answers the health ready metrics and template routes", "[reader]") {
  reader_fixture f;
  CHECK(f.get("/health").status == 200);
  CHECK(f.get("/ready").status == 200);
  const auto t = f.get("/v1/offerings/template/gpu");
  CHECK(t.status == 200);
  CHECK(t.content_type.find("text/csv") == 0);
  CHECK(t.body.find("gpu_model") != std::string::npos);
  const auto p = f.get("/v1/projections").json();
  CHECK(p.at("views").at("fleet").at("ready").as_bool());
  CHECK(p.at("views").at("fleet").at("digest").at("sha256").as_string().size() == 64);
}

TEST_CASE("reader errors carry the contract codes and statuses", "[reader]") {
  reader_fixture f;
  seed(f);
  f.sync();
  CHECK(f.get("/v1/nothing").status == 404);
  CHECK(f.get("/v1/nothing").code() == "NOT_FOUND");
  CHECK(f.get("/v1/clusters/").code() == "NOT_FOUND");
  CHECK(f.get("/v1/clusters", "", "POST").status == 405);
  CHECK(f.get("/v1/clusters", "", "DELETE").code() == "METHOD_NOT_ALLOWED");
  CHECK(f.get("/v1/clusters/nope").status == 404);
  CHECK(f.get("/v1/clusters/nope").code() == "CLUSTER_NOT_FOUND");
  CHECK(f.get("/v1/clusters/nope/status").code() == "CLUSTER_NOT_FOUND");
  CHECK(f.get("/v1/clusters/nope/edges").code() == "CLUSTER_NOT_FOUND");
  CHECK(f.get("/v1/marketplace/clusters/nope").code() == "CLUSTER_NOT_FOUND");
  CHECK(f.get("/v1/clusters/by-name/Bad_Name").status == 400);
  CHECK(f.get("/v1/clusters/by-name/Bad_Name").code() == "INVALID_CLUSTER_NAME");
  CHECK(f.get("/v1/clusters/by-name/no-such-name").code() == "CLUSTER_NOT_FOUND");
  CHECK(f.get("/v1/clusters?cluster_type=spaceship").code() == "INVALID_ARGUMENT");
  CHECK(f.get("/v1/clusters/c1/history?since=yesterday").code() == "INVALID_ARGUMENT");
  CHECK(f.get("/v1/offerings?max_price=cheap").code() == "INVALID_ARGUMENT");
  CHECK(f.get("/v1/edges/score?tenant_id=t2").code() == "INVALID_ARGUMENT");
  CHECK(f.get("/v1/edges/score?tenant_id=t2&lat=95&lon=0").code() == "INVALID_ARGUMENT");
  CHECK(f.get("/v1/marketplace/clusters/c1/subscriptions?status=maybe").code() == "INVALID_ARGUMENT");
  CHECK(f.get("/v1/tenants/nobody/network").status == 404);
}

TEST_CASE("reader pagination is bounded and strict", "[reader]") {
  reader_fixture f;
  seed(f);
  f.sync();
  for (const std::string bad : {"page=0", "page=-1", "page=abc", "page=1.5", "page_size=0", "page_size=101",
                                "page_size=x", "page=%31%30x"}) {
    INFO(bad);
    const auto r = f.get("/v1/clusters?" + bad);
    CHECK(r.status == 400);
    CHECK(r.code() == "INVALID_ARGUMENT");
  }
  const auto one = f.get("/v1/clusters?page_size=1&page=2").json();
  CHECK(one.at("total").as_int64() == 2);
  CHECK(one.at("page").as_int64() == 2);
  CHECK(one.at("page_size").as_int64() == 1);
  CHECK(one.at("total_pages").as_int64() == 2);
  CHECK(one.at("items").as_array().size() == 1);
  const auto beyond = f.get("/v1/marketplace/clusters?page=9").json();
  CHECK(beyond.at("items").as_array().empty());
  CHECK(beyond.at("page_size").as_int64() == 20);
  CHECK(f.get("/v1/clusters?page_size=100").status == 200);
}

TEST_CASE("reader query strings are percent-decoded strictly", "[reader]") {
  reader_fixture f;
  seed(f);
  f.sync();
  CHECK(f.get("/v1/clusters?name=c%31").json().at("total").as_int64() == 1);
  CHECK(f.get("/v1/clusters/c%31").status == 200);
  for (const std::string bad : {"/v1/clusters?name=%", "/v1/clusters?name=%4", "/v1/clusters?name=%zz",
                                "/v1/clusters/%g1", "/v1/clusters?x=%00"}) {
    INFO(bad);
    CHECK(f.get(bad).status == 400);
    CHECK(f.get(bad).code() == "INVALID_ARGUMENT");
  }
  CHECK(f.get("/v1/clusters?unknown=1&whatever").status == 200);
  // bytes that are not UTF-8 never make an error body invalid JSON
  const auto odd = f.get("/v1/marketplace/cl\xfasters?x=%FF");
  CHECK(odd.status == 404);
  CHECK_NOTHROW(odd.json());
  CHECK(f.get("/v1/clusters/by-name/%FF%FE").code() == "INVALID_CLUSTER_NAME");
  CHECK_NOTHROW(f.get("/v1/clusters/by-name/%FF%FE").json());
}

TEST_CASE("reader min_offsets is parsed strictly and checked per view topic", "[reader]") {
  reader_fixture f;
  const auto at = f.publish(mt::registered("c1", "t1", mt::t0));
  f.sync();
  const std::string reached = "fleet.cluster.v1:0:1";
  CHECK(f.get("/v1/clusters/c1?min_offsets=" + reached).status == 200);
  CHECK(at.next.value() == 1);
  // a topic the fleet view does not read is ignored
  CHECK(f.get("/v1/clusters/c1?min_offsets=fleet.tenant.v1:0:99").status == 200);
  // not reached: the synchronous handle() does not wait
  const auto late = f.get("/v1/clusters/c1?min_offsets=fleet.cluster.v1:0:5&wait_ms=0");
  CHECK(late.status == 504);
  CHECK(late.code() == "TIMEOUT");
  CHECK(f.get("/v1/clusters/c1?min_offsets=fleet.cluster.v1:3:1&wait_ms=0").status == 504);
  for (const std::string bad : {"x", "fleet.cluster.v1:0", "fleet.cluster.v1:a:1", "fleet.cluster.v1:0:-1",
                                "fleet.cluster.v1:0:1,", "bad topic:0:1"}) {
    INFO(bad);
    CHECK(f.get("/v1/clusters/c1?min_offsets=" + bad).code() == "INVALID_ARGUMENT");
  }
  CHECK(f.get("/v1/clusters/c1?wait_ms=-5").code() == "INVALID_ARGUMENT");
  CHECK(f.get("/v1/clusters/c1?wait_ms=999999").code() == "INVALID_ARGUMENT");
}

TEST_CASE("reader parks a request until the view reaches min_offsets", "[reader]") {
  reader_fixture f;
  f.publish(mt::registered("c1", "t1", mt::t0));
  f.sync();
  const std::string target = "/v1/clusters/c2?min_offsets=fleet.cluster.v1:0:2&wait_ms=5000";
  auto started = f.svc().begin({"GET", target, ""});
  REQUIRE_FALSE(started.response);
  REQUIRE(started.wait);
  std::optional<bool> woken;
  f.svc().park(started.wait, [&](bool reached) { woken = reached; });
  CHECK_FALSE(woken);
  CHECK(f.svc().parked() == 1);
  f.svc().on_tick();
  CHECK_FALSE(woken);
  f.publish(mt::registered("c2", "t1", mt::t0 + 1s));
  f.sync();
  f.svc().on_tick();
  REQUIRE(woken);
  CHECK(*woken);
  const auto r = f.svc().complete(*started.wait, true);
  CHECK(r.status == 200);
  CHECK(r.offsets == "fleet.cluster.v1:0:2");
  CHECK(f.svc().parked() == 0);
}

TEST_CASE("reader times a parked request out with 504", "[reader]") {
  reader_fixture f;
  f.publish(mt::registered("c1", "t1", mt::t0));
  f.sync();
  auto started = f.svc().begin({"GET", "/v1/fleet/summary?min_offsets=fleet.cluster.v1:0:9&wait_ms=1", ""});
  REQUIRE(started.wait);
  std::optional<bool> woken;
  f.svc().park(started.wait, [&](bool reached) { woken = reached; });
  for (int i = 0; i < 200 && !woken; ++i) {
    std::this_thread::sleep_for(5ms);
    f.svc().on_tick();
  }
  REQUIRE(woken);
  CHECK_FALSE(*woken);
  const auto r = f.svc().complete(*started.wait, false);
  CHECK(r.status == 504);
  CHECK(r.text().find("TIMEOUT") != std::string::npos);
}

TEST_CASE("reader answers 503 NOT_READY while a view directory does not exist", "[reader]") {
  reader_fixture f(std::nullopt, /*create_views=*/false);
  CHECK(f.get("/health").status == 200);
  CHECK(f.get("/ready").status == 503);
  CHECK(f.get("/v1/clusters").status == 503);
  CHECK(f.get("/v1/clusters").code() == "NOT_READY");
  CHECK(f.get("/v1/edges/score?tenant_id=t&lat=1&lon=1").code() == "NOT_READY");
  CHECK(f.get("/v1/offerings/template/gpu").status == 200);
}

TEST_CASE("reader responses follow the view generation", "[reader]") {
  reader_fixture f;
  f.publish(mt::registered("c1", "t1", mt::t0));
  f.sync();
  const auto first = f.get("/v1/fleet/summary");
  CHECK(f.get("/v1/fleet/summary").body == first.body);
  const auto gen = f.set().generation(fr::view_id::fleet);
  f.publish(mt::registered("c2", "t1", mt::t0));
  f.sync();
  CHECK(f.set().generation(fr::view_id::fleet) > gen);
  const auto second = f.get("/v1/fleet/summary");
  CHECK(second.json().at("total_clusters").as_int64() == 2);
  CHECK(second.offsets == "fleet.cluster.v1:0:2");
}

TEST_CASE("reader never shows credentials but their metadata", "[reader]") {
  reader_fixture f;
  seed(f);
  f.sync();
  const auto cluster = f.get("/v1/clusters/c1").json();
  const auto& creds = cluster.at("credentials").as_object();
  CHECK(creds.at("fingerprint").as_string() == fingerprint);
  for (const auto& kv : creds) {
    const std::string key(kv.key());
    CHECK((key == "auth_type" || key == "fingerprint" || key == "expires_at"));
  }
  for (const std::string target :
       {"/v1/clusters", "/v1/clusters/c1", "/v1/clusters/by-name/c1-name", "/v1/clusters/c1/status",
        "/v1/clusters/c1/history", "/v1/clusters/c1/edges", "/v1/fleet/summary", "/v1/fleet/health",
        "/v1/fleet/capabilities", "/v1/marketplace/clusters", "/v1/marketplace/clusters/c1",
        "/v1/marketplace/clusters/c1/subscriptions", "/v1/marketplace/clusters/c1/invites",
        "/v1/marketplace/rejections", "/v1/tenants/t2/network", "/v1/offerings", "/v1/projections", "/metrics",
        "/v1/edges/score?tenant_id=t2&lat=52&lon=4"}) {
    INFO(target);
    const auto r = f.get(target);
    CHECK(r.body.find(ciphertext) == std::string::npos);
    CHECK(r.body.find("NONCE-123456") == std::string::npos);
    CHECK(r.body.find("key-7") == std::string::npos);
  }
}

TEST_CASE("reader metrics use the Prometheus text format with route templates", "[reader]") {
  reader_fixture f;
  seed(f);
  f.sync();
  (void)f.get("/v1/clusters/c1");
  (void)f.get("/v1/clusters/c2");
  (void)f.get("/v1/clusters/nope");
  (void)f.get("/v1/no/such/route");
  const auto m = f.get("/metrics");
  CHECK(m.content_type.find("text/plain") == 0);
  CHECK(m.body.find("# TYPE fleetledger_http_requests_total counter") != std::string::npos);
  CHECK(m.body.find("fleetledger_http_requests_total{route=\"/v1/clusters/{id}\",code=\"200\"} 2") != std::string::npos);
  CHECK(m.body.find("fleetledger_http_requests_total{route=\"/v1/clusters/{id}\",code=\"404\"} 1") != std::string::npos);
  CHECK(m.body.find("fleetledger_http_requests_total{route=\"unmatched\",code=\"404\"} 1") != std::string::npos);
  CHECK(m.body.find("c2\"") == std::string::npos);
  CHECK(m.body.find("fleetledger_http_request_duration_seconds_bucket{route=\"/v1/clusters/{id}\",le=\"+Inf\"} 3") !=
        std::string::npos);
  CHECK(m.body.find("fleetledger_view_offset{view=\"fleet\",topic=\"fleet.cluster.v1\",partition=\"0\"}") !=
        std::string::npos);
  CHECK(m.body.find("fleetledger_view_ready{view=\"edges\"} 1") != std::string::npos);
  CHECK(m.body.find("fleetledger_projector_applied_total{view=\"marketplace\"}") != std::string::npos);
  CHECK(m.body.find("fleetledger_view_lag_ms{view=\"fleet\"}") != std::string::npos);
  // every line is a comment or "name{labels} value"
  std::size_t start = 0;
  while (start < m.body.size()) {
    const auto end = m.body.find('\n', start);
    REQUIRE(end != std::string::npos);
    const auto line = m.body.substr(start, end - start);
    INFO(line);
    CHECK((line.rfind("# ", 0) == 0 || line.find("} ") != std::string::npos || line.find(' ') != std::string::npos));
    start = end + 1;
  }
}

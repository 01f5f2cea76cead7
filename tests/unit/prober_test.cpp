// The prober's pure parts: bearer tokens from stored secrets, capabilities from Kubernetes JSON,
// health events scored through events/cluster_rules, and the registry fold.
#include <catch2/catch.hpp>

#include "fleetledger/events/envelope.hpp"
#include "fleetledger/producers/prober/assessment.hpp"
#include "fleetledger/producers/prober/registry.hpp"
#include "support/child_process.hpp"

namespace pr = fleetledger::producers::prober;
namespace v1 = fleetledger::v1;

namespace {

const char* kubeconfig = R"(apiVersion: v1
kind: Config
clusters:
- cluster:
    certificate-authority-data: LS0tLS1CRUdJTi...
    server: https://api.c1.example.net:6443
  name: c1
contexts:
- context:
    cluster: c1
    user: reader
  name: ro
- context:
    cluster: c1
    user: admin
  name: admin@c1
current-context: admin@c1
users:
- name: reader
  user:
    token: reader-token
- name: admin
  user:
    token: "admin-token-xyz"
)";

pr::probe_result ok() { return {.status = v1::CHECK_STATUS_OK, .latency = std::chrono::milliseconds(12), .http_status = 200}; }
pr::probe_result down() { return {.status = v1::CHECK_STATUS_FAILED, .latency = std::chrono::milliseconds(5), .http_status = 0, .error = "connect: refused"}; }
pr::probe_result none() { return {}; }

}  // namespace

TEST_CASE("prober takes the current context's token from a kubeconfig", "[prober]") {
  auto t = pr::bearer_token(v1::AUTH_TYPE_KUBECONFIG, kubeconfig);
  REQUIRE(t.has_value());
  CHECK(*t == "admin-token-xyz");
}

TEST_CASE("prober takes the first user's token without a current context", "[prober]") {
  auto t = pr::bearer_token(v1::AUTH_TYPE_KUBECONFIG, "users:\n- name: u\n  user:\n    token: abc\n");
  REQUIRE(t.has_value());
  CHECK(*t == "abc");
}

TEST_CASE("prober explains kubeconfigs without a bearer token", "[prober]") {
  auto cert = pr::bearer_token(v1::AUTH_TYPE_KUBECONFIG,
                               "users:\n- name: u\n  user:\n    client-certificate-data: AAA\n    client-key-data: BBB\n");
  REQUIRE_FALSE(cert.has_value());
  CHECK(cert.err().message.find("client certificate") != std::string::npos);
  auto exec = pr::bearer_token(v1::AUTH_TYPE_KUBECONFIG, "users:\n- name: u\n  user:\n    exec:\n      command: aws\n");
  REQUIRE_FALSE(exec.has_value());
  CHECK(exec.err().message.find("exec") != std::string::npos);
  CHECK_FALSE(pr::bearer_token(v1::AUTH_TYPE_KUBECONFIG, "kind: Config\n").has_value());
}

TEST_CASE("prober uses a service-account secret as the token", "[prober]") {
  auto t = pr::bearer_token(v1::AUTH_TYPE_SERVICE_ACCOUNT, "  eyJhbGciOi.payload.sig\n");
  REQUIRE(t.has_value());
  CHECK(*t == "eyJhbGciOi.payload.sig");
  CHECK_FALSE(pr::bearer_token(v1::AUTH_TYPE_SERVICE_ACCOUNT, "  \n").has_value());
}

TEST_CASE("prober reads capabilities from recorded Kubernetes lists", "[prober]") {
  const std::string dir = FLEETLEDGER_FIXTURES_DIR "/k8s/";
  auto caps = pr::capabilities_from("c1", fleetledger::testing::read_file(dir + "nodes.json"),
                                    fleetledger::testing::read_file(dir + "namespaces.json"),
                                    fleetledger::testing::read_file(dir + "pods.json"));
  REQUIRE(caps.has_value());
  CHECK(caps->cluster_id() == "c1");
  CHECK(caps->gpu_count() == 8);
  CHECK(caps->has_gpu_nodes());
  CHECK(caps->gpu_types_size() == 2);
  CHECK(caps->cnf_types_size() == 3);
  CHECK(caps->has_prometheus());
  CHECK(caps->has_loki());
  CHECK(caps->has_service_mesh());
  CHECK_FALSE(caps->has_thanos());
}

TEST_CASE("prober capabilities of an empty cluster are all false", "[prober]") {
  auto caps = pr::capabilities_from("c1", R"({"items":[]})", R"({"items":[{"metadata":{"name":"default"}}]})", "");
  REQUIRE(caps.has_value());
  CHECK_FALSE(caps->has_gpu_nodes());
  CHECK(caps->gpu_count() == 0);
  CHECK_FALSE(caps->has_cnf_workloads());
  CHECK_FALSE(caps->has_prometheus());
  auto same = pr::capabilities_from("c1", R"({"items":[]})", R"({"items":[]})", "");
  REQUIRE(same.has_value());
  CHECK(pr::same_capabilities(*caps, *same));
}

TEST_CASE("prober refuses a body that is not a Kubernetes list", "[prober]") {
  auto caps = pr::capabilities_from("c1", R"({"kind":"Status"})", R"({"items":[]})", "");
  REQUIRE_FALSE(caps.has_value());
  CHECK(caps.err().message.find("/api/v1/nodes") != std::string::npos);
}

TEST_CASE("prober health events follow the cluster rules", "[prober]") {
  const auto now = std::chrono::system_clock::now();
  auto all_up = pr::health_event("c", ok(), ok(), ok(), ok(), now);
  CHECK(all_up.health_score() == 100);
  CHECK(all_up.state() == v1::CLUSTER_STATE_ONLINE);
  CHECK(all_up.connectivity() == v1::CONNECTIVITY_CONNECTED);
  CHECK(all_up.api_server().latency().nanos() == 12'000'000);

  auto degraded = pr::health_event("c", ok(), down(), none(), down(), now);
  CHECK(degraded.health_score() == 65);
  CHECK(degraded.state() == v1::CLUSTER_STATE_DEGRADED);
  CHECK(degraded.connectivity() == v1::CONNECTIVITY_PARTIAL);
  CHECK(pr::state_reason(degraded) == "prometheus failed: connect: refused; loki failed: connect: refused");

  auto offline = pr::health_event("c", down(), down(), down(), down(), now);
  CHECK(offline.health_score() == 0);
  CHECK(offline.state() == v1::CLUSTER_STATE_OFFLINE);
  CHECK(offline.connectivity() == v1::CONNECTIVITY_DISCONNECTED);

  auto api_only = pr::health_event("c", ok(), none(), none(), none(), now);
  CHECK(api_only.health_score() == 100);
  CHECK(api_only.tempo().status() == v1::CHECK_STATUS_NOT_CONFIGURED);
  CHECK(pr::state_reason(api_only) == "all configured checks passed");
}

TEST_CASE("prober registry folds the cluster lifecycle", "[prober]") {
  pr::cluster_registry reg;
  auto env = fleetledger::events::make_envelope({.producer = "t"});
  auto* r = env.mutable_cluster_registered();
  r->set_cluster_id("c1");
  r->set_api_server_url("https://a");
  r->set_cluster_type(v1::CLUSTER_TYPE_EDGE);
  CHECK(reg.apply(env, true) == pr::registry_change::added);

  auto upd = fleetledger::events::make_envelope({.producer = "t"});
  upd.mutable_cluster_updated()->set_cluster_id("c1");
  upd.mutable_cluster_updated()->mutable_endpoints()->set_loki_url("http://loki");
  upd.mutable_cluster_updated()->mutable_update_mask()->add_paths("endpoints.loki_url");
  CHECK(reg.apply(upd, true) == pr::registry_change::updated);
  REQUIRE(reg.find("c1") != nullptr);
  CHECK(reg.find("c1")->endpoints.loki_url() == "http://loki");
  CHECK(reg.find("c1")->api_server_url == "https://a");

  auto health = fleetledger::events::make_envelope({.producer = "t"});
  health.mutable_cluster_health_checked()->set_cluster_id("c1");
  health.mutable_cluster_health_checked()->set_state(v1::CLUSTER_STATE_DEGRADED);
  CHECK(reg.apply(health, false) == pr::registry_change::none);
  CHECK(reg.find("c1")->last_state == v1::CLUSTER_STATE_UNKNOWN);  // not learnt after start
  (void)reg.apply(health, true);
  CHECK(reg.find("c1")->last_state == v1::CLUSTER_STATE_DEGRADED);

  auto creds = fleetledger::events::make_envelope({.producer = "t"});
  creds.mutable_cluster_credentials_stored()->set_cluster_id("c1");
  creds.mutable_cluster_credentials_stored()->mutable_secret()->set_data_key_id("dk-1");
  CHECK(reg.apply(creds, false) == pr::registry_change::credentials_changed);
  CHECK(reg.find("c1")->secret.has_value());
  auto del_creds = fleetledger::events::make_envelope({.producer = "t"});
  del_creds.mutable_cluster_credentials_deleted()->set_cluster_id("c1");
  (void)reg.apply(del_creds, false);
  CHECK_FALSE(reg.find("c1")->secret.has_value());

  auto refresh = fleetledger::events::make_envelope({.producer = "t"});
  refresh.mutable_cluster_refresh_requested()->set_cluster_id("c1");
  CHECK(reg.apply(refresh, false) == pr::registry_change::refresh_requested);

  auto del = fleetledger::events::make_envelope({.producer = "t"});
  del.mutable_cluster_deleted()->set_cluster_id("c1");
  CHECK(reg.apply(del, false) == pr::registry_change::deleted);
  CHECK(reg.find("c1") == nullptr);
}

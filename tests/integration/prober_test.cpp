// fleetledger-prober against real local HTTP(S) servers and the real dev broker: health checks, scores,
// state transitions (also across restarts), TLS with a cluster CA, and capability discovery through a
// fake Kubernetes API serving recorded JSON (tests/fixtures/k8s).
#include <sys/stat.h>

#include <catch2/catch.hpp>

#include <csignal>
#include <fstream>
#include <map>
#include <thread>

#include "fleetledger/events/codec.hpp"
#include "fleetledger/events/consumer.hpp"
#include "fleetledger/events/envelope.hpp"
#include "fleetledger/events/publisher.hpp"
#include "fleetledger/events/topic_catalogue.hpp"
#include "fleetledger/producers/credentials/key_store.hpp"
#include "support/broker_process.hpp"
#include "support/child_process.hpp"
#include "support/temp_dir.hpp"
#include "support/test_http_server.hpp"
#include "support/topic_reader.hpp"

namespace fe = fleetledger::events;
namespace ft = fleetledger::testing;
namespace v1 = fleetledger::v1;
using namespace std::chrono_literals;

namespace {

ft::test_response healthy(const ft::test_request&) { return {}; }
ft::test_response failing(const ft::test_request&) { return {.status = 500, .body = "boom"}; }
ft::test_response slow(const ft::test_request&) { return {.delay = 3s}; }

fe::publisher make_publisher(const std::string& brokers) {
  fe::publisher_config pc;
  pc.client.brokers = brokers;
  auto p = fe::publisher::create(pc);
  REQUIRE(p.has_value());
  return std::move(p).value();
}

v1::Envelope registered(const std::string& id, const std::string& api, const std::string& prom = "",
                        const std::string& ca = "") {
  auto env = fe::make_envelope({.producer = "prober_test", .actor = "op"});
  auto* r = env.mutable_cluster_registered();
  r->set_cluster_id(id);
  r->set_name(id);
  r->set_owner_tenant_id("tenant-ops");
  r->set_api_server_url(api);
  r->set_cluster_type(v1::CLUSTER_TYPE_HUB);
  r->mutable_endpoints()->set_prometheus_url(prom);
  r->set_ca_cert_pem(ca);
  return env;
}

// Every cluster-topic event, decoded, in partition order.
std::vector<v1::Envelope> read_cluster_topic(const std::string& brokers) {
  std::vector<v1::Envelope> out;
  for (auto& r : fleetledger::testing::read_topic(brokers, fe::cluster_topic)) out.push_back(std::move(r.event));
  return out;
}

// The last event of a payload type for a cluster.
template <typename Get>
auto last_of(const std::vector<v1::Envelope>& events, v1::Envelope::PayloadCase type, const std::string& id, Get get)
    -> std::optional<std::decay_t<decltype(get(events.front()))>> {
  std::optional<std::decay_t<decltype(get(events.front()))>> out;
  for (const auto& e : events) {
    if (e.payload_case() == type && get(e).cluster_id() == id) out = get(e);
  }
  return out;
}

std::optional<v1::ClusterHealthChecked> last_health(const std::vector<v1::Envelope>& ev, const std::string& id) {
  return last_of(ev, v1::Envelope::kClusterHealthChecked, id, [](const v1::Envelope& e) { return e.cluster_health_checked(); });
}

std::vector<v1::ClusterStatusChanged> status_changes(const std::vector<v1::Envelope>& ev, const std::string& id) {
  std::vector<v1::ClusterStatusChanged> out;
  for (const auto& e : ev) {
    if (e.has_cluster_status_changed() && e.cluster_status_changed().cluster_id() == id) out.push_back(e.cluster_status_changed());
  }
  return out;
}

// Runs the prober once; returns its stdout summary line.
std::string run_prober_once(const std::string& brokers, std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {"--brokers", brokers, "--once", "--timeout-override-ms", "1000"};
  args.insert(args.end(), extra.begin(), extra.end());
  auto r = ft::run(ft::bin_path("fleetledger-prober"), ft::child_options{.args = args}, 120s);
  INFO(r.stderr_text);
  REQUIRE(r.exit_code == 0);
  return r.stdout_text;
}

}  // namespace

TEST_CASE("prober checks real endpoints and publishes health and state changes", "[prober][integration]") {
  ft::temp_dir dir("prober-test");
  ft::broker_process broker;
  const auto tls = ft::make_test_certificates(dir.path().string());
  ft::test_http_server ok_server(healthy);
  ft::test_http_server failing_server(failing);
  ft::test_http_server slow_server(slow);
  ft::test_http_server tls_server(healthy, &tls);
  const std::string refused = "http://127.0.0.1:" + std::to_string(ft::free_loopback_port());

  auto pub = make_publisher(broker.bootstrap());
  std::vector<v1::Envelope> regs = {
      registered("c-healthy", ok_server.url(), ok_server.url()),
      registered("c-degraded", ok_server.url(), failing_server.url()),
      registered("c-slow", slow_server.url()),
      registered("c-refused", refused),
      registered("c-500", failing_server.url()),
      registered("c-tls", tls_server.url(), "", tls.ca_pem),
      registered("c-tls-noca", tls_server.url()),
  };
  for (const auto& r : pub.publish_all(regs)) REQUIRE(r.has_value());

  const auto summary = run_prober_once(broker.bootstrap());
  CHECK(summary.find("\"checked\":7") != std::string::npos);
  CHECK(summary.find("\"status_changes\":7") != std::string::npos);

  auto events = read_cluster_topic(broker.bootstrap());
  auto h = last_health(events, "c-healthy");
  REQUIRE(h.has_value());
  CHECK(h->health_score() == 100);
  CHECK(h->state() == v1::CLUSTER_STATE_ONLINE);
  CHECK(h->connectivity() == v1::CONNECTIVITY_CONNECTED);
  CHECK(h->api_server().status() == v1::CHECK_STATUS_OK);
  CHECK(h->api_server().http_status() == 200);
  CHECK(h->prometheus().status() == v1::CHECK_STATUS_OK);
  CHECK(h->tempo().status() == v1::CHECK_STATUS_NOT_CONFIGURED);
  CHECK(h->has_checked_at());

  auto d = last_health(events, "c-degraded");
  REQUIRE(d.has_value());
  CHECK(d->health_score() == 80);
  CHECK(d->state() == v1::CLUSTER_STATE_DEGRADED);
  CHECK(d->connectivity() == v1::CONNECTIVITY_PARTIAL);
  CHECK(d->prometheus().http_status() == 500);

  auto s = last_health(events, "c-slow");
  REQUIRE(s.has_value());
  CHECK(s->state() == v1::CLUSTER_STATE_OFFLINE);
  CHECK(s->health_score() == 50);
  CHECK(s->api_server().error().find("timed out") != std::string::npos);

  auto r = last_health(events, "c-refused");
  REQUIRE(r.has_value());
  CHECK(r->state() == v1::CLUSTER_STATE_OFFLINE);
  CHECK(r->connectivity() == v1::CONNECTIVITY_DISCONNECTED);
  CHECK(r->api_server().error().find("refused") != std::string::npos);

  auto f = last_health(events, "c-500");
  REQUIRE(f.has_value());
  CHECK(f->state() == v1::CLUSTER_STATE_OFFLINE);
  CHECK(f->api_server().http_status() == 500);

  auto t = last_health(events, "c-tls");
  REQUIRE(t.has_value());
  CHECK(t->state() == v1::CLUSTER_STATE_ONLINE);

  auto n = last_health(events, "c-tls-noca");
  REQUIRE(n.has_value());
  CHECK(n->state() == v1::CLUSTER_STATE_OFFLINE);
  CHECK(n->api_server().error().find("certificate verify failed") != std::string::npos);

  auto first_changes = status_changes(events, "c-degraded");
  REQUIRE(first_changes.size() == 1);
  CHECK(first_changes[0].old_state() == v1::CLUSTER_STATE_UNKNOWN);
  CHECK(first_changes[0].new_state() == v1::CLUSTER_STATE_DEGRADED);
  CHECK(first_changes[0].reason().find("prometheus failed") != std::string::npos);

  // A restarted prober learns the last states from the topic: nothing changed, no status event.
  const auto again = run_prober_once(broker.bootstrap());
  CHECK(again.find("\"checked\":7") != std::string::npos);
  CHECK(again.find("\"status_changes\":0") != std::string::npos);

  // The failing server recovers: c-degraded and c-500 go ONLINE.
  failing_server.set_handler(healthy);
  const auto third = run_prober_once(broker.bootstrap());
  CHECK(third.find("\"status_changes\":2") != std::string::npos);
  events = read_cluster_topic(broker.bootstrap());
  auto changes = status_changes(events, "c-degraded");
  REQUIRE(changes.size() == 2);
  CHECK(changes[1].old_state() == v1::CLUSTER_STATE_DEGRADED);
  CHECK(changes[1].new_state() == v1::CLUSTER_STATE_ONLINE);
  CHECK(changes[1].health_score() == 100);
  auto c500 = status_changes(events, "c-500");
  REQUIRE(c500.size() == 2);
  CHECK(c500[1].old_state() == v1::CLUSTER_STATE_OFFLINE);
  CHECK(c500[1].new_state() == v1::CLUSTER_STATE_ONLINE);
}

TEST_CASE("prober discovers capabilities through a fake Kubernetes API once", "[prober][integration]") {
  ft::temp_dir dir("prober-k8s");
  ft::broker_process broker;
  const std::string token = "k8s-token-5f0c2b";
  const std::string fixtures = FLEETLEDGER_FIXTURES_DIR "/k8s/";
  ft::test_http_server k8s([&](const ft::test_request& req) -> ft::test_response {
    if (req.target == "/readyz") return {};
    if (req.authorization != "Bearer " + token) return {.status = 401, .body = "{}"};
    const auto path = req.target.substr(0, req.target.find('?'));
    if (path == "/api/v1/nodes") return {.body = ft::read_file(fixtures + "nodes.json"), .content_type = "application/json"};
    if (path == "/api/v1/namespaces") return {.body = ft::read_file(fixtures + "namespaces.json"), .content_type = "application/json"};
    if (path == "/api/v1/pods") return {.body = ft::read_file(fixtures + "pods.json"), .content_type = "application/json"};
    return {.status = 404, .body = "{}"};
  });

  const auto master = fleetledger::producers::credentials::master_key::generate();
  const std::string key_file = dir.file("master.key");
  std::ofstream(key_file) << master.to_hex();
  ::chmod(key_file.c_str(), 0600);
  const std::string key_store = dir.file("keys");
  auto store = fleetledger::producers::credentials::key_store::load(key_store, master);
  REQUIRE(store.has_value());
  const std::string kubeconfig =
      "apiVersion: v1\nkind: Config\nclusters:\n- name: k\n  cluster:\n    server: " + k8s.url() +
      "\ncontexts:\n- name: k\n  context:\n    cluster: k\n    user: admin\ncurrent-context: k\nusers:\n"
      "- name: admin\n  user:\n    token: " + token + "\n";
  auto sealed = store->seal("c-gpu", kubeconfig);
  REQUIRE(sealed.has_value());

  auto pub = make_publisher(broker.bootstrap());
  auto creds = fe::make_envelope({.producer = "prober_test", .actor = "op"});
  auto* c = creds.mutable_cluster_credentials_stored();
  c->set_cluster_id("c-gpu");
  c->set_auth_type(v1::AUTH_TYPE_KUBECONFIG);
  c->set_fingerprint(fleetledger::producers::credentials::fingerprint(kubeconfig));
  *c->mutable_secret() = *sealed;
  std::vector<v1::Envelope> evs = {registered("c-gpu", k8s.url()), creds};
  for (const auto& r : pub.publish_all(evs)) REQUIRE(r.has_value());

  const std::vector<std::string> key_args = {"--master-key-file", key_file, "--key-store", key_store};
  const auto first = run_prober_once(broker.bootstrap(), key_args);
  CHECK(first.find("\"capability_changes\":1") != std::string::npos);

  auto events = read_cluster_topic(broker.bootstrap());
  auto caps = last_of(events, v1::Envelope::kClusterCapabilitiesChanged, "c-gpu",
                      [](const v1::Envelope& e) { return e.cluster_capabilities_changed(); });
  REQUIRE(caps.has_value());
  CHECK(caps->has_gpu_nodes());
  CHECK(caps->gpu_count() == 8);
  REQUIRE(caps->gpu_types_size() == 2);
  CHECK(caps->gpu_types(0) == "NVIDIA-A100-SXM4-80GB");
  CHECK(caps->gpu_types(1) == "NVIDIA-L40S");
  CHECK(caps->has_cnf_workloads());
  REQUIRE(caps->cnf_types_size() == 3);
  CHECK(caps->cnf_types(0) == v1::CNF_TYPE_VDU);
  CHECK(caps->cnf_types(1) == v1::CNF_TYPE_UPF);
  CHECK(caps->cnf_types(2) == v1::CNF_TYPE_AMF);
  CHECK(caps->has_prometheus());
  CHECK(caps->has_loki());
  CHECK_FALSE(caps->has_tempo());
  CHECK_FALSE(caps->has_thanos());
  CHECK(caps->has_service_mesh());

  // Unchanged capabilities are not published again, also by a restarted prober.
  const auto second = run_prober_once(broker.bootstrap(), key_args);
  CHECK(second.find("\"capability_changes\":0") != std::string::npos);
  CHECK(k8s.requests() >= 8);
}

TEST_CASE("prober running continuously picks up new clusters and stops on SIGTERM", "[prober][integration]") {
  ft::broker_process broker;
  ft::test_http_server ok_server(healthy);
  ft::temp_dir dir("prober-live");
  ft::child_process prober(ft::bin_path("fleetledger-prober"),
                           ft::child_options{.args = {"--brokers", broker.bootstrap(), "--interval-override-ms", "300",
                                                      "--timeout-override-ms", "1000"},
                                             .stderr_path = dir.file("prober.log")});
  auto pub = make_publisher(broker.bootstrap());
  REQUIRE(pub.publish(registered("c-live", ok_server.url())).has_value());

  // Checked again and again at the overridden interval (bounded wait).
  std::size_t checks = 0;
  for (int i = 0; i < 100 && checks < 3; ++i) {
    std::this_thread::sleep_for(200ms);
    checks = 0;
    for (const auto& e : read_cluster_topic(broker.bootstrap())) {
      if (e.has_cluster_health_checked() && e.cluster_health_checked().cluster_id() == "c-live") ++checks;
    }
  }
  CHECK(checks >= 3);
  const auto events = read_cluster_topic(broker.bootstrap());
  CHECK(status_changes(events, "c-live").size() == 1);  // UNKNOWN -> ONLINE once, not on every check

  prober.send_signal(SIGTERM);
  const auto code = prober.wait(15s);
  INFO(ft::read_file(dir.file("prober.log")));
  REQUIRE(code.has_value());
  CHECK(*code == 0);
}

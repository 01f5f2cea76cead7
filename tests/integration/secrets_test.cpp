// Secrets never reach Kafka or a view in plaintext, and crypto-shredding makes replayed ciphertext
// useless: credentials are stored and rotated through the credentials library + publisher, the three
// real projectors fold the log, then every byte of every topic (all partitions, keys, values, headers)
// and every file under the views' RocksDB directories is searched for the plaintext secrets.
#include <sys/stat.h>

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "fleetledger/events/codec.hpp"
#include "fleetledger/events/consumer.hpp"
#include "fleetledger/events/envelope.hpp"
#include "fleetledger/events/publisher.hpp"
#include "fleetledger/events/topic_catalogue.hpp"
#include "fleetledger/producers/credentials/key_store.hpp"
#include "support/broker_process.hpp"
#include "support/child_process.hpp"
#include "support/temp_dir.hpp"

namespace fe = fleetledger::events;
namespace fc = fleetledger::producers::credentials;
namespace ft = fleetledger::testing;
namespace v1 = fleetledger::v1;
using namespace std::chrono_literals;

namespace {

struct topic_dump {
  std::string bytes;                  // every key, value and header value, concatenated
  std::vector<v1::Envelope> cluster;  // decoded fleet.cluster.v1 events
};

topic_dump dump_all_topics(const std::string& brokers) {
  fe::consumer_config cc;
  cc.client.brokers = brokers;
  cc.name = "secrets-test";
  auto c = fe::consumer::create(cc);
  REQUIRE(c.has_value());
  std::vector<std::string_view> topics;
  for (const auto& t : fe::topic_catalogue()) topics.push_back(t.name);
  auto parts = c->list_partitions(topics, 10s);
  REQUIRE(parts.has_value());
  fe::offset_vector start;
  for (const auto& tp : *parts) start.push_back({tp, fe::offset_beginning});
  REQUIRE(c->assign(start).has_value());
  topic_dump out;
  fe::poll_batch batch;
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (!c->caught_up() && std::chrono::steady_clock::now() < deadline) {
    batch.clear();
    REQUIRE(c->poll(200ms, batch, 10'000).has_value());
    for (const auto& r : batch.records) {
      out.bytes.append(r.key()).append(r.value());
      for (const char* h : {"fl-type", "fl-event-id", "fl-schema"}) {
        if (auto v = r.header(h)) out.bytes.append(*v);
      }
      if (r.topic() == fe::cluster_topic) {
        auto env = fe::decode(r.value());
        REQUIRE(env.has_value());
        out.cluster.push_back(std::move(*env));
      }
    }
  }
  REQUIRE(c->caught_up());
  return out;
}

// Every regular file under dir, concatenated.
std::string dump_files(const std::filesystem::path& dir, int& files) {
  std::string all;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    ++files;
    all += ft::read_file(e.path().string());
  }
  return all;
}

v1::Envelope credentials_event(const std::string& cluster, const std::string& secret, const v1::SealedSecret& sealed,
                               bool rotate) {
  auto env = fe::make_envelope({.producer = "secrets_test", .actor = "op"});
  if (rotate) {
    auto* p = env.mutable_cluster_credentials_rotated();
    p->set_cluster_id(cluster);
    p->set_auth_type(v1::AUTH_TYPE_SERVICE_ACCOUNT);
    p->set_fingerprint(fc::fingerprint(secret));
    *p->mutable_secret() = sealed;
  } else {
    auto* p = env.mutable_cluster_credentials_stored();
    p->set_cluster_id(cluster);
    p->set_auth_type(v1::AUTH_TYPE_KUBECONFIG);
    p->set_fingerprint(fc::fingerprint(secret));
    *p->mutable_secret() = sealed;
  }
  return env;
}

}  // namespace

TEST_CASE("secrets never appear in topics or views and shredding defeats replay", "[secrets][integration]") {
  ft::temp_dir dir("secrets-test");
  ft::broker_process broker;
  const std::string first_secret =
      "apiVersion: v1\nkind: Config\nusers:\n- name: admin\n  user:\n    token: PLAINTEXT-TOKEN-7f3a9c\n";
  const std::string second_secret = "ROTATED-SA-TOKEN-b41d02e9";
  const std::string cluster = "c-secret";

  auto store = fc::key_store::load(dir.path() / "keys", fc::master_key::generate());
  REQUIRE(store.has_value());
  auto sealed1 = store->seal(cluster, first_secret);
  auto sealed2 = store->seal(cluster, second_secret);
  REQUIRE((sealed1 && sealed2));

  fe::publisher_config pc;
  pc.client.brokers = broker.bootstrap();
  auto pub = fe::publisher::create(pc);
  REQUIRE(pub.has_value());
  auto reg = fe::make_envelope({.producer = "secrets_test", .actor = "op"});
  auto* r = reg.mutable_cluster_registered();
  r->set_cluster_id(cluster);
  r->set_name("secret-cluster");
  r->set_owner_tenant_id("tenant-1");
  r->set_api_server_url("https://api.secret.example.net:6443");
  r->set_cluster_type(v1::CLUSTER_TYPE_SPOKE);
  std::vector<v1::Envelope> events = {reg, credentials_event(cluster, first_secret, *sealed1, false),
                                      credentials_event(cluster, second_secret, *sealed2, true)};
  for (const auto& p : pub->publish_all(events)) REQUIRE(p.has_value());

  // The three real projectors fold the log into their RocksDB views.
  for (const std::string view : {"fleet", "marketplace", "edges"}) {
    auto run = ft::run(ft::bin_path("fleetledger-projector"),
                       ft::child_options{.args = {"--view", view, "--brokers", broker.bootstrap(), "--view-dir",
                                                  (dir.path() / "views" / view).string(), "--exit-at-end"}},
                       120s);
    INFO(run.stderr_text);
    REQUIRE(run.exit_code == 0);
  }

  const auto topics = dump_all_topics(broker.bootstrap());
  REQUIRE(topics.cluster.size() == 3);
  CHECK(topics.bytes.find(sealed1->ciphertext()) != std::string::npos);  // the ciphertext is there
  for (const auto& secret : {first_secret, second_secret, std::string("PLAINTEXT-TOKEN-7f3a9c")}) {
    CHECK(topics.bytes.find(secret) == std::string::npos);
  }
  int files = 0;
  const auto views = dump_files(dir.path() / "views", files);
  CHECK(files > 0);
  CHECK(views.find("PLAINTEXT-TOKEN-7f3a9c") == std::string::npos);
  CHECK(views.find(second_secret) == std::string::npos);
  int key_files = 0;
  const auto keys = dump_files(dir.path() / "keys", key_files);
  CHECK(key_files > 0);
  CHECK(keys.find("PLAINTEXT-TOKEN-7f3a9c") == std::string::npos);
  CHECK(keys.find(second_secret) == std::string::npos);

  // Replayed ciphertext opens while the data key exists...
  const auto& replayed = topics.cluster[1].cluster_credentials_stored().secret();
  auto before = store->open(cluster, replayed);
  REQUIRE(before.has_value());
  CHECK(*before == first_secret);
  // ...and never again once it is destroyed.
  REQUIRE(store->destroy(cluster).has_value());
  for (const auto& e : dump_all_topics(broker.bootstrap()).cluster) {
    const v1::SealedSecret* s = e.has_cluster_credentials_stored()    ? &e.cluster_credentials_stored().secret()
                                : e.has_cluster_credentials_rotated() ? &e.cluster_credentials_rotated().secret()
                                                                      : nullptr;
    if (s == nullptr) continue;
    auto after = store->open(cluster, *s);
    REQUIRE_FALSE(after.has_value());
    CHECK(after.err().message.find("crypto-shredded") != std::string::npos);
  }
}

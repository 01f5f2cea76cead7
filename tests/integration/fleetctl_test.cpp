// fleetctl against the real dev broker: every subcommand publishes the intended event (consumed back
// from the printed position, decoded and compared), bad input is refused with a one-line reason and
// publishes nothing (every topic's end offsets unchanged), the offering import publishes a mixed
// file or nothing, and state errors a reader shows are refused before publishing (a fake reader:
// a real HTTP server on 127.0.0.1 serving canned JSON).
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <boost/json.hpp>

#include "fleetledger/events/codec.hpp"
#include "fleetledger/events/consumer.hpp"
#include "fleetledger/events/envelope.hpp"
#include "fleetledger/events/topic_catalogue.hpp"
#include "fleetledger/producers/commands/tokens.hpp"
#include "support/broker_process.hpp"
#include "support/child_process.hpp"
#include "support/temp_dir.hpp"

namespace fl = fleetledger;
namespace ft = fleetledger::testing;
using namespace std::chrono_literals;
using fleetledger::v1::Envelope;

namespace {

ft::broker_process& broker() {
  static ft::broker_process b;
  return b;
}

ft::run_result fleetctl(std::vector<std::string> args, std::map<std::string, std::string> env = {}) {
  env["FLEETLEDGER_BROKERS"] = broker().bootstrap();
  return ft::run(ft::bin_path("fleetctl"),
                 {.args = std::move(args), .env = std::move(env),
                  .unset_env = {"FLEETLEDGER_ACTOR", "FLEETLEDGER_READER_URL", "FLEETLEDGER_MASTER_KEY_FILE"}},
                 60s);
}

boost::json::object json_line(const ft::run_result& r) {
  INFO("stdout: " << r.stdout_text << " stderr: " << r.stderr_text);
  REQUIRE(r.exit_code == 0);
  const auto nl = r.stdout_text.find('\n');
  REQUIRE(nl == r.stdout_text.size() - 1);  // exactly one line
  return boost::json::parse(r.stdout_text).as_object();
}

std::string str(const boost::json::object& o, const char* k) { return std::string(o.at(k).as_string()); }

fl::events::consumer make_consumer() {
  fl::events::consumer_config cfg;
  cfg.client.brokers = broker().bootstrap();
  cfg.name = "fleetctl-test";
  auto c = fl::events::consumer::create(cfg);
  REQUIRE(c);
  return std::move(*c);
}

// The record at (topic, partition, offset), decoded.
Envelope read_back(const std::string& topic, std::int32_t partition, std::int64_t offset) {
  auto c = make_consumer();
  REQUIRE(c.assign({{{fl::events::topic_name(topic), fl::events::partition_id(partition)}, fl::events::offset(offset)}}));
  fl::events::poll_batch batch;
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (std::chrono::steady_clock::now() < deadline) {
    batch.clear();
    auto n = c.poll(200ms, batch, 10);
    REQUIRE(n);
    for (const auto& rec : batch.records) {
      if (rec.offset().value() == offset) {
        auto env = fl::events::decode(rec.value());
        REQUIRE(env);
        CHECK(rec.header("fl-type").value_or("") == fl::events::payload_type_name(*env));
        CHECK(rec.header("fl-event-id").value_or("") == env->event_id());
        CHECK(rec.header("fl-schema").value_or("") == "fleetledger.v1");
        if (env->has_offering_published()) CHECK(rec.key() == env->offering_published().provider_id());
        return *env;
      }
    }
  }
  FAIL("record " << topic << ":" << partition << ":" << offset << " not found");
  return {};
}

// The record a successful fleetctl call reported.
Envelope published(const ft::run_result& r, const std::string& type) {
  const auto o = json_line(r);
  CHECK(str(o, "type") == type);
  const std::string topic = str(o, "topic");
  const auto partition = static_cast<std::int32_t>(o.at("partition").as_int64());
  const auto offset = o.at("offset").as_int64();
  CHECK(str(o, "min_offsets") == topic + ":" + std::to_string(partition) + ":" + std::to_string(offset + 1));
  Envelope env = read_back(topic, partition, offset);
  CHECK(env.event_id() == str(o, "event_id"));
  CHECK(env.producer() == "fleetctl");
  return env;
}

// End offsets of every partition of every topic.
std::map<std::string, std::int64_t> end_offsets() {
  auto c = make_consumer();
  std::vector<std::string_view> topics;
  for (const auto& t : fl::events::topic_catalogue()) topics.push_back(t.name);
  auto parts = c.list_partitions(topics, 10s);
  REQUIRE(parts);
  std::map<std::string, std::int64_t> out;
  for (const auto& tp : *parts) {
    auto w = c.query_watermarks(tp, 10s);
    REQUIRE(w);
    out[tp.topic.value() + ":" + std::to_string(tp.partition.value())] = w->high.value();
  }
  return out;
}

void refused(const std::vector<std::string>& args, const std::string& reason_part) {
  const auto before = end_offsets();
  const auto r = fleetctl(args);
  INFO("args: " << args.front() << " " << args.at(1) << " stderr: " << r.stderr_text);
  CHECK(r.exit_code == 2);
  CHECK(r.stdout_text.empty());
  CHECK(std::count(r.stderr_text.begin(), r.stderr_text.end(), '\n') == 1);
  CHECK(r.stderr_text.find(reason_part) != std::string::npos);
  CHECK(end_offsets() == before);
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

// A tiny HTTP server on 127.0.0.1 answering canned responses by request target (else 404).
class fake_reader {
public:
  explicit fake_reader(std::map<std::string, std::pair<int, std::string>> routes) : routes_(std::move(routes)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    REQUIRE(::listen(fd_, 16) == 0);
    thread_ = std::thread([this] { serve(); });
  }
  ~fake_reader() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }
  [[nodiscard]] std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

private:
  void serve() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) != 1) continue;
      const int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) continue;
      std::string req;
      char buf[4096];
      for (int i = 0; i < 100 && req.find("\r\n\r\n") == std::string::npos; ++i) {
        pollfd q{c, POLLIN, 0};
        if (::poll(&q, 1, 100) != 1) continue;
        const ssize_t n = ::recv(c, buf, sizeof buf, 0);
        if (n <= 0) break;
        req.append(buf, static_cast<std::size_t>(n));
      }
      const auto sp1 = req.find(' ');
      const auto sp2 = req.find(' ', sp1 + 1);
      const std::string target = sp1 == std::string::npos ? "" : req.substr(sp1 + 1, sp2 - sp1 - 1);
      std::pair<int, std::string> resp{404, R"({"error":{"code":"CLUSTER_NOT_FOUND","message":"not found"}})"};
      if (auto it = routes_.find(target); it != routes_.end()) resp = it->second;
      const std::string out = "HTTP/1.1 " + std::to_string(resp.first) + " X\r\nContent-Type: application/json\r\nContent-Length: " +
                              std::to_string(resp.second.size()) + "\r\nConnection: close\r\n\r\n" + resp.second;
      (void)::send(c, out.data(), out.size(), MSG_NOSIGNAL);
      ::close(c);
    }
  }
  std::map<std::string, std::pair<int, std::string>> routes_;
  int fd_{-1};
  int port_{0};
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace

TEST_CASE("fleetctl cluster commands publish the intended events") {
  auto reg = fleetctl({"--actor", "op-1", "cluster", "register", "--name", "edge-fra-1", "--owner", "acme",
                       "--api-server-url", "https://api.fra1.example.com:6443", "--type", "edge", "--platform", "K3S",
                       "--region", "eu-central", "--environment", "production", "--labels", "tier=gold,zone=a",
                       "--latitude", "50.11", "--longitude", "8.68", "--country", "DE", "--city", "Frankfurt",
                       "--prometheus-url", "http://prom:9090", "--class", "third_party_marketplace", "--max-viewers", "500",
                       "--correlation-id", "corr-1"});
  const auto out = json_line(reg);
  const std::string cluster_id = str(out, "cluster_id");
  const Envelope e = published(reg, "ClusterRegistered");
  CHECK(e.actor() == "op-1");
  CHECK(e.correlation_id() == "corr-1");
  const auto& m = e.cluster_registered();
  CHECK(m.cluster_id() == cluster_id);
  CHECK(m.name() == "edge-fra-1");
  CHECK(m.owner_tenant_id() == "acme");
  CHECK(m.cluster_type() == fl::v1::CLUSTER_TYPE_EDGE);
  CHECK(m.platform() == fl::v1::PLATFORM_K3S);
  CHECK(m.environment() == fl::v1::ENVIRONMENT_PRODUCTION);
  CHECK(m.labels().at("zone") == "a");
  CHECK(m.geo().city() == "Frankfurt");
  CHECK(m.geo().longitude() == Approx(8.68));
  CHECK(m.endpoints().prometheus_url() == "http://prom:9090");
  CHECK(m.cluster_class() == fl::v1::CLUSTER_CLASS_THIRD_PARTY_MARKETPLACE);
  CHECK(m.capacity().max_viewers() == 500);

  const auto upd = published(fleetctl({"cluster", "update", "--cluster-id", cluster_id, "--display-name", "Frankfurt",
                                       "--set-labels", "tier=silver", "--remove-labels", "zone"}),
                             "ClusterUpdated");
  CHECK(upd.cluster_updated().display_name() == "Frankfurt");
  CHECK(upd.cluster_updated().update_mask().paths_size() == 3);

  CHECK(published(fleetctl({"cluster", "refresh", "--cluster-id", cluster_id}), "ClusterRefreshRequested")
            .cluster_refresh_requested().cluster_id() == cluster_id);
  const auto del = published(fleetctl({"cluster", "delete", "--cluster-id", cluster_id, "--reason", "gone"}), "ClusterDeleted");
  CHECK(del.cluster_deleted().reason() == "gone");
}

TEST_CASE("fleetctl marketplace invite and subscription commands publish the intended events") {
  const std::string c = "cluster-m1";
  const auto mk = published(fleetctl({"marketplace", "update", "--cluster-id", c, "--visibility", "private", "--pricing", "MONTHLY",
                                      "--monthly-price-cents", "4900", "--currency", "eur", "--required-tier", "2",
                                      "--requires-approval", "--description", "GPU edge"}),
                            "ClusterMarketplaceUpdated")
                      .cluster_marketplace_updated();
  CHECK(mk.visibility() == fl::v1::VISIBILITY_PRIVATE);
  CHECK(mk.pricing_model() == fl::v1::PRICING_MODEL_MONTHLY);
  CHECK(mk.monthly_price_cents() == 4900);
  CHECK(mk.currency() == "EUR");
  CHECK(mk.required_tier_level() == 2);
  CHECK(mk.requires_approval());

  const auto inv_run = fleetctl({"--actor", "acme", "invite", "create", "--cluster-id", c, "--target-tenant", "globex",
                                 "--max-uses", "2", "--expires-at", "2030-01-01T00:00:00Z"});
  const auto inv_out = json_line(inv_run);
  const std::string token = str(inv_out, "token");
  const auto inv = published(inv_run, "ClusterInviteCreated").cluster_invite_created();
  CHECK(inv.invite_id() == str(inv_out, "invite_id"));
  CHECK(inv.token_sha256() == fl::producers::sha256_hex(token));
  CHECK(inv.target_tenant_id() == "globex");
  CHECK(inv.max_uses() == 2);
  CHECK(inv.expires_at().seconds() == 1893456000);

  ft::temp_dir dir("fleetctl-test");
  write_file(dir.file("token"), token + "\n");
  const auto req_run = fleetctl({"--actor", "globex", "subscription", "request", "--cluster-id", c, "--invite-token-file", dir.file("token")});
  const std::string sub = str(json_line(req_run), "subscription_id");
  const auto req = published(req_run, "SubscriptionRequested").subscription_requested();
  CHECK(req.tenant_id() == "globex");
  CHECK(req.subscription_id() == sub);
  CHECK(req.invite_token_sha256() == inv.token_sha256());

  const auto stdin_run = ft::run("/bin/sh", {.args = {"-c", "exec \"$0\" subscription request --tenant initech --cluster-id " + c +
                                                              " --subscription-id sub-stdin --invite-token-stdin < \"$1\"",
                                                      ft::bin_path("fleetctl"), dir.file("token")},
                                             .env = {{"FLEETLEDGER_BROKERS", broker().bootstrap()}}});
  CHECK(published(stdin_run, "SubscriptionRequested").subscription_requested().invite_token_sha256() == inv.token_sha256());

  const auto appr = published(fleetctl({"--actor", "acme", "subscription", "approve", "--cluster-id", c, "--subscription-id", sub}),
                              "SubscriptionApproved");
  CHECK(appr.actor() == "acme");
  CHECK(appr.subscription_approved().approved_by() == "acme");
  const auto rej = published(fleetctl({"--actor", "acme", "subscription", "reject", "--cluster-id", c, "--subscription-id", "s2",
                                       "--reason", "no"}), "SubscriptionRejected");
  CHECK(rej.subscription_rejected().rejected_by() == "acme");
  CHECK(rej.subscription_rejected().reason() == "no");
  CHECK(published(fleetctl({"--actor", "acme", "subscription", "suspend", "--cluster-id", c, "--subscription-id", sub, "--reason", "unpaid"}),
                  "SubscriptionSuspended").subscription_suspended().reason() == "unpaid");
  CHECK(published(fleetctl({"--actor", "acme", "subscription", "reinstate", "--cluster-id", c, "--subscription-id", sub}),
                  "SubscriptionReinstated").subscription_reinstated().reinstated_by() == "acme");
  CHECK(published(fleetctl({"--actor", "globex", "subscription", "cancel", "--cluster-id", c, "--subscription-id", sub}),
                  "SubscriptionCancelled").subscription_cancelled().tenant_id() == "globex");
  CHECK(published(fleetctl({"invite", "revoke", "--cluster-id", c, "--invite-id", inv.invite_id(), "--reason", "leak"}),
                  "ClusterInviteRevoked").cluster_invite_revoked().invite_id() == inv.invite_id());
  const auto peer = published(fleetctl({"peering", "activate", "--cluster-id", c, "--tenant-id", "globex", "--stream", "live-1"}),
                              "PeeringActivated").peering_activated();
  CHECK(peer.stream_name() == "live-1");
  CHECK(published(fleetctl({"peering", "deactivate", "--cluster-id", c, "--tenant-id", "globex", "--stream", "live-1"}),
                  "PeeringDeactivated").peering_deactivated().tenant_id() == "globex");
}

TEST_CASE("fleetctl tenant and private cluster commands publish the intended events") {
  const auto tc = published(fleetctl({"tenant", "create", "--tenant-id", "acme", "--name", "Acme Corp", "--provider"}), "TenantCreated");
  CHECK(tc.tenant_created().is_provider());
  CHECK(tc.tenant_created().name() == "Acme Corp");
  const auto tier = published(fleetctl({"tenant", "tier", "--tenant-id", "acme", "--tier", "3", "--official-cluster-id", "c-off"}),
                              "TenantBillingTierChanged").tenant_billing_tier_changed();
  CHECK(tier.tier_level() == 3);
  CHECK(tier.official_cluster_id() == "c-off");
  CHECK(published(fleetctl({"tenant", "prefer", "--tenant-id", "acme", "--cluster-id", "c-pref"}), "PreferredClusterSet")
            .preferred_cluster_set().cluster_id() == "c-pref");
  CHECK(published(fleetctl({"tenant", "prefer", "--tenant-id", "acme", "--clear"}), "PreferredClusterSet")
            .preferred_cluster_set().cluster_id().empty());

  const auto pc_run = fleetctl({"--actor", "globex", "private-cluster", "create", "--name", "globex-lab", "--region", "eu-west",
                                "--usage-limit", "5", "--expires-in", "24h"});
  const auto pc_out = json_line(pc_run);
  const auto pc = published(pc_run, "PrivateClusterCreated").private_cluster_created();
  CHECK(pc.cluster_id() == str(pc_out, "cluster_id"));
  CHECK(pc.owner_tenant_id() == "globex");
  CHECK(pc.bootstrap_token_sha256() == fl::producers::sha256_hex(str(pc_out, "bootstrap_token")));
  CHECK(pc.bootstrap_token_prefix() == str(pc_out, "bootstrap_token_prefix"));
  CHECK(pc.usage_limit() == 5);
}

TEST_CASE("fleetctl credentials publish only ciphertext and the fingerprint") {
  ft::temp_dir dir("fleetctl-cred");
  write_file(dir.file("master.key"), std::string(64, 'a'));
  const std::string secret = "apiVersion: v1\nkind: Config\ntoken: very-secret-plaintext-123\n";
  write_file(dir.file("kubeconfig"), secret);
  const std::map<std::string, std::string> env = {{"FLEETLEDGER_MASTER_KEY_FILE", dir.file("master.key")},
                                                  {"FLEETLEDGER_KEY_STORE", dir.file("keys")}};
  const auto put = fleetctl({"credentials", "put", "--cluster-id", "c-cred", "--secret-file", dir.file("kubeconfig"),
                             "--expires-in", "90d"}, env);
  const Envelope stored = published(put, "ClusterCredentialsStored");
  CHECK(stored.cluster_credentials_stored().fingerprint() == fl::producers::sha256_hex(secret));
  CHECK(stored.cluster_credentials_stored().auth_type() == fl::v1::AUTH_TYPE_KUBECONFIG);
  CHECK(stored.cluster_credentials_stored().secret().algorithm() == "AES-256-GCM");
  CHECK(fl::events::encode(stored).find("very-secret-plaintext") == std::string::npos);

  const auto rot = ft::run("/bin/sh", {.args = {"-c", "exec \"$0\" credentials rotate --cluster-id c-cred --auth-type service_account "
                                                      "--secret-file - < \"$1\"", ft::bin_path("fleetctl"), dir.file("kubeconfig")},
                                       .env = [&] { auto e = env; e["FLEETLEDGER_BROKERS"] = broker().bootstrap(); return e; }()});
  const Envelope rotated = published(rot, "ClusterCredentialsRotated");
  CHECK(rotated.cluster_credentials_rotated().auth_type() == fl::v1::AUTH_TYPE_SERVICE_ACCOUNT);
  CHECK(fl::events::encode(rotated).find("very-secret-plaintext") == std::string::npos);

  const Envelope deleted = published(fleetctl({"credentials", "delete", "--cluster-id", "c-cred", "--reason", "off"}, env),
                                     "ClusterCredentialsDeleted");
  CHECK(deleted.cluster_credentials_deleted().reason() == "off");
}

TEST_CASE("fleetctl refuses bad input with a one-line reason and publishes nothing") {
  const std::vector<std::string> reg = {"cluster", "register", "--owner", "acme", "--api-server-url", "https://api", "--type", "hub"};
  auto with = [&](std::vector<std::string> extra) {
    auto a = reg;
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  };
  refused(with({"--name", "Not_A_Label"}), "--name");
  refused(with({"--name", "ok-name", "--environment", "moon"}), "--environment: 'moon' is not one of");
  refused(with({"--name", "ok-name", "--latitude", "-91", "--longitude", "0"}), "--latitude");
  refused({"cluster", "register", "--name", "ok-name", "--owner", "acme", "--type", "hub", "--api-server-url", "gopher://x"}, "--api-server-url");
  refused({"cluster", "register", "--name", "ok-name", "--owner", "acme", "--api-server-url", "https://x"}, "--type: required");
  refused({"tenant", "tier", "--tenant-id", "acme", "--tier", "9"}, "--tier");
  refused({"marketplace", "update", "--cluster-id", "c", "--visibility", "secret", "--pricing", "free_unmetered"}, "--visibility");
  refused({"marketplace", "update", "--cluster-id", "c", "--visibility", "public", "--pricing", "metered", "--per-gb-egress-cents", "-1"}, "--per-gb-egress-cents");
  refused({"subscription", "approve", "--cluster-id", "c", "--subscription-id", "s"}, "--actor");
  refused({"--actor", "acme", "subscription", "reject", "--cluster-id", "c", "--subscription-id", "s", "--rejected-by", "eve"}, "--rejected-by");
  refused({"cluster", "delete", "--cluster-id", std::string("bad\x01id")}, "control character");
  refused({"cluster", "launch"}, "unknown command");
  refused({"cluster", "delete", "--cluster-id", "c", "--frobnicate", "1"}, "unknown flag");
  refused({"credentials", "put", "--cluster-id", "c"}, "--secret-file");
  refused({"offerings", "import"}, "FILE.csv");
}

TEST_CASE("fleetctl offerings import publishes a mixed file and nothing for a file with errors") {
  ft::temp_dir dir("fleetctl-csv");
  write_file(dir.file("good.csv"),
             "\xEF\xBB\xBF" "product_type,offering_id,monthly_price,gpu_model,gpu_count,rack_units,description,colour\r\n"
             "gpu,g-1,99.5,A100,4,,\"fast, \"\"new\"\"\",red\r\n"
             "colocation,c-1,300,,,2,\"two\r\nlines\",\r\n"
             "compute,v-1,5,,,,,\r\n");
  const auto ok = fleetctl({"offerings", "import", dir.file("good.csv"), "--provider", "acme"});
  INFO(ok.stderr_text);
  REQUIRE(ok.exit_code == 0);
  CHECK(ok.stderr_text.find("unknown columns ignored: colour") != std::string::npos);
  const auto s = json_line(ok);
  CHECK(s.at("rows").as_int64() == 3);
  CHECK(s.at("published").as_int64() == 3);
  CHECK(s.at("skipped").as_int64() == 0);
  const auto& first = s.at("first").as_object();
  const auto& last = s.at("last").as_object();
  CHECK(str(first, "topic") == "fleet.offering.v1");
  const Envelope g = read_back("fleet.offering.v1", static_cast<std::int32_t>(first.at("partition").as_int64()), first.at("offset").as_int64());
  CHECK(g.offering_published().offering_id() == "g-1");
  CHECK(g.offering_published().provider_id() == "acme");
  CHECK(g.offering_published().gpu_count() == 4);
  CHECK(g.offering_published().description() == "fast, \"new\"");
  const Envelope v = read_back("fleet.offering.v1", static_cast<std::int32_t>(last.at("partition").as_int64()), last.at("offset").as_int64());
  CHECK(v.offering_published().offering_id() == "v-1");
  CHECK(str(s, "min_offsets") == "fleet.offering.v1:" + std::to_string(last.at("partition").as_int64()) + ":" +
                                     std::to_string(last.at("offset").as_int64() + 1));

  write_file(dir.file("bad.csv"),
             "offering_id,provider_id,product_type,gpu_model,gpu_count,monthly_price\n"
             "a,acme,gpu,A100,1,1\n"
             "b,acme,gpu,A100,,2\n"
             "c,acme,compute,,,abc\n");
  const auto before = end_offsets();
  const auto bad = fleetctl({"offerings", "import", dir.file("bad.csv")});
  CHECK(bad.exit_code == 2);
  CHECK(bad.stderr_text.find("line 3, column gpu_count: required for product_type gpu") != std::string::npos);
  const auto bs = boost::json::parse(bad.stdout_text).as_object();
  CHECK(bs.at("published").as_int64() == 0);
  REQUIRE(bs.at("errors").as_array().size() == 2);
  CHECK(str(bs.at("errors").as_array()[1].as_object(), "text") == "line 4, column monthly_price: 'abc' is not a number");
  CHECK(end_offsets() == before);

  const auto skip = fleetctl({"offerings", "import", dir.file("bad.csv"), "--skip-invalid"});
  REQUIRE(skip.exit_code == 0);
  const auto ss = json_line(skip);
  CHECK(ss.at("published").as_int64() == 1);
  CHECK(ss.at("skipped").as_int64() == 2);
  CHECK(ss.at("skipped_lines").as_array().size() == 2);

  const auto tpl = fleetctl({"offerings", "template", "colocation"});
  CHECK(tpl.exit_code == 0);
  CHECK(tpl.stdout_text.find("rack_units,power_watts") != std::string::npos);
}

TEST_CASE("fleetctl offerings import of a large file publishes nothing when only its last rows are bad") {
  // Over a megabyte, so the file is checked in parts on several threads: a problem near the end
  // (or a key repeated across parts) must still stop every row from being published. Over 4 MiB, so
  // it is also read in two halves at once.
  ft::temp_dir dir("fleetctl-csv-large");
  std::string csv = "offering_id,provider_id,product_type,gpu_model,gpu_count,offer_name,description\n";
  constexpr int rows = 48'000;
  for (int i = 0; i < rows; ++i) {
    csv += "o-" + std::to_string(i) + ",p-" + std::to_string(i % 13) + (i % 2 == 0 ? ",gpu,A100,2," : ",compute,,,") +
           "\"Offer " + std::to_string(i) + ", large\",\"a description long enough to make the file big\"\n";
  }
  REQUIRE(csv.size() > 4 * 1024 * 1024);
  const std::size_t last_line = rows + 2;

  write_file(dir.file("late-error.csv"), csv + "late,p-1,gpu,,2,x,y\n");
  const auto before = end_offsets();
  const auto bad = fleetctl({"offerings", "import", dir.file("late-error.csv")});
  CHECK(bad.exit_code == 2);
  const auto bs = boost::json::parse(bad.stdout_text).as_object();
  CHECK(bs.at("published").as_int64() == 0);
  REQUIRE(bs.at("errors").as_array().size() == 1);
  CHECK(str(bs.at("errors").as_array()[0].as_object(), "text") ==
        "line " + std::to_string(last_line) + ", column gpu_model: required for product_type gpu");
  CHECK(end_offsets() == before);

  write_file(dir.file("late-duplicate.csv"), csv + "o-1,p-1,compute,,,x,y\n");
  const auto dup = fleetctl({"offerings", "import", dir.file("late-duplicate.csv")});
  CHECK(dup.exit_code == 2);
  const auto ds = boost::json::parse(dup.stdout_text).as_object();
  CHECK(ds.at("published").as_int64() == 0);
  REQUIRE(ds.at("errors").as_array().size() == 1);
  CHECK(str(ds.at("errors").as_array()[0].as_object(), "text").find("also on line 3") != std::string::npos);
  CHECK(end_offsets() == before);

  const auto skip = fleetctl({"offerings", "import", dir.file("late-error.csv"), "--skip-invalid"});
  REQUIRE(skip.exit_code == 0);
  const auto ss = json_line(skip);
  CHECK(ss.at("rows").as_int64() == rows + 1);
  CHECK(ss.at("published").as_int64() == rows);
  REQUIRE(ss.at("skipped_lines").as_array().size() == 1);
  CHECK(ss.at("skipped_lines").as_array()[0].as_int64() == static_cast<std::int64_t>(last_line));
  const auto& last = ss.at("last").as_object();
  const Envelope v = read_back("fleet.offering.v1", static_cast<std::int32_t>(last.at("partition").as_int64()),
                               last.at("offset").as_int64());
  CHECK(v.offering_published().offering_id() == "o-" + std::to_string(rows - 1));
  CHECK(v.offering_published().offer_name() == "Offer " + std::to_string(rows - 1) + ", large");

  // The clean file: checked in parts, its rows written to the wire format without messages.
  write_file(dir.file("clean.csv"), csv);
  const auto clean = fleetctl({"offerings", "import", dir.file("clean.csv")});
  REQUIRE(clean.exit_code == 0);
  const auto cs = json_line(clean);
  CHECK(cs.at("rows").as_int64() == rows);
  CHECK(cs.at("published").as_int64() == rows);
  CHECK(cs.at("failed").as_int64() == 0);
  const auto& cf = cs.at("first").as_object();
  const Envelope f = read_back("fleet.offering.v1", static_cast<std::int32_t>(cf.at("partition").as_int64()),
                               cf.at("offset").as_int64());
  CHECK(f.offering_published().offering_id() == "o-0");
  CHECK(f.offering_published().provider_id() == "p-0");
  CHECK(f.offering_published().product_type() == "gpu");
  CHECK(f.offering_published().gpu_model() == "A100");
  CHECK(f.offering_published().gpu_count() == 2);
  CHECK(f.offering_published().offer_name() == "Offer 0, large");
  CHECK(f.producer() == "fleetctl");
  CHECK(f.correlation_id() == f.event_id());
  const auto& cl = cs.at("last").as_object();
  const Envelope l = read_back("fleet.offering.v1", static_cast<std::int32_t>(cl.at("partition").as_int64()),
                               cl.at("offset").as_int64());
  CHECK(l.offering_published().offering_id() == "o-" + std::to_string(rows - 1));
  CHECK(l.offering_published().description() == "a description long enough to make the file big");
}

TEST_CASE("fleetctl refuses state errors the reader shows before publishing") {
  fake_reader reader({
      {"/v1/clusters/by-name/taken-name", {200, R"({"cluster_id":"c-other","name":"taken-name"})"}},
      {"/v1/clusters/c-1", {200, R"({"cluster_id":"c-1","owner_tenant_id":"acme","deleted":false})"}},
      {"/v1/clusters/c-gone", {200, R"({"cluster_id":"c-gone","owner_tenant_id":"acme","deleted":true})"}},
      {"/v1/marketplace/clusters/c-1/subscriptions?page_size=100&page=1",
       {200, R"({"items":[{"subscription_id":"s-active","status":"ACTIVE"},{"subscription_id":"s-pending","status":"PENDING_APPROVAL"}],"total":2,"page":1,"page_size":100,"total_pages":1})"}},
      {"/v1/marketplace/clusters/c-1?tenant_id=poor", {200, R"({"cluster_id":"c-1","is_eligible":false,"denial_reason":"tier 0 < required 3","subscription_status":null})"}},
  });
  const std::string r = "--reader=" + reader.url();
  refused({r, "cluster", "register", "--name", "taken-name", "--owner", "acme", "--api-server-url", "https://x", "--type", "hub"},
          "CLUSTER_ALREADY_EXISTS");
  refused({r, "--actor", "acme", "subscription", "approve", "--cluster-id", "c-1", "--subscription-id", "s-active"}, "it is ACTIVE");
  refused({r, "--actor", "eve", "subscription", "approve", "--cluster-id", "c-1", "--subscription-id", "s-pending"}, "FORBIDDEN");
  refused({r, "--actor", "acme", "subscription", "reinstate", "--cluster-id", "c-1", "--subscription-id", "s-active"}, "it is ACTIVE");
  refused({r, "subscription", "request", "--tenant", "t", "--cluster-id", "c-gone"}, "CLUSTER_NOT_FOUND");
  refused({r, "subscription", "request", "--tenant", "t", "--cluster-id", "c-missing"}, "CLUSTER_NOT_FOUND");
  refused({r, "subscription", "request", "--tenant", "poor", "--cluster-id", "c-1"}, "NOT_ELIGIBLE");

  const auto ok = fleetctl({r, "--actor", "acme", "subscription", "approve", "--cluster-id", "c-1", "--subscription-id", "s-pending"});
  CHECK(published(ok, "SubscriptionApproved").subscription_approved().subscription_id() == "s-pending");
  const auto name_ok = fleetctl({r, "cluster", "register", "--name", "free-name", "--owner", "acme", "--api-server-url", "https://x", "--type", "hub"});
  CHECK(published(name_ok, "ClusterRegistered").cluster_registered().name() == "free-name");
}

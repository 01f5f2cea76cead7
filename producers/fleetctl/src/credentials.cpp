// fleetctl credentials put|rotate|delete: the secret is read from --secret-file PATH or stdin
// (--secret-file -), never from argv; only its AES-256-GCM ciphertext (sealed under the cluster's
// data key, itself wrapped by the master key, see producers/credentials) and its SHA-256
// fingerprint are published. delete destroys the data key first (crypto-shredding), then publishes.
#include <iostream>

#include <boost/json.hpp>

#include "fleetledger/events/log.hpp"
#include "fleetledger/events/timestamps.hpp"
#include "fleetledger/producers/commands/state_checks.hpp"
#include "fleetledger/producers/commands/validation.hpp"
#include "fleetledger/producers/credentials/key_store.hpp"
#include "publishing.hpp"
#include "subcommands.hpp"

namespace fleetledger::fleetctl {
namespace {

namespace pc = fleetledger::producers;
namespace cr = fleetledger::producers::credentials;
namespace v1 = fleetledger::v1;

std::string required_id(const events::command_line& cl, std::string_view name) {
  const std::string v = cl.get(name);
  if (v.empty()) throw fatal{exit_bad_input, "--" + std::string(name) + ": required"};
  if (auto r = pc::validate_id(v); !r) throw fatal{exit_bad_input, "--" + std::string(name) + ": " + r.err().message};
  return v;
}

}  // namespace

int run_credentials(const std::string& verb, const std::vector<std::string>& args) {
  if (verb != "put" && verb != "rotate" && verb != "delete") {
    throw fatal{exit_bad_input, "unknown command 'credentials " + verb + "' (put, rotate, delete)"};
  }
  const bool is_delete = verb == "delete";
  events::command_line cl("fleetctl credentials " + verb,
                          is_delete ? "Delete a cluster's credentials and destroy its data key (ClusterCredentialsDeleted)"
                                    : std::string(verb == "put" ? "Store" : "Rotate") +
                                          " a cluster's credentials, sealed with AES-256-GCM (ClusterCredentials" +
                                          (verb == "put" ? "Stored" : "Rotated") + ")");
  add_global_options(cl);
  cl.option("cluster-id", "", "", "cluster id (required)")
      .option("master-key-file", std::string(cr::master_key_file_env), "", "file with the 32-byte master key (64 hex chars)")
      .option("key-store", std::string(cr::key_store_env), "", "key-store directory (default <data-dir>/keys)")
      .option("data-dir", "FLEETLEDGER_DATA_DIR", "./var", "data directory");
  if (is_delete) {
    cl.option("fingerprint", "", "", "fingerprint of the credentials being deleted")
        .option("reason", "", "", "why")
        .epilog("The cluster's data key is destroyed before the event is published: every sealed copy in the\n"
                "log can no longer be decrypted.\n\nexample:\n  fleetctl credentials delete --cluster-id 5f0c... --reason decommissioned\n");
  } else {
    cl.option("secret-file", "", "", "file with the secret (kubeconfig or token); '-' = stdin (required)")
        .option("auth-type", "", "kubeconfig", "kubeconfig | service_account | oidc")
        .option("expires-at", "", "", "RFC 3339 expiry of the credentials")
        .option("expires-in", "", "", "expiry from now: 30m, 24h, 90d");
    if (verb == "rotate") cl.option("previous-fingerprint", "", "", "fingerprint of the credentials replaced");
    cl.epilog("example:\n  fleetctl credentials " + verb +
              " --cluster-id 5f0c... --secret-file ~/.kube/edge-fra-1.yaml --master-key-file /etc/fleetledger/master.key\n"
              "  vault read -field=token secret/edge | fleetctl credentials " + verb +
              " --cluster-id 5f0c... --auth-type service_account --secret-file -\n");
  }
  auto parsed = cl.parse(args);
  if (!parsed) throw fatal{exit_bad_input, parsed.err().message};
  if (*parsed == events::command_line::outcome::exit_ok) return exit_ok;
  const auto g = read_global_options(cl);
  const std::string cluster_id = required_id(cl, "cluster-id");

  v1::Envelope env = events::make_envelope(g.metadata);
  std::string fingerprint;
  std::string secret;
  v1::AuthType auth_type = v1::AUTH_TYPE_UNSPECIFIED;
  std::optional<google::protobuf::Timestamp> expires_at;
  if (!is_delete) {
    if (cl.get("secret-file").empty()) throw fatal{exit_bad_input, "--secret-file: required (a path, or - for stdin)"};
    auto at = pc::parse_enum(*v1::AuthType_descriptor(), "AUTH_TYPE_", cl.get("auth-type"));
    if (!at) throw fatal{exit_bad_input, "--auth-type: " + at.err().message};
    auth_type = static_cast<v1::AuthType>(*at);
    if (!cl.get("expires-at").empty() && !cl.get("expires-in").empty()) {
      throw fatal{exit_bad_input, "--expires-in: give either --expires-at or --expires-in"};
    }
    if (!cl.get("expires-at").empty()) {
      auto t = events::parse_rfc3339(cl.get("expires-at"));
      if (!t) throw fatal{exit_bad_input, "--expires-at: '" + cl.get("expires-at") + "' is not an RFC 3339 time"};
      expires_at = events::to_timestamp(*t);
    } else if (!cl.get("expires-in").empty()) {
      auto d = pc::parse_duration(cl.get("expires-in"));
      if (!d) throw fatal{exit_bad_input, "--expires-in: " + d.err().message};
      expires_at = events::to_timestamp(std::chrono::system_clock::now() + *d);
    }
    if (verb == "rotate" && !cl.get("previous-fingerprint").empty()) {
      if (auto r = pc::validate_id(cl.get("previous-fingerprint")); !r) throw fatal{exit_bad_input, "--previous-fingerprint: " + r.err().message};
    }
    secret = read_input(cl.get("secret-file"), "--secret-file", 1024 * 1024);
    if (pc::trim(secret).empty()) throw fatal{exit_bad_input, "--secret-file: the secret is empty"};
    fingerprint = cr::fingerprint(secret);
  } else {
    if (auto r = pc::validate_text(cl.get("reason"), 1000); !r) throw fatal{exit_bad_input, "--reason: " + r.err().message};
  }

  if (!g.reader_url.empty()) {
    pc::reader_client reader(g.reader_url, g.reader_token, std::min<std::chrono::milliseconds>(g.timeout, std::chrono::seconds(10)));
    if (auto v = reader.validate(); !v) throw fatal{exit_bad_input, "--reader: " + v.err().message};
    pc::built_command probe;
    v1::Envelope p;
    p.mutable_cluster_updated()->set_cluster_id(cluster_id);  // same check: the cluster must exist
    probe.events.push_back(p);
    static const pc::command_spec none{};
    if (auto r = pc::check_state(none, probe, reader); !r) {
      const bool unavailable = r.err().code == events::errc::unavailable || r.err().code == events::errc::timed_out;
      throw fatal{unavailable ? exit_failed : exit_bad_input, (unavailable ? "reader: " : "refused: ") + r.err().message};
    }
  }

  std::string warning;
  auto store = cr::open_configured(cl.get("master-key-file"), cl.get("key-store"), cl.get("data-dir"), &warning);
  if (!store) throw fatal{exit_bad_input, "credentials key store: " + store.err().message};
  if (!warning.empty()) events::log::warn(warning);

  if (is_delete) {
    if (auto r = store->destroy(cluster_id); !r) throw fatal{exit_failed, "destroying the data key failed: " + r.err().message};
    auto& m = *env.mutable_cluster_credentials_deleted();
    m.set_cluster_id(cluster_id);
    m.set_fingerprint(cl.get("fingerprint"));
    m.set_reason(cl.get("reason"));
  } else {
    auto sealed = store->seal(cluster_id, secret);
    std::fill(secret.begin(), secret.end(), '\0');
    if (!sealed) throw fatal{exit_failed, "sealing the secret failed: " + sealed.err().message};
    auto fill = [&](auto& m) {
      m.set_cluster_id(cluster_id);
      m.set_auth_type(auth_type);
      m.set_fingerprint(fingerprint);
      if (expires_at) *m.mutable_expires_at() = *expires_at;
      *m.mutable_secret() = std::move(*sealed);
    };
    if (verb == "put") {
      fill(*env.mutable_cluster_credentials_stored());
    } else {
      auto& m = *env.mutable_cluster_credentials_rotated();
      fill(m);
      m.set_previous_fingerprint(cl.get("previous-fingerprint"));
    }
  }

  auto publisher = make_publisher(g);
  auto pos = publisher.publish(env);
  if (!pos) throw fatal{exit_failed, "publish failed: " + pos.err().message};
  boost::json::object out{{"event_id", env.event_id()},
                          {"type", std::string(events::payload_type_name(env))},
                          {"topic", pos->topic.value()},
                          {"partition", pos->partition.value()},
                          {"offset", pos->at.value()},
                          {"min_offsets", min_offsets_of({*pos})}};
  if (!fingerprint.empty()) out["fingerprint"] = fingerprint;
  std::cout << boost::json::serialize(out) << std::endl;
  return exit_ok;
}

}  // namespace fleetledger::fleetctl

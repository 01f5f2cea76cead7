// fleetledger-prober: health checks and capability discovery for every registered cluster
// (DESIGN.md sections 4 and 8). Discovers clusters by reading fleet.cluster.v1 itself, probes them over
// HTTP(S) with the per-type interval and timeout, and publishes ClusterHealthChecked,
// ClusterStatusChanged (on a state change) and ClusterCapabilitiesChanged (on a change).
#include <signal.h>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <iostream>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "fleetledger/events/cluster_rules.hpp"
#include "fleetledger/events/codec.hpp"
#include "fleetledger/events/command_line.hpp"
#include "fleetledger/events/consumer.hpp"
#include "fleetledger/events/envelope.hpp"
#include "fleetledger/events/log.hpp"
#include "fleetledger/events/stop_signal.hpp"
#include "fleetledger/events/publisher.hpp"
#include "fleetledger/events/topic_catalogue.hpp"
#include "fleetledger/producers/credentials/key_store.hpp"
#include "fleetledger/producers/prober/assessment.hpp"
#include "fleetledger/producers/prober/http_checker.hpp"
#include "fleetledger/producers/prober/registry.hpp"

namespace fe = fleetledger::events;
namespace fc = fleetledger::producers::credentials;
namespace pr = fleetledger::producers::prober;
namespace v1 = fleetledger::v1;
using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

namespace {

constexpr const char* program = "fleetledger-prober";
// Set by SIGTERM/SIGINT (events::install_stop_signals in main).
const std::atomic<bool>* stop_flag = nullptr;
bool stop_requested_now() { return stop_flag != nullptr && stop_flag->load(); }

[[noreturn]] void die(int code, const std::string& message) {
  std::fprintf(stderr, "%s: %s\n", program, message.c_str());
  std::exit(code);
}

struct schedule_entry {
  steady::time_point due{};
  bool in_flight{false};
  int cost{0};              // requests reserved while in flight
  bool discover_next{true};  // discovery at the next successful check
  std::int64_t checks{0};
};

// Completed checks, handed from the I/O thread to the main loop.
class outcome_queue {
public:
  void push(pr::check_outcome o) {
    {
      std::lock_guard lock(mu_);
      q_.push_back(std::move(o));
    }
    cv_.notify_one();
  }
  // Waits up to timeout for at least one outcome.
  void wait(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, timeout, [this] { return !q_.empty(); });
  }
  std::deque<pr::check_outcome> take() {
    std::lock_guard lock(mu_);
    return std::exchange(q_, {});
  }

private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<pr::check_outcome> q_;
};

int requests_for(const pr::cluster_target& t) {
  return 1 + (t.endpoints.prometheus_url().empty() ? 0 : 1) + (t.endpoints.tempo_url().empty() ? 0 : 1) +
         (t.endpoints.loki_url().empty() ? 0 : 1);
}

}  // namespace

int main(int argc, char** argv) {
  fe::command_line cli(program,
                       "Checks every registered cluster's endpoints over HTTP(S) and discovers its capabilities "
                       "through the Kubernetes API; publishes health, status and capability events.");
  cli.option("brokers", "FLEETLEDGER_BROKERS", "127.0.0.1:9092", "Kafka bootstrap servers.")
      .option("data-dir", "FLEETLEDGER_DATA_DIR", "./var", "Data root; the key store defaults to <data-dir>/keys.")
      .option("master-key-file", "FLEETLEDGER_MASTER_KEY_FILE", "",
              "Master key (64 hex chars or 32 bytes) to open stored credentials; without it capability "
              "discovery is skipped.")
      .option("key-store", "FLEETLEDGER_KEY_STORE", "", "Key-store directory (default <data-dir>/keys).")
      .option("interval-override-ms", "FLEETLEDGER_PROBER_INTERVAL_MS", "0",
              "Check every cluster at this interval instead of its type's (HUB 15 s, SPOKE 30, EDGE 60, "
              "FAR_EDGE 120); 0 keeps the per-type intervals.")
      .option("timeout-override-ms", "FLEETLEDGER_PROBER_TIMEOUT_MS", "0",
              "Per-request timeout instead of the type's (HUB 5 s, SPOKE 10, EDGE 15, FAR_EDGE 30); 0 keeps them.")
      .option("max-in-flight", "FLEETLEDGER_PROBER_MAX_IN_FLIGHT", "256", "Concurrent HTTP requests at most.")
      .option("discovery-every", "FLEETLEDGER_PROBER_DISCOVERY_EVERY", "20",
              "Run capability discovery every N checks of a cluster (and on start, on new credentials and "
              "on ClusterRefreshRequested).")
      .toggle("once", "", "Check every known cluster once, publish, and exit (tests, scripts).")
      .option("log-level", "FLEETLEDGER_LOG_LEVEL", "info", "debug, info, warn or error.")
      .epilog(
          "Example:\n  FLEETLEDGER_MASTER_KEY_FILE=./var/master.key fleetledger-prober --brokers 127.0.0.1:9092\n"
          "With --once it prints {\"checked\":N,\"health_events\":N,\"status_changes\":S,\"capability_changes\":C,"
          "\"failed_publishes\":F} on stdout.");
  cli.parse_or_exit(argc, argv);
  fe::log::init(program, cli.log_level_or_exit("log-level"));
  const auto interval_override = std::chrono::milliseconds(cli.int_or_exit("interval-override-ms", 0, 86'400'000));
  const auto timeout_override = std::chrono::milliseconds(cli.int_or_exit("timeout-override-ms", 0, 3'600'000));
  const int max_in_flight = static_cast<int>(cli.int_or_exit("max-in-flight", 4, 100'000));
  const std::int64_t discovery_every = cli.int_or_exit("discovery-every", 1, 1'000'000);
  const bool once = cli.enabled("once");

  // Credentials are optional: without a master key the prober still checks health.
  std::optional<fc::key_store> keys;
  if (!cli.get("master-key-file").empty()) {
    std::string warning;
    auto ks = fc::open_configured(cli.get("master-key-file"), cli.get("key-store"), cli.get("data-dir"), &warning);
    if (!ks) die(2, ks.err().message);
    if (!warning.empty()) fe::log::warn(warning);
    keys.emplace(std::move(*ks));
  } else {
    fe::log::warn("no master key configured: capability discovery is skipped (set FLEETLEDGER_MASTER_KEY_FILE)");
  }

  fe::consumer_config cc;
  cc.client.brokers = cli.get("brokers");
  cc.client.client_id = program;
  cc.name = "prober";
  auto consumer = fe::consumer::create(cc);
  if (!consumer) die(1, consumer.err().message);
  const std::string_view topics[] = {fe::cluster_topic};
  auto partitions = consumer->list_partitions(topics, 15s);
  if (!partitions) die(1, "cannot list partitions of fleet.cluster.v1: " + partitions.err().message);
  fe::offset_vector start;
  for (const auto& tp : *partitions) start.push_back({tp, fe::offset_beginning});
  if (auto a = consumer->assign(start); !a) die(1, a.err().message);

  fe::publisher_config pc;
  pc.client.brokers = cli.get("brokers");
  pc.client.client_id = program;
  auto pub = fe::publisher::create(pc);
  if (!pub) die(1, pub.err().message);

  stop_flag = &fe::install_stop_signals();
  pr::cluster_registry registry;
  std::map<std::string, schedule_entry> schedule;
  fe::poll_batch batch;
  std::size_t decode_failures = 0;

  const auto now_steady = [] { return steady::now(); };

  // Folds what poll() returned; learning = still catching up on start (take states/capabilities).
  auto fold = [&](bool learning) {
    for (const auto& rec : batch.records) {
      auto env = fe::decode(rec.value());
      if (!env) {
        ++decode_failures;
        continue;
      }
      const auto change = registry.apply(*env, learning);
      if (change == pr::registry_change::none) continue;
      const std::string id = [&]() -> std::string {
        auto r = fe::route(*env);
        return r ? r->key : std::string();
      }();
      switch (change) {
        case pr::registry_change::added:
        case pr::registry_change::updated: {
          auto& s = schedule[id];
          if (!s.in_flight) s.due = now_steady();
          if (change == pr::registry_change::added) s.discover_next = true;
          break;
        }
        case pr::registry_change::refresh_requested:
        case pr::registry_change::credentials_changed: {
          auto& s = schedule[id];
          s.discover_next = true;
          if (change == pr::registry_change::refresh_requested && !s.in_flight) s.due = now_steady();
          break;
        }
        case pr::registry_change::deleted:
          if (auto it = schedule.find(id); it != schedule.end() && !it->second.in_flight) schedule.erase(it);
          break;
        case pr::registry_change::none:
          break;
      }
    }
  };

  // Catch up with the topic first, so restarts know each cluster's last state and capabilities.
  {
    const auto deadline = steady::now() + 60s;
    while (!stop_requested_now() && !consumer->caught_up() && steady::now() < deadline) {
      batch.clear();
      auto n = consumer->poll(200ms, batch, 10'000);
      if (!n) die(1, "reading fleet.cluster.v1 failed: " + n.err().message);
      fold(true);
    }
    if (!consumer->caught_up()) fe::log::warn("not caught up with fleet.cluster.v1 after 60 s; starting checks anyway");
    fe::log::info("prober started", {{"clusters", static_cast<std::int64_t>(registry.size())},
                                     {"max_in_flight", max_in_flight},
                                     {"discovery", keys.has_value()}});
  }

  outcome_queue done;  // declared before the checker: the I/O thread pushes into it until the checker is gone
  pr::http_checker checker;
  int in_flight_requests = 0;
  std::int64_t checked = 0, health_events = 0, status_changes = 0, capability_changes = 0, failed_publishes = 0;
  std::set<std::string> once_pending;
  if (once) {
    for (const auto& [id, t] : registry.clusters()) once_pending.insert(id);
  }
  std::set<std::string> warned_credentials;  // "<cluster>/<fingerprint>" already logged

  auto interval_of = [&](const pr::cluster_target& t) -> std::chrono::milliseconds {
    return interval_override.count() > 0 ? interval_override : std::chrono::milliseconds(fe::check_interval(t.type));
  };
  auto timeout_of = [&](const pr::cluster_target& t) -> std::chrono::milliseconds {
    return timeout_override.count() > 0 ? timeout_override : std::chrono::milliseconds(fe::check_timeout(t.type));
  };

  // The bearer token for discovery, or "" with the reason logged once per credentials version.
  auto token_for = [&](const pr::cluster_target& t) -> std::string {
    if (!t.secret) return {};
    const std::string key = t.cluster_id + "/" + t.secret_fingerprint;
    auto skip = [&](const std::string& why) {
      if (warned_credentials.insert(key).second) {
        fe::log::warn("capability discovery skipped", {{"cluster_id", t.cluster_id}, {"reason", why}});
      }
      return std::string();
    };
    if (!keys) return skip("no master key configured");
    auto plain = keys->open(t.cluster_id, *t.secret);
    if (!plain) return skip(plain.err().message);
    auto token = pr::bearer_token(t.auth_type, *plain);
    if (!token) return skip(token.err().message);
    return std::move(*token);
  };

  auto launch_due = [&] {
    const auto now = now_steady();
    for (auto& [id, s] : schedule) {
      if (s.in_flight || s.due > now) continue;
      if (once && !once_pending.contains(id)) continue;
      const auto* t = registry.find(id);
      if (t == nullptr) continue;
      const int cost = requests_for(*t);
      if (in_flight_requests + cost > max_in_flight && in_flight_requests > 0) break;
      pr::check_job job;
      job.cluster_id = id;
      job.api_server_url = t->api_server_url;
      job.endpoints = t->endpoints;
      job.ca_cert_pem = t->ca_cert_pem;
      job.timeout = timeout_of(*t);
      job.discover = s.discover_next || (s.checks % discovery_every == 0);
      if (job.discover) job.bearer_token = token_for(*t);
      if (job.bearer_token.empty()) job.discover = false;
      s.in_flight = true;
      s.cost = cost;
      s.due = now + interval_of(*t);
      in_flight_requests += cost;
      checker.check(std::move(job), [&done](pr::check_outcome o) { done.push(std::move(o)); });
    }
  };

  auto publish_outcomes = [&] {
    auto outcomes = done.take();
    if (outcomes.empty()) return;
    std::vector<v1::Envelope> events;
    struct pending_update {
      std::string cluster_id;
      v1::ClusterState state;
      std::optional<v1::ClusterCapabilitiesChanged> caps;
    };
    std::vector<pending_update> updates;
    for (auto& o : outcomes) {
      auto sit = schedule.find(o.cluster_id);
      if (sit != schedule.end()) {
        in_flight_requests -= sit->second.cost;
        sit->second.in_flight = false;
        sit->second.cost = 0;
        ++sit->second.checks;
      }
      once_pending.erase(o.cluster_id);
      auto* t = registry.find(o.cluster_id);
      if (t == nullptr) {  // deleted while the check ran
        if (sit != schedule.end()) schedule.erase(sit);
        continue;
      }
      ++checked;
      auto health = pr::health_event(o.cluster_id, o.api_server, o.prometheus, o.tempo, o.loki, o.checked_at);
      const fe::event_metadata meta{.producer = program, .actor = program};
      auto env = fe::make_envelope(meta, o.checked_at);
      const std::string correlation = env.event_id();
      *env.mutable_cluster_health_checked() = health;
      events.push_back(std::move(env));
      pending_update up{o.cluster_id, health.state(), std::nullopt};
      if (health.state() != t->last_state) {
        auto sc = fe::make_envelope({.producer = program, .actor = program, .correlation_id = correlation,
                                     .causation_id = correlation},
                                    o.checked_at);
        auto* p = sc.mutable_cluster_status_changed();
        p->set_cluster_id(o.cluster_id);
        p->set_old_state(t->last_state);
        p->set_new_state(health.state());
        p->set_health_score(health.health_score());
        p->set_reason(pr::state_reason(health));
        events.push_back(std::move(sc));
        fe::log::info("cluster state changed", {{"cluster_id", o.cluster_id},
                                                {"old_state", pr::state_name(t->last_state)},
                                                {"new_state", pr::state_name(health.state())},
                                                {"reason", p->reason()}});
      }
      if (o.capabilities) {
        if (sit != schedule.end()) sit->second.discover_next = false;
        if (!t->last_capabilities || !pr::same_capabilities(*t->last_capabilities, *o.capabilities)) {
          auto ce = fe::make_envelope({.producer = program, .actor = program, .correlation_id = correlation},
                                      o.checked_at);
          *ce.mutable_cluster_capabilities_changed() = *o.capabilities;
          events.push_back(std::move(ce));
          up.caps = o.capabilities;
        }
      } else if (o.discovery_attempted) {
        fe::log::warn("capability discovery failed", {{"cluster_id", o.cluster_id}, {"error", o.discovery_error}});
      }
      updates.push_back(std::move(up));
    }
    if (events.empty()) return;
    const auto results = pub->publish_all(events);
    std::set<std::string> failed_clusters;
    for (std::size_t i = 0; i < results.size(); ++i) {
      if (results[i]) continue;
      ++failed_publishes;
      auto r = fe::route(events[i]);
      if (r) failed_clusters.insert(r->key);
      fe::log::error("publish failed", {{"type", fe::payload_type_name(events[i])}, {"error", results[i].err().message}});
    }
    for (std::size_t i = 0; i < events.size(); ++i) {
      if (!results[i]) continue;
      switch (events[i].payload_case()) {
        case v1::Envelope::kClusterHealthChecked: ++health_events; break;
        case v1::Envelope::kClusterStatusChanged: ++status_changes; break;
        case v1::Envelope::kClusterCapabilitiesChanged: ++capability_changes; break;
        default: break;
      }
    }
    // Remember what the topic now says (only what was acknowledged).
    for (auto& up : updates) {
      if (failed_clusters.contains(up.cluster_id)) continue;
      if (auto* t = registry.find(up.cluster_id)) {
        t->last_state = up.state;
        if (up.caps) t->last_capabilities = std::move(up.caps);
      }
    }
  };

  const auto once_deadline = steady::now() + 10min;
  while (!stop_requested_now()) {
    batch.clear();
    auto n = consumer->poll(in_flight_requests > 0 ? 1ms : 20ms, batch, 10'000);
    if (!n) fe::log::warn("reading fleet.cluster.v1 failed", {{"error", n.err().message}});
    fold(false);
    launch_due();
    publish_outcomes();
    if (once) {
      std::erase_if(once_pending, [&](const std::string& id) { return registry.find(id) == nullptr; });
      if (once_pending.empty() && in_flight_requests == 0) break;
    }
    if (once && steady::now() > once_deadline) {
      fe::log::error("--once did not finish within 10 minutes");
      break;
    }
    // Sleep until a check completes (or briefly, to look for new events and due clusters).
    if (batch.records.empty()) done.wait(in_flight_requests > 0 ? 20ms : 50ms);
  }
  // Publish what completed before the stop; later results are dropped (the next run checks again).
  publish_outcomes();
  if (decode_failures > 0) fe::log::warn("undecodable records skipped", {{"count", static_cast<std::int64_t>(decode_failures)}});
  fe::log::info("prober stopped", {{"checked", checked}, {"status_changes", status_changes},
                                   {"capability_changes", capability_changes}});
  if (once) {
    std::cout << "{\"checked\":" << checked << ",\"health_events\":" << health_events
              << ",\"status_changes\":" << status_changes << ",\"capability_changes\":" << capability_changes
              << ",\"failed_publishes\":" << failed_publishes << "}" << std::endl;
  }
  return failed_publishes > 0 ? 1 : 0;
}

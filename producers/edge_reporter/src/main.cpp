// fleetledger-edge-reporter: publishes EdgeSummaryReported per cluster every --interval, from a JSON
// source (file or http:// URL) or from a seeded simulation of N clusters x M edges (DESIGN.md section 8).
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <thread>

#include <google/protobuf/duration.pb.h>

#include "fleetledger/events/command_line.hpp"
#include "fleetledger/events/envelope.hpp"
#include "fleetledger/events/log.hpp"
#include "fleetledger/events/stop_signal.hpp"
#include "fleetledger/events/publisher.hpp"
#include "fleetledger/events/timestamps.hpp"
#include "fleetledger/producers/edge_reporter/simulation.hpp"
#include "fleetledger/producers/edge_reporter/source.hpp"

namespace fe = fleetledger::events;
namespace er = fleetledger::producers::edge_reporter;
using namespace std::chrono_literals;

namespace {

constexpr const char* program = "fleetledger-edge-reporter";
// Set by SIGTERM/SIGINT (events::install_stop_signals in main).
const std::atomic<bool>* stop_flag = nullptr;
bool stop_requested_now() { return stop_flag != nullptr && stop_flag->load(); }

[[noreturn]] void die(int code, const std::string& message) {
  std::fprintf(stderr, "%s: %s\n", program, message.c_str());
  std::exit(code);
}

// "15", "15s", "500ms", "2m" -> milliseconds; nullopt when malformed or not positive.
std::optional<std::chrono::milliseconds> parse_duration(const std::string& text) {
  std::size_t used = 0;
  long long n = 0;
  try {
    n = std::stoll(text, &used);
  } catch (...) {
    return std::nullopt;
  }
  const std::string unit = text.substr(used);
  if (n <= 0) return std::nullopt;
  if (unit.empty() || unit == "s") return std::chrono::milliseconds(n * 1000);
  if (unit == "ms") return std::chrono::milliseconds(n);
  if (unit == "m") return std::chrono::milliseconds(n * 60'000);
  return std::nullopt;
}

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

// Sleeps until the deadline or a stop request, in short slices.
void sleep_until(std::chrono::steady_clock::time_point deadline) {
  while (!stop_requested_now() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
        100ms, deadline - std::chrono::steady_clock::now()));
  }
}

}  // namespace

int main(int argc, char** argv) {
  fe::command_line cli(program,
                       "Publishes EdgeSummaryReported per cluster every --interval, from a JSON source or a "
                       "seeded simulation.");
  cli.option("brokers", "FLEETLEDGER_BROKERS", "127.0.0.1:9092", "Kafka bootstrap servers.")
      .option("source", "FLEETLEDGER_EDGE_SOURCE", "",
              "JSON source: a file path or an http:// URL, read every round "
              "({\"clusters\":[{\"cluster_id\":...,\"edges\":[...]}]}).")
      .toggle("simulate", "", "Simulate --clusters x --edges instead of reading --source.")
      .option("clusters", "FLEETLEDGER_SIM_CLUSTERS", "3", "Simulation: number of clusters N.")
      .option("edges", "FLEETLEDGER_SIM_EDGES", "3", "Simulation: edges per cluster M.")
      .option("seed", "FLEETLEDGER_SIM_SEED", "1", "Simulation: random seed (same seed, same metrics).")
      .option("cluster-prefix", "FLEETLEDGER_SIM_CLUSTER_PREFIX", "cluster-",
              "Simulation: cluster ids are <prefix><index>, index from 0 (matches the sample fleet).")
      .option("cluster-ids", "FLEETLEDGER_SIM_CLUSTER_IDS", "",
              "Simulation: explicit comma-separated cluster ids (overrides --clusters/--cluster-prefix).")
      .option("interval", "FLEETLEDGER_EDGE_INTERVAL", "15s",
              "Time between rounds (15, 15s, 500ms, 2m); also published as report_interval.")
      .option("rounds", "", "0", "Stop after this many rounds (0: run until SIGTERM).")
      .toggle("once", "", "Publish one round and exit (scripts, tests).")
      .option("http-timeout", "", "5s", "Timeout of an http:// source fetch.")
      .option("log-level", "FLEETLEDGER_LOG_LEVEL", "info", "debug, info, warn or error.")
      .epilog(
          "Prints one JSON line per round on stdout: {\"round\":1,\"published\":N,\"failed\":0,"
          "\"min_offsets\":\"fleet.edge.v1:P:O,...\"}.\n"
          "Examples:\n"
          "  fleetledger-edge-reporter --simulate --clusters 10 --edges 5 --seed 7\n"
          "  fleetledger-edge-reporter --source edges.json --once\n"
          "  fleetledger-edge-reporter --source http://127.0.0.1:9100/edges --interval 15s");
  cli.parse_or_exit(argc, argv);

  fe::log::init(program, cli.log_level_or_exit("log-level"));

  const bool simulate = cli.enabled("simulate");
  const std::string source = cli.get("source");
  if (simulate == !source.empty()) die(2, "give exactly one of --simulate or --source");
  const auto interval = parse_duration(cli.get("interval"));
  if (!interval) die(2, "--interval must be a positive duration like 15s or 500ms, got '" + cli.get("interval") + "'");
  const auto http_timeout = parse_duration(cli.get("http-timeout"));
  if (!http_timeout) die(2, "--http-timeout must be a positive duration like 5s");
  const std::int64_t max_rounds = cli.enabled("once") ? 1 : cli.int_or_exit("rounds", 0, 1'000'000'000);

  std::optional<er::simulation> sim;
  if (simulate) {
    er::simulation_config sc;
    sc.cluster_ids = cli.is_set("cluster-ids")
                         ? split_list(cli.get("cluster-ids"))
                         : er::numbered_cluster_ids(cli.get("cluster-prefix"),
                                                    static_cast<int>(cli.int_or_exit("clusters", 1, 1'000'000)));
    if (sc.cluster_ids.empty()) die(2, "--cluster-ids names no cluster");
    sc.edges_per_cluster = static_cast<int>(cli.int_or_exit("edges", 1, 10'000));
    sc.seed = static_cast<std::uint64_t>(cli.int_or_exit("seed", 0, INT64_MAX));
    sim.emplace(std::move(sc));
  }

  fe::publisher_config pc;
  pc.client.brokers = cli.get("brokers");
  pc.client.client_id = program;
  auto pub = fe::publisher::create(pc);
  if (!pub) die(1, pub.err().message);

  stop_flag = &fe::install_stop_signals();
  fe::log::info("edge reporter started",
                {{"mode", simulate ? "simulate" : "source"},
                 {"clusters", simulate ? static_cast<std::int64_t>(sim->config().cluster_ids.size()) : -1},
                 {"interval_ms", static_cast<std::int64_t>(interval->count())}});

  google::protobuf::Duration report_interval;
  report_interval.set_seconds(interval->count() / 1000);
  report_interval.set_nanos(static_cast<std::int32_t>((interval->count() % 1000) * 1'000'000));

  int exit_code = 0;
  std::int64_t round = 0;
  auto next = std::chrono::steady_clock::now();
  while (!stop_requested_now() && (max_rounds == 0 || round < max_rounds)) {
    ++round;
    next += *interval;
    std::vector<fleetledger::v1::EdgeSummaryReported> summaries;
    if (sim) {
      summaries = sim->next_round();
    } else {
      auto text = er::read_source(source, *http_timeout);
      auto parsed = text ? er::parse_source(*text) : fe::result<std::vector<fleetledger::v1::EdgeSummaryReported>>(text.err());
      if (!parsed) {
        fe::log::error("source rejected; nothing published this round", {{"source", source}, {"error", parsed.err().message}});
        if (max_rounds == 1) die(1, parsed.err().message);
        exit_code = 1;
        sleep_until(next);
        continue;
      }
      summaries = std::move(*parsed);
    }
    const auto now = std::chrono::system_clock::now();
    std::vector<fleetledger::v1::Envelope> events;
    events.reserve(summaries.size());
    for (auto& s : summaries) {
      auto env = fe::make_envelope({.producer = program, .actor = program}, now);
      *s.mutable_reported_at() = fe::to_timestamp(now);
      *s.mutable_report_interval() = report_interval;
      *env.mutable_edge_summary_reported() = std::move(s);
      events.push_back(std::move(env));
    }
    const auto results = pub->publish_all(events);
    std::size_t ok = 0, failed = 0;
    std::map<std::pair<std::string, std::int32_t>, std::int64_t> next_offsets;
    std::string first_error;
    for (const auto& r : results) {
      if (r) {
        ++ok;
        auto& o = next_offsets[{r->topic.value(), r->partition.value()}];
        o = std::max(o, r->at.value() + 1);
      } else {
        ++failed;
        if (first_error.empty()) first_error = r.err().message;
      }
    }
    std::string min_offsets;
    for (const auto& [tp, o] : next_offsets) {
      if (!min_offsets.empty()) min_offsets += ',';
      min_offsets += tp.first + ":" + std::to_string(tp.second) + ":" + std::to_string(o);
    }
    std::cout << "{\"round\":" << round << ",\"published\":" << ok << ",\"failed\":" << failed
              << ",\"min_offsets\":\"" << min_offsets << "\"}" << std::endl;
    if (failed > 0) {
      fe::log::error("some summaries were not published",
                     {{"round", round}, {"failed", static_cast<std::int64_t>(failed)}, {"error", first_error}});
      exit_code = 1;
    } else {
      fe::log::info("round published", {{"round", round}, {"summaries", static_cast<std::int64_t>(ok)},
                                        {"min_offsets", min_offsets}});
    }
    if (max_rounds != 0 && round >= max_rounds) break;
    sleep_until(next);
  }
  const auto queued = pub->flush(10s);
  fe::log::info("edge reporter stopped", {{"rounds", round}, {"still_queued", static_cast<std::int64_t>(queued)}});
  return exit_code;
}

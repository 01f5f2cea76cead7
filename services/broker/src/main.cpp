// fleetledger-broker: the dev broker. A Kafka-protocol broker on 127.0.0.1 built on librdkafka's mock
// cluster, with fleetledger's topic catalogue. See docs/DEV_BROKER.md.
#include <pthread.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include "fleetledger/broker/config.hpp"
#include "fleetledger/broker/durable_history.hpp"
#include "fleetledger/broker/mock_cluster.hpp"
#include "fleetledger/broker/retention_monitor.hpp"
#include "fleetledger/events/command_line.hpp"
#include "fleetledger/events/log.hpp"

namespace broker = fleetledger::broker;
namespace events = fleetledger::events;
namespace log = fleetledger::events::log;

namespace {

constexpr const char* program = "fleetledger-broker";

// A one-line reason on stderr, the convention for bad configuration; returns the exit code.
int failure(int code, const std::string& reason) {
  std::fprintf(stderr, "%s: %s\n", program, reason.c_str());
  return code;
}

// Runs the broker until SIGTERM/SIGINT (blocked by the caller); everything is destroyed on return.
int serve(const broker::broker_config& config, const sigset_t& stop_signals) {
  auto cluster = broker::mock_cluster::start(config);
  if (!cluster) return failure(1, cluster.err().message);

  // Durable history: re-append the archive before the bootstrap line tells clients to come, then
  // archive everything new from a thread of our own.
  std::unique_ptr<fleetledger::archive::archive_store> store;
  broker::embedded_archiver archiver;
  if (!config.data_dir.empty()) {
    const auto dir = std::filesystem::path(config.data_dir) / "broker" / "archive";
    fleetledger::archive::store_options so;
    so.sync = config.archive_sync == "none" ? fleetledger::archive::sync_policy::none
                                            : fleetledger::archive::sync_policy::per_batch;
    auto opened = fleetledger::archive::archive_store::open(dir, so);
    if (!opened) return failure(1, opened.err().message);
    store = std::move(opened.value());
    const auto began = std::chrono::steady_clock::now();
    auto restored = broker::restore_archive(*store, cluster->bootstrap(), cluster->topics());
    if (!restored) return failure(1, restored.err().message);
    log::info("history restored from the archive",
              {{"dir", dir.string()}, {"records", restored->records}, {"partitions", restored->partitions},
               {"ms", std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - began)
                          .count()}});
    fleetledger::archive::archiver_config ac;
    ac.brokers = cluster->bootstrap();
    ac.archive_dir = dir;
    ac.store = so;
    ac.client_id = "fleetledger-broker-archiver";
    archiver.start(ac, *store);
  }
  broker::retention_monitor monitor;
  if (auto r = monitor.start({cluster->bootstrap(), cluster->topics(), config.retention_check_interval,
                              config.retention_warn_percent});
      !r) {
    return failure(1, r.err().message);
  }

  std::int64_t partitions = 0;
  for (const auto& t : cluster->topics()) partitions += t.partitions;
  std::printf("{\"bootstrap\":\"%s\",\"topics\":%zu,\"partitions\":%lld,\"pid\":%d}\n",
              cluster->bootstrap().c_str(), cluster->topics().size(), static_cast<long long>(partitions),
              static_cast<int>(::getpid()));
  std::fflush(stdout);
  log::info("dev broker ready", {{"bootstrap", cluster->bootstrap()},
                                 {"topics", cluster->topics().size()},
                                 {"partitions", partitions},
                                 {"history", config.data_dir.empty() ? std::string("in memory only (no --data-dir)")
                                                                     : "durable under " + config.data_dir}});

  int sig = 0;
  while (sigwait(&stop_signals, &sig) != 0) {
  }
  log::info("stopping", {{"signal", ::strsignal(sig)}});
  if (store && !archiver.stop()) {
    log::error("the archive may miss records: its archiver had failed");
  }
  monitor.stop();  // then the mock cluster, then its owner handle
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  events::command_line cmd(program,
                           "Dev broker: speaks the Kafka protocol on 127.0.0.1 (librdkafka mock cluster) "
                           "with the fleetledger topic catalogue. Keeps records in memory, and with --data-dir in a "
                           "durable archive it restores on start.");
  broker::declare_flags(cmd);
  cmd.parse_or_exit(argc, argv);
  auto config = broker::make_config(cmd);
  if (!config) return failure(2, config.err().message);

  log::init(program);

  // SIGTERM/SIGINT are blocked before any thread starts (librdkafka's threads inherit the mask) and
  // taken synchronously by sigwait below.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  if (const int code = serve(*config, stop_signals); code != 0) return code;
  log::info("stopped");
  return 0;
}

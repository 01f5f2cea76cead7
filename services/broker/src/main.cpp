// fleetledger-broker: the dev broker. A Kafka-protocol broker on 127.0.0.1 built on librdkafka's mock
// cluster, with fleetledger's topic catalogue. See docs/DEV_BROKER.md.
#include <pthread.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>

#include "fleetledger/broker/config.hpp"
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

  // Issue 6 hooks in here: re-append the archive before the bootstrap line tells clients to come.
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
                                 {"history", "in memory only; durable history arrives with the archive"}});

  int sig = 0;
  while (sigwait(&stop_signals, &sig) != 0) {
  }
  log::info("stopping", {{"signal", ::strsignal(sig)}});
  monitor.stop();  // then the mock cluster, then its owner handle
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  events::command_line cmd(program,
                           "Dev broker: speaks the Kafka protocol on 127.0.0.1 (librdkafka mock cluster) "
                           "with the fleetledger topic catalogue. Keeps records in memory only.");
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

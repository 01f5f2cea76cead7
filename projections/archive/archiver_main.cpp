// fleetledger-archiver: copies every record of the event topics (dead-letter topic included) into
// the RocksDB archive at <data-dir>/archive. See docs/HISTORY.md.
#include <pthread.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <thread>

#include "fleetledger/archive/archiver.hpp"
#include "fleetledger/events/command_line.hpp"
#include "fleetledger/events/log.hpp"

namespace archive = fleetledger::archive;
namespace events = fleetledger::events;
namespace log = fleetledger::events::log;

namespace {
constexpr const char* program = "fleetledger-archiver";
}  // namespace

int main(int argc, char** argv) {
  events::command_line cmd(program,
                           "Archives every record of the fleetledger event topics (the dead-letter topic "
                           "included), unchanged, into a RocksDB archive with a time index.");
  cmd.option("brokers", "FLEETLEDGER_BROKERS", "127.0.0.1:9092", "Kafka bootstrap servers")
      .option("data-dir", "FLEETLEDGER_DATA_DIR", "./var", "data directory; the archive is <data-dir>/archive")
      .option("archive-dir", "FLEETLEDGER_ARCHIVE_DIR", "", "archive directory (overrides <data-dir>/archive)")
      .option("sync", "FLEETLEDGER_ARCHIVE_SYNC", "per-batch",
              "per-batch: fsync every WriteBatch; none: leave write-back to the OS")
      .option("batch-max", "FLEETLEDGER_ARCHIVE_BATCH_MAX", "20000", "records per WriteBatch at most");
  cmd.parse_or_exit(argc, argv);
  auto sync = archive::parse_sync_policy(cmd.get("sync"));
  if (!sync) {
    std::fprintf(stderr, "%s: %s\n", program, sync.err().message.c_str());
    return 2;
  }
  archive::archiver_config config;
  config.brokers = cmd.get("brokers");
  config.archive_dir = cmd.is_set("archive-dir") ? std::filesystem::path(cmd.get("archive-dir"))
                                                 : std::filesystem::path(cmd.get("data-dir")) / "archive";
  config.store.sync = *sync;
  config.batch_max = static_cast<std::size_t>(cmd.int_or_exit("batch-max", 1, 1'000'000));

  log::init(program);
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  std::atomic<bool> stop{false};
  std::thread waiter([&] {
    int sig = 0;
    while (sigwait(&stop_signals, &sig) != 0) {
    }
    log::info("stopping", {{"signal", ::strsignal(sig)}});
    stop.store(true);
  });
  waiter.detach();
  auto r = archive::run_archiver(config, stop);
  if (!r && stop.load()) {
    log::warn("stopped before the broker answered", {{"error", r.err().message}});
    return 0;
  }
  if (!r) {
    log::error("archiver failed", {{"error", r.err().message}});
    std::fprintf(stderr, "%s: %s\n", program, r.err().message.c_str());
    return 1;
  }
  return 0;
}

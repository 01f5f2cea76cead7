// fleetledger-projector: one projection per process (--view fleet|marketplace|edges), folding the
// event topics into its own RocksDB directory with exactly-once state (DESIGN.md sections 4 and 5).
#include <signal.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <thread>

#include "fleetledger/events/command_line.hpp"
#include "fleetledger/events/log.hpp"
#include "fleetledger/events/stop_signal.hpp"
#include "fleetledger/projections/projector_runner.hpp"
#include "fleetledger/projections/view_store.hpp"
#include "allocator.hpp"
#include "view_registry.hpp"

namespace fe = fleetledger::events;
namespace fp = fleetledger::projections;

namespace {

// Prints the digest of a view directory as one JSON line. Opens it as a secondary instance, so it
// works while the projector is running.
int print_digest(const std::string& view_name, const std::filesystem::path& dir) {
  const auto secondary = std::filesystem::temp_directory_path() /
                         ("fleetledger-digest-" + std::to_string(::getpid()));
  auto store = fp::view_store::open_secondary(dir, secondary);
  if (!store) {
    std::fprintf(stderr, "fleetledger-projector: %s\n", store.err().message.c_str());
    return 1;
  }
  (void)store.value()->catch_up();
  const auto d = store.value()->digest();
  const auto c = store.value()->counters();
  std::string out = "{\"view\":\"" + view_name + "\",\"sha256\":\"" + d.sha256_hex +
                    "\",\"keys\":" + std::to_string(d.keys) + ",\"offsets\":\"";
  bool first = true;
  for (const auto& o : d.offsets) {
    if (!first) out += ',';
    first = false;
    out += o.where.topic.value() + ":" + std::to_string(o.where.partition.value()) + ":" + std::to_string(o.next.value());
  }
  out += "\",\"applied\":" + std::to_string(c.applied) + ",\"rejected\":" + std::to_string(c.rejected) +
         ",\"ignored\":" + std::to_string(c.ignored) + ",\"duplicates\":" + std::to_string(c.duplicates) +
         ",\"dead_lettered\":" + std::to_string(c.dead_lettered) + "}";
  std::cout << out << std::endl;
  store.value().reset();
  std::error_code ec;
  std::filesystem::remove_all(secondary, ec);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  fe::command_line cli("fleetledger-projector",
                       "Folds fleetledger's event topics into one RocksDB read model (a view).");
  cli.option("view", "FLEETLEDGER_VIEW", "", "The view to project: fleet, marketplace or edges (required).")
      .option("brokers", "FLEETLEDGER_BROKERS", "127.0.0.1:9092", "Kafka bootstrap servers.")
      .option("data-dir", "FLEETLEDGER_DATA_DIR", "./var", "Data root; the view lives in <data-dir>/views/<view>.")
      .option("view-dir", "FLEETLEDGER_VIEW_DIR", "", "The view's RocksDB directory (overrides --data-dir).")
      .option("archive-dir", "FLEETLEDGER_ARCHIVE_DIR", "",
              "The archive to fill gaps from when Kafka no longer holds them (default: <data-dir>/archive if it "
              "exists, else <data-dir>/broker/archive, the dev broker's).")
      .option("batch-size", "FLEETLEDGER_BATCH_SIZE", "10000", "Records per RocksDB WriteBatch at most.")
      .toggle("sync", "FLEETLEDGER_SYNC_WRITES", "fsync every batch (the WAL is written either way).")
      .option("dedup-seal-ids", "FLEETLEDGER_DEDUP_SEAL_IDS", "262144",
              "Recent event ids kept in memory (about 32 bytes each) and in a per-batch journal before they are "
              "sealed into one table of the dedup column family.")
      .toggle("rebuild", "", "Delete the view directory first and rebuild the view from the log.")
      .toggle("exit-at-end", "", "Stop once every partition reaches the end it had at start-up (rebuilds, benchmarks).")
      .toggle("digest", "", "Print the view's state digest, offsets and counters as JSON and exit.")
      .option("log-level", "FLEETLEDGER_LOG_LEVEL", "info", "debug, info, warn or error.")
      .epilog("Example:\n  fleetledger-projector --view marketplace --brokers 127.0.0.1:9092 --data-dir ./var");
  cli.parse_or_exit(argc, argv);

  const std::string view_name = cli.get("view");
  auto view = fp::make_view(view_name);
  if (!view) {
    std::fprintf(stderr, "fleetledger-projector: --view must be one of %s, got '%s'\n",
                 fp::view_names().c_str(), view_name.c_str());
    return 2;
  }
  fe::log::init("fleetledger-projector", cli.log_level_or_exit("log-level"));

  fp::runner_config config;
  config.brokers = cli.get("brokers");
  config.view_dir = cli.is_set("view-dir") ? std::filesystem::path(cli.get("view-dir"))
                                           : std::filesystem::path(cli.get("data-dir")) / "views" / view_name;
  if (cli.is_set("archive-dir")) {
    config.archive_dir = cli.get("archive-dir");
  } else {
    const std::filesystem::path data(cli.get("data-dir"));
    std::error_code ec;
    config.archive_dir = std::filesystem::exists(data / "archive" / "CURRENT", ec) ? data / "archive"
                                                                                   : data / "broker" / "archive";
  }
  config.batch_max = static_cast<std::size_t>(cli.int_or_exit("batch-size", 1, 1'000'000));
  config.exit_at_end = cli.enabled("exit-at-end");
  config.store.sync_writes = cli.enabled("sync");
  config.store.dedup_seal_ids = static_cast<std::size_t>(cli.int_or_exit("dedup-seal-ids", 1, 100'000'000));

  if (cli.enabled("digest")) return print_digest(view_name, config.view_dir);
  if (cli.enabled("rebuild")) {
    std::error_code ec;
    std::filesystem::remove_all(config.view_dir, ec);
    if (ec) {
      std::fprintf(stderr, "fleetledger-projector: cannot delete %s: %s\n", config.view_dir.c_str(), ec.message().c_str());
      return 1;
    }
    fe::log::info("rebuilding view from the log", {{"view", view_name}, {"dir", config.view_dir.string()}});
  }

  fe::log::info("allocator", {{"view", view_name}, {"allocator", fleetledger::projector::allocator_name()}});
  const auto& stop_requested = fe::install_stop_signals();
  auto result = fp::run_projector(*view, config, stop_requested);
  if (!result) {
    fe::log::error("projector failed", {{"view", view_name}, {"error", result.err().message}});
    std::fprintf(stderr, "fleetledger-projector: %s\n", result.err().message.c_str());
    return 1;
  }
  return 0;
}

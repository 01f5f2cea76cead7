#pragma once
// The projector process's loop: consume the view's topics from the offsets stored in its RocksDB,
// apply batches through the applier, park dead letters in fleet.deadletter.v1 before committing,
// commit state + offsets in one WriteBatch, and commit offsets to Kafka (advisory) afterwards.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>

#include "fleetledger/events/result.hpp"
#include "fleetledger/projections/view.hpp"
#include "fleetledger/projections/view_store.hpp"

namespace fleetledger::projections {

struct runner_config {
  std::string brokers;                 // bootstrap servers
  std::filesystem::path view_dir;      // this view's RocksDB directory
  std::size_t batch_max{10'000};       // records per WriteBatch at most
  std::chrono::milliseconds poll_timeout{100};
  std::chrono::milliseconds kafka_commit_interval{std::chrono::seconds(1)};  // advisory commits
  std::chrono::milliseconds status_interval{std::chrono::seconds(10)};       // progress log lines
  // The archive (docs/HISTORY.md), read as a secondary instance when a partition's log start is past
  // the view's stored offset; empty: no archive, such a gap is only reported.
  std::filesystem::path archive_dir;
  bool exit_at_end{false};  // stop at the log end seen at start-up (rebuilds, benchmarks)
  store_options store;
};

struct run_summary {
  std::int64_t records{0};  // records consumed by this run
  std::int64_t archive_records{0};  // records of gaps read from the archive
  std::int64_t unrecoverable_gaps{0};  // partitions whose gap neither Kafka nor the archive holds
  view_counters counters;   // totals stored with the view
};

// Runs until stop becomes true (or, with exit_at_end, the view is caught up). Errors: the store
// cannot be opened or written, the broker is unusable for the whole startup timeout, or dead
// letters cannot be published while stopping (then nothing of that batch was committed).
[[nodiscard]] events::result<run_summary> run_projector(view& v, const runner_config& config,
                                                        const std::atomic<bool>& stop);

}  // namespace fleetledger::projections

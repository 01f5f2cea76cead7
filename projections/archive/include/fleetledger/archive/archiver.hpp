#pragma once
// The archiver loop: reads every event topic (dead-letter topic included) with explicit
// assignment from the offsets stored in the archive and writes each polled batch, with the new
// offsets, in one WriteBatch. Used by fleetledger-archiver and inside the dev broker.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "fleetledger/archive/archive_store.hpp"
#include "fleetledger/events/consumed_record.hpp"
#include "fleetledger/events/result.hpp"

namespace fleetledger::archive {

struct archiver_config {
  std::string brokers;
  std::filesystem::path archive_dir;
  store_options store;
  std::vector<std::string> topics;  // empty: every topic of the catalogue, fleet.deadletter.v1 included
  std::string client_id{"fleetledger-archiver"};
  std::size_t batch_max{20'000};                    // records per WriteBatch at most
  std::chrono::milliseconds poll_timeout{10};       // wait for the first record of a batch
  std::chrono::milliseconds fetch_wait_max{10};     // broker long-poll: bounds the archiver's lag
  std::chrono::milliseconds drain_timeout{std::chrono::seconds(60)};  // on stop, at most this long
  std::chrono::milliseconds status_interval{std::chrono::seconds(10)};
};

struct archiver_stats {
  std::int64_t records{0};  // archived by this run
  std::int64_t batches{0};
};

// Copies one consumed record into the archive's form (key/value null-ness, headers, timestamp).
[[nodiscard]] archived_record to_archived(const events::consumed_record& r);

// Runs until stop; then reads every partition up to the high watermark it has at that moment
// (bounded by drain_timeout) so a clean stop leaves nothing acknowledged unarchived. The store
// may be passed in (already open) or is opened from archive_dir.
[[nodiscard]] events::result<archiver_stats> run_archiver(const archiver_config& config,
                                                          const std::atomic<bool>& stop,
                                                          archive_store* store = nullptr);

}  // namespace fleetledger::archive

#pragma once
// The dev broker's configuration: a typed struct built and validated in one function from the flags.
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "fleetledger/events/command_line.hpp"
#include "fleetledger/events/result.hpp"

namespace fleetledger::broker {

struct topic_partitions {
  std::string name;
  std::int32_t partitions{1};
};

struct broker_config {
  // --listen / FLEETLEDGER_BROKER_LISTEN, default 127.0.0.1. IPv4 only (the mock is AF_INET only);
  // anything outside 127.0.0.0/8 needs allow_non_loopback.
  std::string listen_address{"127.0.0.1"};
  // --port / FLEETLEDGER_BROKER_PORT, default 9092; 0 lets the kernel pick a free port.
  std::uint16_t port{9092};
  // --allow-non-loopback / FLEETLEDGER_BROKER_ALLOW_NON_LOOPBACK, default off.
  bool allow_non_loopback{false};
  // The topic catalogue with its partition counts: defaults from DESIGN.md section 2, then
  // --partitions-all N, then per-topic --partitions name=N,name=N (later wins).
  std::vector<topic_partitions> topics;
  // --retention-check-ms / FLEETLEDGER_BROKER_RETENTION_CHECK_MS, default 2000; 0 turns the
  // retention monitor off.
  std::chrono::milliseconds retention_check_interval{2000};
  // --retention-warn-percent, default 80: warn when a partition's estimated retained log passes
  // this share of the mock's limits.
  int retention_warn_percent{80};
  // --data-dir / FLEETLEDGER_DATA_DIR, default empty (memory only). When set, the broker archives
  // every record at <data-dir>/broker/archive and restores it on start (docs/HISTORY.md).
  std::string data_dir;
  // --archive-sync / FLEETLEDGER_BROKER_ARCHIVE_SYNC: per-batch (default) or none.
  std::string archive_sync{"per-batch"};
};

// Declares the broker's flags on cmd (used by main and by the smoke tests' --help).
void declare_flags(events::command_line& cmd);

// Builds and validates the configuration from parsed flags.
[[nodiscard]] events::result<broker_config> make_config(const events::command_line& cmd);

// Applies "name=N,name=N" to topics; unknown topics and counts outside [1, 1024] are errors.
[[nodiscard]] events::result<void> apply_partition_overrides(std::vector<topic_partitions>& topics,
                                                             std::string_view spec);

// True for IPv4 addresses in 127.0.0.0/8 (and "localhost").
[[nodiscard]] bool is_loopback(std::string_view ipv4);

}  // namespace fleetledger::broker

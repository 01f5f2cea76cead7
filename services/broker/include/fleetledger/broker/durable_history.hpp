#pragma once
// The dev broker's durable history (docs/HISTORY.md): with --data-dir the broker keeps an archive
// at <data-dir>/broker/archive, written by an archiver thread on a loopback connection, and on
// start re-appends the archived records so every partition comes back with the same offsets.
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <thread>

#include "fleetledger/archive/archive_store.hpp"
#include "fleetledger/archive/archiver.hpp"
#include "fleetledger/broker/config.hpp"
#include "fleetledger/events/result.hpp"

namespace fleetledger::broker {

struct restore_stats {
  std::int64_t records{0};     // records re-appended
  std::int64_t partitions{0};  // partitions that had records
};

// Re-appends every archived record to the (fresh, empty) mock cluster at bootstrap, partition by
// partition in offset order, with the same key (null-ness included), value, headers and
// timestamp, then checks that every partition's high watermark equals the archived next offset.
// An error (one line) when the archive does not start at offset 0 or has a hole, names a topic or
// partition the broker does not have, or the offsets come out different.
[[nodiscard]] events::result<restore_stats> restore_archive(const archive::archive_store& store,
                                                            const std::string& bootstrap,
                                                            const std::vector<topic_partitions>& topics);

// The archiver thread inside the broker.
class embedded_archiver {
 public:
  embedded_archiver() = default;
  ~embedded_archiver();
  embedded_archiver(const embedded_archiver&) = delete;
  embedded_archiver& operator=(const embedded_archiver&) = delete;

  void start(archive::archiver_config config, archive::archive_store& store);
  // Stops the thread after it archived everything up to the high watermarks of this moment.
  // Returns false when the archiver failed.
  bool stop();

 private:
  std::atomic<bool> stop_{false};
  std::atomic<bool> failed_{false};
  std::thread thread_;
};

}  // namespace fleetledger::broker

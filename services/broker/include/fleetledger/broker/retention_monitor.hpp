#pragma once
// Warns before the mock cluster silently drops records.
//
// librdkafka's mock keeps only the last 5 MiB or 100,000 message sets (producer batches) per
// partition; older batches vanish and an `earliest` consumer skips them without an error. Until the
// archive (issue 6) makes history durable, the dev broker watches every partition:
// - a consumer inside the broker process, assigned to every partition over the loopback
//   connection, adds up an estimate of each record's size in the log (never less than the real
//   size: it charges each record a whole 61-byte batch header, so with large producer batches the
//   warning comes early, never late); record counts bound the number of message sets from above;
// - every check interval a second handle, on its own connection (the consumer's is often parked in
//   a long-poll fetch), asks for the log start and end offsets of all partitions in two ListOffsets
//   requests;
// - it logs `warn` once per partition as soon as the estimate passes warn_percent of either limit,
//   and
//   `error` when the log start offset moves above 0 (records were dropped), again at most every
//   30 s while it keeps moving.
// Overhead: one extra fetch of every byte produced (the mock serves fetches from memory) and two
// ListOffsets requests per interval; memory is a few counters per partition.
//
// The message-set limit cannot bind first with v2 record batches: 5 MiB / 100,000 = 52 bytes,
// less than a batch header (61 bytes). Both are checked anyway.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "fleetledger/broker/config.hpp"
#include "fleetledger/events/result.hpp"

namespace fleetledger::broker {

// Size a record takes in a v2 record batch, upper bound, plus one batch header (61 bytes).
[[nodiscard]] std::int64_t estimated_log_bytes(std::size_t key_bytes, std::size_t value_bytes,
                                               std::size_t header_count, std::size_t header_bytes);

// Per-partition accounting of what the mock still holds, from the records seen and the log start.
class partition_retention {
 public:
  void add(std::int64_t offset, std::int64_t bytes);
  // Forgets everything below log_start (dropped by the mock); prorates a partly dropped chunk.
  void trim(std::int64_t log_start);
  [[nodiscard]] std::int64_t bytes() const { return bytes_; }
  [[nodiscard]] std::int64_t records() const { return records_; }

 private:
  struct chunk {
    std::int64_t first_offset, last_offset, bytes, records;
  };
  static constexpr std::int64_t records_per_chunk = 1024;
  std::deque<chunk> chunks_;
  std::int64_t bytes_{0};
  std::int64_t records_{0};
};

class retention_monitor {
 public:
  struct options {
    std::string bootstrap;
    std::vector<topic_partitions> topics;
    std::chrono::milliseconds interval{2000};
    int warn_percent{80};
  };

  // Starts the monitor thread; an error if its consumer cannot be created.
  [[nodiscard]] events::result<void> start(options opts);
  // Stops and joins the thread (also done by the destructor).
  void stop();
  retention_monitor();
  ~retention_monitor();
  retention_monitor(const retention_monitor&) = delete;
  retention_monitor& operator=(const retention_monitor&) = delete;

 private:
  void run();

  options opts_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  struct state;
  std::unique_ptr<state> state_;
};

}  // namespace fleetledger::broker

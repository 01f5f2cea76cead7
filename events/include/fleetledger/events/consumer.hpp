#pragma once
// Reads fleetledger topics without group rebalancing (DESIGN.md section 2): the caller assigns
// partitions explicitly with the offsets stored next to its state, and may commit offsets to Kafka
// under group "fleetledger.<name>" for lag tooling only (the group is never joined).
// End of partition and poll timeouts are normal: poll() reports the former as information.
//
// Not thread-safe: use one consumer from one thread at a time. Records returned by poll() must be
// destroyed before the consumer.
#include <chrono>
#include <cstddef>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "fleetledger/events/consumed_record.hpp"
#include "fleetledger/events/ids.hpp"
#include "fleetledger/events/kafka_config.hpp"
#include "fleetledger/events/kafka_handles.hpp"
#include "fleetledger/events/result.hpp"

namespace fleetledger::events {

// Start-offset sentinels for assign(): the log start and the current end of a partition.
inline constexpr offset offset_beginning{RD_KAFKA_OFFSET_BEGINNING};
inline constexpr offset offset_end{RD_KAFKA_OFFSET_END};

// Log start (low: first offset still held) and end (high: the offset the next record will get).
struct watermarks {
  offset low;
  offset high;
  friend bool operator==(const watermarks&, const watermarks&) = default;
};

// What one poll() returned. poll() appends, so the caller clears it (reusing its capacity).
struct poll_batch {
  std::vector<consumed_record> records;
  // Partitions that reached their end during the poll; next = end offset at that moment.
  std::vector<partition_offset> reached_end;
  void clear() noexcept {
    records.clear();
    reached_end.clear();
  }
};

class consumer {
public:
  [[nodiscard]] static result<consumer> create(const consumer_config& config);

  consumer(consumer&&) noexcept = default;
  consumer& operator=(consumer&& other) noexcept;
  consumer(const consumer&) = delete;
  consumer& operator=(const consumer&) = delete;
  ~consumer();

  // Replaces the assignment: reads each partition from its offset (>= 0, offset_beginning or
  // offset_end). An offset below the log start or past the end restarts at the log start
  // (auto.offset.reset=earliest): compare with query_watermarks() first if that matters.
  [[nodiscard]] result<void> assign(const offset_vector& start);
  // Stops reading every partition.
  [[nodiscard]] result<void> unassign();

  // Appends up to max records to out.records (and end-of-partition notices to out.reached_end).
  // Waits at most timeout for the first record, then takes what is already fetched without
  // waiting, so a caught-up consumer returns quickly and a lagging one gets full batches.
  // Returns the number of records appended; 0 on timeout. Transient broker errors are logged and
  // retried by librdkafka; other errors are returned (after the records fetched before them).
  [[nodiscard]] result<std::size_t> poll(std::chrono::milliseconds timeout, poll_batch& out, std::size_t max);

  // True when every assigned partition has reached its end and no record arrived since.
  [[nodiscard]] bool caught_up() const noexcept;
  // Per assigned partition the next offset to read: after the last record returned, or the end
  // seen, else the start given to assign() (which may be a sentinel).
  [[nodiscard]] offset_vector positions() const;

  // Asynchronous advisory commit of explicit offsets (Kafka convention: next offset to read) under
  // group fleetledger.<name>; no group join. Failures are logged (warn), not returned.
  [[nodiscard]] result<void> commit(const offset_vector& offsets);
  // The offsets committed under the group (from the group coordinator; no join). A partition
  // without a committed offset is left out.
  [[nodiscard]] result<offset_vector> committed(const std::vector<topic_partition>& partitions,
                                                std::chrono::milliseconds timeout);

  // How often poll() woke librdkafka's fetcher after the prefetch queue had been held at its bound
  // (see consumer.cpp): for tests and diagnostics.
  [[nodiscard]] std::size_t fetcher_wakes() const noexcept { return fetcher_wakes_; }

  [[nodiscard]] result<watermarks> query_watermarks(const topic_partition& tp, std::chrono::milliseconds timeout);
  // The same for many partitions in two ListOffsets requests per broker (log start, log end)
  // rather than two round trips per partition; one result per partition, in the given order.
  [[nodiscard]] std::vector<result<watermarks>> query_watermarks(std::span<const topic_partition> partitions,
                                                                 std::chrono::milliseconds timeout);
  // errc::not_found when the topic does not exist.
  [[nodiscard]] result<std::int32_t> partition_count(std::string_view topic, std::chrono::milliseconds timeout);
  // Every partition of the topics, in the given topic order and by partition; one metadata request.
  [[nodiscard]] result<std::vector<topic_partition>> list_partitions(std::span<const std::string_view> topics,
                                                                     std::chrono::milliseconds timeout);

  [[nodiscard]] const consumer_config& config() const noexcept { return config_; }

private:
  struct assigned_partition {
    topic_partition where;
    const rd_kafka_topic_t* handle{nullptr};  // librdkafka's topic of its records, learnt on first match
    offset next;
    bool at_end{false};
  };

  consumer(consumer_config config, kafka_handle_ptr rk, kafka_queue_ptr queue);
  assigned_partition* find_assigned(const rd_kafka_message_t& m);
  void wake_fetcher_if_drained(std::size_t taken, std::size_t taken_bytes);
  void close() noexcept;

  consumer_config config_;
  kafka_handle_ptr rk_;
  kafka_queue_ptr queue_;  // declared after rk_: released before the client is destroyed
  std::vector<rd_kafka_message_t*> raw_;  // reused batch buffer
  std::vector<assigned_partition> assigned_;
  std::optional<error> deferred_error_;   // hit after records were already appended
  // See wake_fetcher_if_drained(): the mean size of the records last taken, and whether the
  // prefetch queue has been near its bound since the fetcher was last woken.
  double record_bytes_{0};
  bool prefetch_held_{false};
  std::size_t fetcher_wakes_{0};
};

}  // namespace fleetledger::events

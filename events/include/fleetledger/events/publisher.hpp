#pragma once
// Publishes fleetledger events to Kafka (DESIGN.md sections 2 and 5): acks=all, idempotence on,
// murmur2_random partitioning, headers fl-type/fl-event-id/fl-schema on every event record.
// Every publish call returns only after librdkafka's delivery report for each of its records: a
// position means the broker acknowledged the record; anything else is an error. No call ever
// reports success for a record the broker did not acknowledge.
//
// Thread-safe: several threads may publish through one publisher at once. Delivery reports are
// served by one internal poll thread, or, while a bulk publish_all(batches) runs, by its caller.
#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fleetledger/events/encoded_batch.hpp"
#include "fleetledger/events/ids.hpp"
#include "fleetledger/events/kafka_config.hpp"
#include "fleetledger/events/result.hpp"
#include "fleetledger/v1/envelope.pb.h"

namespace fleetledger::events {

// A record header: name and value.
using record_header = std::pair<std::string, std::string>;

// What publish_all(batches) reports for each record, in batch order then record order, without a
// result and a topic string per record (a bulk import has 100,000).
struct bulk_outcome {
  struct ack {
    std::string_view topic;  // a topic_catalogue() name
    partition_id partition;
    offset at;
  };
  std::vector<std::optional<ack>> acks;               // nullopt: the record failed (see errors)
  std::vector<std::pair<std::size_t, error>> errors;  // index of a failed record and why, ascending

  [[nodiscard]] std::size_t size() const noexcept { return acks.size(); }
  // The record's position, or its error.
  [[nodiscard]] result<record_position> at(std::size_t i) const;
};

class publisher {
public:
  // Validates the config and creates the producer. Does not wait for a broker: an unreachable
  // broker shows up as publish errors after config.delivery_timeout.
  [[nodiscard]] static result<publisher> create(const publisher_config& config);

  publisher(publisher&&) noexcept;
  publisher& operator=(publisher&&) noexcept;
  publisher(const publisher&) = delete;
  publisher& operator=(const publisher&) = delete;
  // Flushes for at most config.close_timeout and logs (warn) how many records were still queued.
  ~publisher();

  // Routes (topic and key from the payload), encodes and publishes one event; blocks until the
  // broker acknowledged it or delivery failed (at most about config.delivery_timeout).
  [[nodiscard]] result<record_position> publish(const fleetledger::v1::Envelope& event);

  // Pipelined: enqueues every event, then waits for every delivery report. One result per event,
  // in input order. Records with the same key keep their input order in the log.
  [[nodiscard]] std::vector<result<record_position>> publish_all(
      std::span<const fleetledger::v1::Envelope> events);

  // The same for events already routed and encoded (bulk producers), batch after batch, all in one
  // pipeline: one outcome per record, in batch order then record order. The batches must stay
  // unchanged until the call returns; their bytes are sent without a copy.
  [[nodiscard]] bulk_outcome publish_all(std::span<const encoded_batch> batches);

  // Any record (dead-letter topic, tools): key nullopt = null key, "" = empty key; the value and
  // headers are sent as given (no fl-* headers are added).
  [[nodiscard]] result<record_position> publish_raw(std::string_view topic, std::optional<std::string_view> key,
                                                    std::string_view value,
                                                    const std::vector<record_header>& headers = {});

  // Waits up to timeout for queued and in-flight records; returns how many are still queued.
  std::size_t flush(std::chrono::milliseconds timeout);

  [[nodiscard]] const publisher_config& config() const;

private:
  struct state;
  explicit publisher(std::unique_ptr<state> s);
  std::unique_ptr<state> state_;
};

}  // namespace fleetledger::events

#pragma once
// One record read by consumer: owns librdkafka's message (and so a reference to its fetch buffer)
// and exposes its fields as views into it, without copying.
#include <cstdint>
#include <optional>
#include <string_view>

#include "fleetledger/events/ids.hpp"
#include "fleetledger/events/kafka_handles.hpp"

namespace fleetledger::events {

class consumed_record {
public:
  consumed_record() = default;
  explicit consumed_record(kafka_message_ptr message) noexcept : message_(std::move(message)) {}

  [[nodiscard]] std::string_view topic() const noexcept { return rd_kafka_topic_name(message_->rkt); }
  [[nodiscard]] partition_id partition() const noexcept { return partition_id(message_->partition); }
  [[nodiscard]] events::offset offset() const noexcept { return events::offset(message_->offset); }
  [[nodiscard]] topic_partition where() const;     // allocates the topic name
  [[nodiscard]] record_position position() const;  // allocates the topic name

  [[nodiscard]] bool has_key() const noexcept { return message_->key != nullptr; }
  // Empty for a null key; see has_key().
  [[nodiscard]] std::string_view key() const noexcept {
    return message_->key ? std::string_view(static_cast<const char*>(message_->key), message_->key_len)
                         : std::string_view();
  }
  [[nodiscard]] bool has_value() const noexcept { return message_->payload != nullptr; }
  [[nodiscard]] std::string_view value() const noexcept {
    return message_->payload ? std::string_view(static_cast<const char*>(message_->payload), message_->len)
                             : std::string_view();
  }
  // The value of the last header with that name (nullopt when absent; a null value reads as "").
  // Parses the headers on first use, so not safe to call from two threads on the same record.
  [[nodiscard]] std::optional<std::string_view> header(std::string_view name) const;
  // The record's timestamp in ms since the epoch (CreateTime or LogAppendTime), -1 when it has none.
  [[nodiscard]] std::int64_t timestamp_ms() const noexcept;

  [[nodiscard]] const rd_kafka_message_t& raw() const noexcept { return *message_; }

private:
  kafka_message_ptr message_;
};

}  // namespace fleetledger::events

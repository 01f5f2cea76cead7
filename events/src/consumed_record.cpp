#include "fleetledger/events/consumed_record.hpp"

#include <string>

namespace fleetledger::events {

topic_partition consumed_record::where() const {
  return {topic_name(std::string(topic())), partition()};
}

record_position consumed_record::position() const {
  return {topic_name(std::string(topic())), partition(), offset()};
}

std::optional<std::string_view> consumed_record::header(std::string_view name) const {
  rd_kafka_headers_t* headers = nullptr;  // owned by the message
  if (rd_kafka_message_headers(message_.get(), &headers) != RD_KAFKA_RESP_ERR_NO_ERROR || !headers) {
    return std::nullopt;
  }
  std::optional<std::string_view> found;
  const char* n = nullptr;
  const void* v = nullptr;
  std::size_t size = 0;
  // Walk all headers: librdkafka's lookup wants a NUL-terminated name, a view may not have one.
  for (std::size_t i = 0; rd_kafka_header_get_all(headers, i, &n, &v, &size) == RD_KAFKA_RESP_ERR_NO_ERROR; ++i) {
    if (n && name == n) found = v ? std::string_view(static_cast<const char*>(v), size) : std::string_view();
  }
  return found;
}

std::int64_t consumed_record::timestamp_ms() const noexcept {
  rd_kafka_timestamp_type_t type{};
  const auto ts = rd_kafka_message_timestamp(message_.get(), &type);
  return type == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE ? -1 : ts;
}

}  // namespace fleetledger::events

#include "fleetledger/events/encoded_batch.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "fleetledger/events/codec.hpp"
#include "fleetledger/events/envelope.hpp"
#include "fleetledger/events/wire_writer.hpp"

namespace fleetledger::events {

void encoded_batch::reserve(std::size_t events) { records_.reserve(events); }

char* encoded_batch::room_for(std::size_t bytes) {
  if (blocks_.empty() || blocks_.back().size - blocks_.back().used < bytes) {
    // On huge pages: a 100,000-row import fills ~30 MB, and faulting that in 4 KiB pages cost more
    // system time than the encoding.
    std::size_t size = std::max(block_bytes, bytes);
    auto data = allocate_on_huge_pages(size);
    blocks_.push_back({std::move(data), size, 0});
  }
  block& b = blocks_.back();
  char* at = b.data.get() + b.used;
  b.used += bytes;
  return at;
}

result<void> encoded_batch::add(const fleetledger::v1::Envelope& env) {
  auto where = route(env);
  if (!where) return make_error(where.err().code, "publish failed: " + where.err().message);
  if (static_cast<int>(env.payload_case()) != last_payload_case_) {
    last_payload_case_ = static_cast<int>(env.payload_case());
    last_type_ = payload_type_name(env);
  }
  const std::size_t value_size = encoded_size(env);
  const std::string& id = env.event_id();
  char* const at = room_for(where->key.size() + id.size() + value_size);
  std::memcpy(at, where->key.data(), where->key.size());
  std::memcpy(at + where->key.size(), id.data(), id.size());
  char* const value = at + where->key.size() + id.size();
  encode_into(env, std::span<char>(value, value_size));
  records_.push_back({where->topic, std::string_view(at, where->key.size()), std::string_view(value, value_size),
                      last_type_, std::string_view(at + where->key.size(), id.size())});
  return {};
}

using wire::put_string;
using wire::put_tag;
using wire::put_varint;

result<void> encoded_batch::add(const event_metadata& metadata, int payload_field, std::string_view key,
                                std::string_view payload,
                                std::optional<std::chrono::system_clock::time_point> occurred_at_given) {
  if (payload_field != payload_field_) {  // topic and type looked up once per run of a payload type
    auto topic = payload_topic(payload_field);
    if (!topic) return make_error(topic.err().code, "publish failed: " + topic.err().message);
    const auto* field = fleetledger::v1::Envelope::descriptor()->FindFieldByNumber(payload_field);
    payload_field_ = payload_field;
    payload_type_ = field->message_type()->name();
    payload_topic_ = *topic;
  }
  const std::string_view topic = payload_topic_;
  if (key.empty()) {
    return make_error(errc::invalid_argument,
                      std::string(payload_type_) + " key is empty; it is the record key on " + std::string(topic));
  }
  // Envelope fields 1-6 (envelope.proto), then the payload's tag and length.
  const auto occurred_at = occurred_at_given.value_or(std::chrono::system_clock::now());
  char id[36];
  if (occurred_at_given) write_new_event_id(id);
  else write_new_event_id(id, occurred_at);
  const std::string_view event_id(id, sizeof id);
  const auto since = occurred_at.time_since_epoch();
  const auto seconds = std::chrono::floor<std::chrono::seconds>(since);
  const auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(since - seconds).count();
  std::string timestamp;  // google.protobuf.Timestamp: seconds = 1, nanos = 2 (SSO: at most 17 bytes)
  if (seconds.count() != 0) {
    put_tag(timestamp, 1, 0);
    put_varint(timestamp, static_cast<std::uint64_t>(seconds.count()));
  }
  if (nanos != 0) {
    put_tag(timestamp, 2, 0);
    put_varint(timestamp, static_cast<std::uint64_t>(nanos));
  }
  head_.clear();
  put_string(head_, 1, event_id);
  put_tag(head_, 2, 2);  // occurred_at is a message: written even when empty
  put_varint(head_, timestamp.size());
  head_ += timestamp;
  put_string(head_, 3, metadata.producer);
  put_string(head_, 4, metadata.actor);
  put_string(head_, 5, metadata.correlation_id.empty() ? event_id : std::string_view(metadata.correlation_id));
  put_string(head_, 6, metadata.causation_id);
  put_tag(head_, payload_field, 2);
  put_varint(head_, payload.size());

  const std::size_t value_size = head_.size() + payload.size();
  char* const at = room_for(key.size() + event_id.size() + value_size);
  std::memcpy(at, key.data(), key.size());
  std::memcpy(at + key.size(), event_id.data(), event_id.size());
  char* const value = at + key.size() + event_id.size();
  std::memcpy(value, head_.data(), head_.size());
  std::memcpy(value + head_.size(), payload.data(), payload.size());
  records_.push_back({topic, std::string_view(at, key.size()), std::string_view(value, value_size), payload_type_,
                      std::string_view(at + key.size(), event_id.size())});
  return {};
}

}  // namespace fleetledger::events

#include "fleetledger/events/encoded_batch.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "fleetledger/events/codec.hpp"
#include "fleetledger/events/envelope.hpp"
#include "fleetledger/events/wire_writer.hpp"

namespace fleetledger::events {

void encoded_batch::reserve(std::size_t events) { records_.reserve(events); }

void encoded_batch::give_back(std::size_t bytes) noexcept { blocks_.back().used -= bytes; }

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

using wire::write_string;
using wire::write_tag;
using wire::write_varint;

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
  // Envelope fields 1-6 (envelope.proto), then the payload's tag and length, written in place after
  // the key with room for the longest head; what is not used is given back.
  // Not value_or(now()): that reads the clock even when the caller gave the time.
  const auto occurred_at = occurred_at_given ? *occurred_at_given : std::chrono::system_clock::now();
  const std::string_view correlation_id = metadata.correlation_id;  // empty: the event id
  constexpr std::size_t id_size = 36;
  const std::size_t head_bound = (2 + id_size) + (2 + 17) + (15 + metadata.producer.size()) +
                                 (15 + metadata.actor.size()) + (15 + std::max(id_size, correlation_id.size())) +
                                 (15 + metadata.causation_id.size()) + 15;
  const std::size_t bound = key.size() + head_bound + payload.size();
  char* const at = room_for(bound);
  std::memcpy(at, key.data(), key.size());
  char* const value = at + key.size();
  char* w = value;
  *w++ = 0x0a;  // field 1 (event_id), length-delimited: always 36 bytes
  *w++ = static_cast<char>(id_size);
  char* const id = w;
  write_new_event_id(std::span<char, id_size>(id, id_size), occurred_at);
  w += id_size;
  const std::string_view event_id(id, id_size);
  // occurred_at, a message, written even when empty: google.protobuf.Timestamp seconds = 1, nanos = 2
  // (at most 17 bytes, so its length is one byte).
  const auto since = occurred_at.time_since_epoch();
  const auto seconds = std::chrono::floor<std::chrono::seconds>(since);
  const auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(since - seconds).count();
  w = write_tag(w, 2, 2);
  char* const timestamp_size = w++;
  char* const timestamp = w;
  if (seconds.count() != 0) {
    w = write_tag(w, 1, 0);
    w = write_varint(w, static_cast<std::uint64_t>(seconds.count()));
  }
  if (nanos != 0) {
    w = write_tag(w, 2, 0);
    w = write_varint(w, static_cast<std::uint64_t>(nanos));
  }
  *timestamp_size = static_cast<char>(w - timestamp);
  w = write_string(w, 3, metadata.producer);
  w = write_string(w, 4, metadata.actor);
  w = write_string(w, 5, correlation_id.empty() ? event_id : correlation_id);
  w = write_string(w, 6, metadata.causation_id);
  w = write_tag(w, payload_field, 2);
  w = write_varint(w, payload.size());
  std::memcpy(w, payload.data(), payload.size());
  w += payload.size();
  const auto value_size = static_cast<std::size_t>(w - value);
  give_back(bound - key.size() - value_size);
  records_.push_back({topic, std::string_view(at, key.size()), std::string_view(value, value_size), payload_type_,
                      event_id});
  return {};
}

}  // namespace fleetledger::events

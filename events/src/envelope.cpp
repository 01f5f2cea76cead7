#include "fleetledger/events/envelope.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <random>
#include <unordered_map>

#include <google/protobuf/descriptor.h>

#include "fleetledger/events/timestamps.hpp"
#include "fleetledger/events/topic_catalogue.hpp"

namespace fleetledger::events {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::OneofDescriptor;

std::mt19937_64& thread_prng() {
  // Seed the full state (not one 32-bit word), so ids from different threads and processes never
  // share a sequence.
  thread_local std::mt19937_64 prng = [] {
    std::random_device rd;
    std::array<std::uint32_t, 16> seed{};
    for (auto& word : seed) word = rd();
    std::seed_seq seq(seed.begin(), seed.end());
    return std::mt19937_64(seq);
  }();
  return prng;
}

bool is_hex(char c) noexcept {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

const OneofDescriptor& payload_oneof() {
  static const OneofDescriptor* const oneof =
      fleetledger::v1::Envelope::descriptor()->FindOneofByName("payload");
  return *oneof;
}

// Route of one payload field: the topic and the string field holding the key.
struct route_entry {
  std::string_view topic;
  const FieldDescriptor* payload_field{nullptr};  // the oneof member
  const FieldDescriptor* key_field{nullptr};
};

// Built once from the descriptor, so a payload added to the oneof is routed by the file it is
// defined in; a payload in a file with no topic, or without its key field, has no entry and
// route() reports it (a unit test covers every payload).
const std::unordered_map<int, route_entry>& route_table() {
  static const auto table = [] {
    const std::unordered_map<std::string_view, std::string_view> topic_of_file{
        {"fleetledger/v1/cluster.proto", cluster_topic},
        {"fleetledger/v1/tenant.proto", tenant_topic},
        {"fleetledger/v1/edge.proto", edge_topic},
        {"fleetledger/v1/offering.proto", offering_topic},
    };
    std::unordered_map<int, route_entry> out;
    const OneofDescriptor& oneof = payload_oneof();
    for (int i = 0; i < oneof.field_count(); ++i) {
      const FieldDescriptor* field = oneof.field(i);
      const Descriptor* type = field->message_type();
      const auto file = topic_of_file.find(type->file()->name());
      if (file == topic_of_file.end()) continue;
      const auto spec = find_topic(file->second);
      if (!spec) continue;
      const FieldDescriptor* key = type->FindFieldByName(std::string(to_string(spec->key)));
      if (key == nullptr || key->is_repeated() || key->type() != FieldDescriptor::TYPE_STRING) continue;
      out.emplace(field->number(), route_entry{spec->name, field, key});
    }
    return out;
  }();
  return table;
}

// Writes a new version-7 UUID (RFC 9562) as 36 lower-case characters: 48 bits of Unix time in
// milliseconds, then 74 random bits. Ids that sort by creation time keep every dedup index
// append-mostly: a projector inserts each batch's ids next to the previous batch's instead of all
// over a large skip list, and finds most SSTs out of range when it looks a new id up.
void write_event_id(char* text, std::chrono::system_clock::time_point now = std::chrono::system_clock::now()) {
  auto& prng = thread_prng();
  // Before 1970 (an event dated so by its producer), the id's time is 0.
  const auto ms = static_cast<std::uint64_t>(std::max<std::int64_t>(
      0, std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count()));
  const std::uint64_t hi = (ms << 16) | 0x7000ULL | (prng() & 0x0fffULL);      // unix_ts_ms, version 7, rand_a
  const std::uint64_t lo = (prng() & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;  // variant 10xx, rand_b
  // 8-4-4-4-12: each word's 16 nibbles, high first, with the dashes at fixed places (unrolled: a
  // bulk import writes 100,000 ids).
  static constexpr char hex[] = "0123456789abcdef";
  const auto put = [&](char* at, std::uint64_t word) {
    for (int i = 0; i < 16; ++i) at[i] = hex[(word >> (60 - 4 * i)) & 0xf];
  };
  char digits[32];
  put(digits, hi);
  put(digits + 16, lo);
  std::memcpy(text, digits, 8);
  text[8] = '-';
  std::memcpy(text + 9, digits + 8, 4);
  text[13] = '-';
  std::memcpy(text + 14, digits + 12, 4);
  text[18] = '-';
  std::memcpy(text + 19, digits + 16, 4);
  text[23] = '-';
  std::memcpy(text + 24, digits + 20, 12);
}

}  // namespace

void write_new_event_id(std::span<char, 36> text) { write_event_id(text.data()); }

void write_new_event_id(std::span<char, 36> text, std::chrono::system_clock::time_point now) {
  write_event_id(text.data(), now);
}

event_id new_event_id() {
  std::string text(36, '-');
  write_event_id(text.data());
  return event_id{std::move(text)};
}

bool is_uuid(std::string_view text) noexcept {
  if (text.size() != 36) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const bool dash_position = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash_position ? text[i] != '-' : !is_hex(text[i])) return false;
  }
  return true;
}

fleetledger::v1::Envelope make_envelope(const event_metadata& metadata,
                                        std::chrono::system_clock::time_point occurred_at) {
  fleetledger::v1::Envelope env;
  fill_envelope(env, metadata, occurred_at);
  return env;
}

void fill_envelope(fleetledger::v1::Envelope& env, const event_metadata& metadata,
                   std::chrono::system_clock::time_point occurred_at) {
  std::string& id = *env.mutable_event_id();
  id.resize(36);
  write_event_id(id.data());
  *env.mutable_occurred_at() = to_timestamp(occurred_at);
  env.set_producer(metadata.producer);
  env.set_actor(metadata.actor);
  env.set_correlation_id(metadata.correlation_id.empty() ? id : metadata.correlation_id);
  env.set_causation_id(metadata.causation_id);
}

std::string_view payload_type_name(const fleetledger::v1::Envelope& env) noexcept {
  if (env.payload_case() == fleetledger::v1::Envelope::PAYLOAD_NOT_SET) return {};
  const FieldDescriptor* field =
      fleetledger::v1::Envelope::descriptor()->FindFieldByNumber(static_cast<int>(env.payload_case()));
  if (field == nullptr || field->message_type() == nullptr) return {};
  return field->message_type()->name();
}

result<routing> route(const fleetledger::v1::Envelope& env) {
  if (env.payload_case() == fleetledger::v1::Envelope::PAYLOAD_NOT_SET) {
    return make_error(errc::invalid_argument, "cannot route an envelope without a payload");
  }
  const auto& table = route_table();
  const auto entry = table.find(static_cast<int>(env.payload_case()));
  if (entry == table.end()) {
    return make_error(errc::invalid_argument, "payload " + std::string(payload_type_name(env)) +
                                                  " has no routing (no topic for its .proto file, "
                                                  "or no string key field)");
  }
  const auto& payload = env.GetReflection()->GetMessage(env, entry->second.payload_field);
  std::string key = payload.GetReflection()->GetString(payload, entry->second.key_field);
  if (key.empty()) {
    return make_error(errc::invalid_argument, std::string(payload_type_name(env)) + "." +
                                                  entry->second.key_field->name() +
                                                  " is empty; it is the record key on " +
                                                  std::string(entry->second.topic));
  }
  return routing{entry->second.topic, std::move(key)};
}

result<std::string_view> payload_topic(int payload_field_number) {
  const auto& table = route_table();
  const auto entry = table.find(payload_field_number);
  if (entry == table.end()) {
    return make_error(errc::invalid_argument, "payload field " + std::to_string(payload_field_number) +
                                                  " has no routing (not a payload, no topic for its .proto file, "
                                                  "or no string key field)");
  }
  return entry->second.topic;
}

}  // namespace fleetledger::events

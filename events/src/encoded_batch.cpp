#include "fleetledger/events/encoded_batch.hpp"

#include <algorithm>
#include <cstring>

#include "fleetledger/events/codec.hpp"
#include "fleetledger/events/envelope.hpp"

namespace fleetledger::events {

void encoded_batch::reserve(std::size_t events) { records_.reserve(events); }

char* encoded_batch::room_for(std::size_t bytes) {
  if (blocks_.empty() || blocks_.back().size - blocks_.back().used < bytes) {
    const std::size_t size = std::max(block_bytes, bytes);
    blocks_.push_back({std::make_unique_for_overwrite<char[]>(size), size, 0});
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

}  // namespace fleetledger::events

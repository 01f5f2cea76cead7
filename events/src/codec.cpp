#include "fleetledger/events/codec.hpp"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/unknown_field_set.h>

#include <cstdint>
#include <vector>

#include "fleetledger/events/envelope.hpp"
#include "fleetledger/events/timestamps.hpp"

namespace fleetledger::events {
namespace {

error decode_error(std::string message) { return make_error(errc::decode_failed, std::move(message)); }

// Hostile ids can be long or binary: quote a bounded, printable prefix.
std::string quoted(std::string_view text) {
  std::string out;
  for (const char c : text.substr(0, 64)) {
    out += (c >= 0x20 && c < 0x7f) ? c : '?';
  }
  if (text.size() > 64) out += "...";
  return out;
}

// Payload type names by field number of the Envelope's oneof (field numbers are small).
const std::vector<std::string_view>& payload_types_by_field() {
  static const std::vector<std::string_view> table = [] {
    std::vector<std::string_view> t;
    const auto* oneof = fleetledger::v1::Envelope::descriptor()->FindOneofByName("payload");
    for (int i = 0; oneof != nullptr && i < oneof->field_count(); ++i) {
      const auto* field = oneof->field(i);
      if (field->message_type() == nullptr) continue;
      const auto n = static_cast<std::size_t>(field->number());
      if (t.size() <= n) t.resize(n + 1);
      t[n] = field->message_type()->name();
    }
    return t;
  }();
  return table;
}

// Reads a base-128 varint; false when it runs off the end or over 10 bytes.
bool read_varint(std::string_view& in, std::uint64_t& out) noexcept {
  out = 0;
  for (int shift = 0; shift < 64 && !in.empty(); shift += 7) {
    const auto byte = static_cast<unsigned char>(in.front());
    in.remove_prefix(1);
    out |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) return true;
  }
  return false;
}

}  // namespace

payload_peek peek_payload(std::string_view in) noexcept {
  const auto& types = payload_types_by_field();
  payload_peek found;
  while (!in.empty()) {
    const char* const field_begin = in.data();
    std::uint64_t tag = 0;
    if (!read_varint(in, tag)) return {};
    const std::uint64_t field = tag >> 3;
    if (field == 0) return {};  // the parser refuses field number 0
    switch (tag & 7) {
      case 0: {  // varint
        std::uint64_t ignored = 0;
        if (!read_varint(in, ignored)) return {};
        break;
      }
      case 1:  // fixed64
        if (in.size() < 8) return {};
        in.remove_prefix(8);
        break;
      case 2: {  // length-delimited: a message, string or bytes
        std::uint64_t size = 0;
        if (!read_varint(in, size) || size > in.size()) return {};
        if (field < types.size() && !types[field].empty()) {
          // A payload written in pieces is merged by the parser: its bytes are then not one slice.
          found = found.type.empty()
                      ? payload_peek{types[field], in.substr(0, size),
                                     std::string_view(field_begin, static_cast<std::size_t>(in.data() - field_begin) + size)}
                      : payload_peek{types[field], {}, {}};
        }
        in.remove_prefix(size);
        break;
      }
      case 5:  // fixed32
        if (in.size() < 4) return {};
        in.remove_prefix(4);
        break;
      default: return {};  // groups (3, 4) are not used by proto3; anything else is malformed
    }
  }
  return found;
}

std::string encode(const fleetledger::v1::Envelope& env) {
  std::string out(encoded_size(env), '\0');
  encode_into(env, out);
  return out;
}

std::size_t encoded_size(const fleetledger::v1::Envelope& env) { return env.ByteSizeLong(); }

void encode_into(const fleetledger::v1::Envelope& env, std::span<char> out) {
  google::protobuf::io::ArrayOutputStream array(out.data(), static_cast<int>(out.size()));
  google::protobuf::io::CodedOutputStream stream(&array);
  stream.SetSerializationDeterministic(true);
  env.SerializeWithCachedSizes(&stream);
}

result<void> decode_into(std::string_view bytes, fleetledger::v1::Envelope& env) {
  if (bytes.size() > max_envelope_bytes) {
    return decode_error("envelope of " + std::to_string(bytes.size()) + " bytes exceeds the limit of " +
                        std::to_string(max_envelope_bytes) + " bytes");
  }
  // ParseFromArray clears env first and reuses its allocated sub-messages.
  if (!env.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return decode_error("not a fleetledger.v1.Envelope (protobuf parse failed at " +
                        std::to_string(bytes.size()) + " bytes)");
  }
  return check_decoded(env);
}

result<void> check_decoded(const fleetledger::v1::Envelope& env) {
  if (env.payload_case() == fleetledger::v1::Envelope::PAYLOAD_NOT_SET) {
    const auto& unknown = env.GetReflection()->GetUnknownFields(env);
    if (unknown.field_count() > 0) {
      // Most likely an event type added after this build: say so instead of a bare "no payload".
      return decode_error("envelope has no payload (it carries unknown field " +
                          std::to_string(unknown.field(0).number()) +
                          ", perhaps an event type newer than this build)");
    }
    return decode_error("envelope has no payload");
  }
  if (env.event_id().empty()) return decode_error("envelope event_id is empty");
  if (!is_uuid(env.event_id())) {
    return decode_error("envelope event_id '" + quoted(env.event_id()) + "' is not a UUID");
  }
  if (!env.has_occurred_at()) return decode_error("envelope occurred_at is missing");
  if (!is_representable(env.occurred_at())) {
    return decode_error("occurred_at out of range (seconds " + std::to_string(env.occurred_at().seconds()) +
                        ", nanos " + std::to_string(env.occurred_at().nanos()) + ")");
  }
  return {};
}

result<fleetledger::v1::Envelope> decode(std::string_view bytes) {
  fleetledger::v1::Envelope env;
  if (auto r = decode_into(bytes, env); !r) return r.err();
  return env;
}

}  // namespace fleetledger::events

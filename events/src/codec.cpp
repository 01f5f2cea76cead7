#include "fleetledger/events/codec.hpp"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/unknown_field_set.h>

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

}  // namespace

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

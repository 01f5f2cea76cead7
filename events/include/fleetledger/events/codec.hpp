#pragma once
// The record value of every event topic: a serialized fleetledger.v1.Envelope.
#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include "fleetledger/events/result.hpp"
#include "fleetledger/v1/envelope.pb.h"

namespace fleetledger::events {

// Larger values are refused before parsing, so hostile input cannot make decode() allocate much.
inline constexpr std::size_t max_envelope_bytes = 8 * 1024 * 1024;

// Deterministic serialization (map entries sorted), so equal envelopes give equal bytes.
[[nodiscard]] std::string encode(const fleetledger::v1::Envelope& env);
// encode() into caller memory, for bulk producers that write many events into one buffer:
// encoded_size() first (it also caches the sizes the write uses), then encode_into() with exactly
// that many bytes, before the envelope changes.
[[nodiscard]] std::size_t encoded_size(const fleetledger::v1::Envelope& env);
void encode_into(const fleetledger::v1::Envelope& env, std::span<char> out);

// Parses and checks what protobuf cannot (it accepts many random byte strings as unknown fields):
// a payload is set, event_id is a UUID, occurred_at is set and representable as a time_point.
// errc::decode_failed with a message naming the problem. Unknown fields are kept (newer producers).
[[nodiscard]] result<fleetledger::v1::Envelope> decode(std::string_view bytes);
// decode() into an existing message, reusing its allocations (hot consume loops). On error the
// message's content is unspecified.
[[nodiscard]] result<void> decode_into(std::string_view bytes, fleetledger::v1::Envelope& env);
// What decode() checks after protobuf has parsed the bytes.
[[nodiscard]] result<void> check_decoded(const fleetledger::v1::Envelope& env);

// What a full decode would find in the envelope's payload oneof, read off the wire format without
// parsing: the payload type's name ("ClusterHealthChecked") and the payload message's own bytes
// (for a view that keeps them verbatim). Like the parser, the last payload field wins; bytes are
// empty when the payload occurs more than once (the parser merges the pieces). Both are empty when
// the bytes carry no payload or are not well-formed protobuf (decode() then says why).
struct payload_peek {
  std::string_view type;
  std::string_view bytes;
  std::string_view field;  // bytes with the payload field's tag and length in front (when bytes is set)
};
[[nodiscard]] payload_peek peek_payload(std::string_view envelope_bytes) noexcept;

// decode_into() for a reader of edge summaries' numbers only: an EdgeSummaryReported's edges may come
// without their text (node_id, base_url and roles are checked as protobuf checks them, then left
// empty; the summary's own bytes are in peek.bytes), and its envelope without producer,
// correlation_id and causation_id (checked, left empty; event_id, occurred_at and actor are kept).
// A summary this cannot take apart exactly, e.g. with unknown fields, is decoded in full. The same
// records decode or fail, with the same message, as with decode_into(), which also handles every
// other payload (edge_summary_decode.cpp).
[[nodiscard]] result<void> decode_into_without_edge_text(std::string_view bytes, const payload_peek& peek,
                                                         fleetledger::v1::Envelope& env);

}  // namespace fleetledger::events

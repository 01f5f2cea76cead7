#pragma once
// Building envelopes (event id, time, metadata) and what a payload implies: its type name for the
// fl-type header and the topic and key it is published under (DESIGN.md sections 2 and 3).
#include <chrono>
#include <span>
#include <string>
#include <string_view>

#include "fleetledger/events/ids.hpp"
#include "fleetledger/events/result.hpp"
#include "fleetledger/v1/envelope.pb.h"

namespace fleetledger::events {

// Who produced an event and why; copied into the envelope. The {} initializers let callers name only
// the fields they set ({.producer = "fleetctl"}) without -Wmissing-field-initializers.
struct event_metadata {
  std::string producer{};        // service name, e.g. "fleetctl"
  std::string actor{};           // tenant or operator id that caused the event
  std::string correlation_id{};  // empty: the new event starts a correlation (its own event id)
  std::string causation_id{};    // event id of the event that caused this one, if any
};

// A new RFC 9562 version-7 UUID, lower-case text (36 chars): the current Unix time in milliseconds,
// then 74 random bits from a per-thread PRNG seeded by std::random_device. Ids sort by creation time.
[[nodiscard]] event_id new_event_id();

// new_event_id() written into caller memory (bulk producers that encode envelopes themselves).
void write_new_event_id(std::span<char, 36> text);
// The same with `now` as the id's time, for a caller that has just read the clock (occurred_at):
// one clock read per event instead of two.
void write_new_event_id(std::span<char, 36> text, std::chrono::system_clock::time_point now);

// Whether text is a UUID in 8-4-4-4-12 hex form (either case, any version).
[[nodiscard]] bool is_uuid(std::string_view text) noexcept;

// An envelope with a new event id, occurred_at and metadata set; the caller sets the payload
// (env.mutable_cluster_registered()->...).
[[nodiscard]] fleetledger::v1::Envelope make_envelope(
    const event_metadata& metadata,
    std::chrono::system_clock::time_point occurred_at = std::chrono::system_clock::now());

// make_envelope() into an existing envelope, for loops that build many: the header fields get a new
// event id, the time and the metadata, reusing the message's storage; the payload is left as it is.
void fill_envelope(fleetledger::v1::Envelope& env, const event_metadata& metadata,
                   std::chrono::system_clock::time_point occurred_at = std::chrono::system_clock::now());

// The payload's message name ("ClusterRegistered"), as in the fl-type header; empty when no payload
// is set. Points into the descriptor pool, so it outlives the envelope.
[[nodiscard]] std::string_view payload_type_name(const fleetledger::v1::Envelope& env) noexcept;

// Where a payload is published: its topic and record key (the aggregate id).
struct routing {
  std::string_view topic;  // one of the topic_catalogue() names
  std::string key;
};

// The topic follows the .proto file that defines the payload (cluster.proto -> fleet.cluster.v1, ...);
// the key is the payload field named by the topic's key kind (cluster_id, tenant_id, provider_id).
// errc::invalid_argument when there is no payload or the key field is empty.
[[nodiscard]] result<routing> route(const fleetledger::v1::Envelope& env);

// The topic of a payload by its field number in the envelope's oneof (route() without an envelope,
// for bulk producers that encode payloads themselves). errc::invalid_argument when it has no route.
[[nodiscard]] result<std::string_view> payload_topic(int payload_field_number);

}  // namespace fleetledger::events

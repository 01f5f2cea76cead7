// libFuzzer target for decode(): any input must give an error or an envelope that survives
// encode() + decode() unchanged; and peek_payload() (which lets projectors skip decoding) never
// names another payload type than decode() finds; decode_into_without_edge_text() accepts and
// refuses the same inputs, with the same numbers, event id, times and actor. Build with
// -DFLEETLEDGER_FUZZ=ON (clang); see docs/FUZZING.md.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <google/protobuf/stubs/logging.h>
#include <google/protobuf/util/field_comparator.h>
#include <google/protobuf/util/message_differencer.h>

#include "fleetledger/events/codec.hpp"
#include "fleetledger/events/envelope.hpp"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // protobuf logs each invalid UTF-8 string it rejects: noise at fuzzing speed.
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const auto peek = fleetledger::events::peek_payload(bytes);
  auto decoded = fleetledger::events::decode(bytes);
  if (decoded && !peek.type.empty() && peek.type != fleetledger::events::payload_type_name(*decoded)) std::abort();
  // The projectors' light decode of edge summaries accepts and refuses exactly what decode() does.
  fleetledger::v1::Envelope light;
  const auto light_result = fleetledger::events::decode_into_without_edge_text(bytes, peek, light);
  if (light_result.has_value() != decoded.has_value()) std::abort();
  if (!decoded && light_result.err().message != decoded.err().message) std::abort();
  if (decoded && light.has_edge_summary_reported()) {
    const auto& a = decoded->edge_summary_reported();
    const auto& b = light.edge_summary_reported();
    if (a.cluster_id() != b.cluster_id() || a.edges_size() != b.edges_size() ||
        a.reported_at().SerializeAsString() != b.reported_at().SerializeAsString() ||
        a.report_interval().SerializeAsString() != b.report_interval().SerializeAsString() ||
        a.has_report_interval() != b.has_report_interval() || decoded->event_id() != light.event_id() ||
        decoded->actor() != light.actor() ||
        decoded->occurred_at().SerializeAsString() != light.occurred_at().SerializeAsString()) {
      std::abort();
    }
    for (int i = 0; i < a.edges_size(); ++i) {
      const auto& x = a.edges(i);
      const auto& y = b.edges(i);
      if (x.bw_available_bytes_per_sec() != y.bw_available_bytes_per_sec() ||
          x.bw_limit_bytes_per_sec() != y.bw_limit_bytes_per_sec() || x.ram_used() != y.ram_used() ||
          x.ram_max() != y.ram_max() || x.viewers() != y.viewers() || x.streams() != y.streams() ||
          x.draining() != y.draining()) {
        std::abort();
      }
    }
  }
  if (!decoded) {
    if (decoded.err().code != fleetledger::events::errc::decode_failed || decoded.err().message.empty()) {
      std::abort();
    }
    return 0;
  }
  const std::string encoded = fleetledger::events::encode(*decoded);
  auto again = fleetledger::events::decode(encoded);
  // NaN is a valid double on the wire and never equal to itself: compare it as equal.
  google::protobuf::util::DefaultFieldComparator comparator;
  comparator.set_treat_nan_as_equal(true);
  google::protobuf::util::MessageDifferencer differencer;
  differencer.set_field_comparator(&comparator);
  if (!again || !differencer.Compare(*decoded, *again) || fleetledger::events::encode(*again) != encoded) {
    std::abort();
  }
  return 0;
}

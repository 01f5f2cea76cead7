// decode_into_without_edge_text(): an EdgeSummaryReported envelope parsed without copying the text
// its readers never use. Edge summaries are most of the log, and the views that fold them read
// numbers only (the edges view keeps the summary's wire bytes), while protobuf copies every edge's
// node id, URL and roles into strings (a third of the projector's decode thread), and the
// envelope's producer, correlation and causation ids, which no view reads, into three more.
//
// Exactness: this parser only ever answers for input protobuf parses the same way. It takes the
// envelope apart at the payload field peek_payload() found, reads the envelope's usual fields before
// it (anything after it goes to protobuf) and the summary's known fields with their declared wire
// types and varints within protobuf's limits, and checks the skipped strings' UTF-8 with protobuf's
// own check. Anything else (an unknown field, another wire type, a longer varint, a payload in
// pieces) goes to protobuf, so the same records decode, fail and carry the same numbers either way.
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/stubs/common.h>

#include <cstdint>
#include <cstring>

#include "fleetledger/events/codec.hpp"

namespace fleetledger::events {
namespace {

using fleetledger::v1::EdgeNode;
using fleetledger::v1::EdgeSummaryReported;

constexpr std::uint32_t envelope_summary_field = 60;  // Envelope.edge_summary_reported

// Protobuf reads a tag or a length from at most 5 bytes (non-minimal forms included) and a value
// from at most 10. Tags and lengths here stop at 5 bytes, values at 9 (below 2^63; a tenth byte has
// protobuf's own rules): where these accept, protobuf reads the same number.
constexpr int tag_bytes = 5;
constexpr int value_bytes = 9;

bool varint(std::string_view& in, std::uint64_t& out, int max_bytes = value_bytes) noexcept {
  out = 0;
  for (int i = 0; i < max_bytes && i < static_cast<int>(in.size()); ++i) {
    const auto byte = static_cast<unsigned char>(in[static_cast<std::size_t>(i)]);
    out |= static_cast<std::uint64_t>(byte & 0x7f) << (7 * i);
    if ((byte & 0x80) == 0) {
      in.remove_prefix(static_cast<std::size_t>(i) + 1);
      return true;
    }
  }
  return false;
}

bool tag(std::string_view& in, std::uint64_t& out) noexcept { return varint(in, out, tag_bytes); }

bool length_delimited(std::string_view& in, std::string_view& out) noexcept {
  std::uint64_t size = 0;
  if (!varint(in, size, tag_bytes) || size > in.size()) return false;
  out = in.substr(0, size);
  in.remove_prefix(size);
  return true;
}

bool fixed64(std::string_view& in, double& out) noexcept {
  if (in.size() < 8) return false;
  std::uint64_t bits = 0;
  for (int i = 7; i >= 0; --i) bits = bits << 8 | static_cast<unsigned char>(in[static_cast<std::size_t>(i)]);
  std::memcpy(&out, &bits, sizeof out);
  in.remove_prefix(8);
  return true;
}

bool utf8(std::string_view s) noexcept {
  return google::protobuf::internal::IsStructurallyValidUTF8(s.data(), static_cast<int>(s.size()));
}

template <typename Message>
bool merge_message(std::string_view bytes, Message& m) {
  google::protobuf::io::CodedInputStream in(reinterpret_cast<const std::uint8_t*>(bytes.data()),
                                            static_cast<int>(bytes.size()));
  return m.MergePartialFromCodedStream(&in) && in.ConsumedEntireMessage();
}

// A Timestamp or Duration (int64 seconds = 1, int32 nanos = 2) merged into m, as protobuf merges
// one: each field present replaces the value, nanos is the varint's low 32 bits. Setting up
// protobuf's parser for these two small messages cost as much as parsing the whole summary.
template <typename SecondsNanos>
bool merge_seconds_nanos(std::string_view in, SecondsNanos& m) noexcept {
  while (!in.empty()) {
    std::uint64_t t = 0;
    std::uint64_t v = 0;
    if (!tag(in, t) || !varint(in, v)) return false;
    if (t == ((1 << 3) | 0)) {
      m.set_seconds(static_cast<std::int64_t>(v));
    } else if (t == ((2 << 3) | 0)) {
      m.set_nanos(static_cast<std::int32_t>(static_cast<std::uint32_t>(v)));
    } else {
      return false;  // another field or wire type: protobuf's to decide
    }
  }
  return true;
}

// The envelope's fields before the summary (all of them, in the order protobuf writes them):
// event_id, occurred_at and actor are kept; producer, correlation_id and causation_id are checked
// and left empty. False for anything else.
bool parse_envelope_head(std::string_view in, fleetledger::v1::Envelope& env) {
  while (!in.empty()) {
    std::uint64_t t = 0;
    std::string_view bytes;
    if (!tag(in, t) || (t & 7) != 2 || !length_delimited(in, bytes)) return false;
    const auto field = t >> 3;
    if (field == 2) {
      if (!merge_seconds_nanos(bytes, *env.mutable_occurred_at())) return false;
    } else if (field == 1 || (field >= 3 && field <= 6)) {  // the strings
      if (!utf8(bytes)) return false;
      if (field == 1) env.set_event_id(bytes.data(), bytes.size());
      if (field == 4) env.set_actor(bytes.data(), bytes.size());
    } else {
      return false;
    }
  }
  return true;
}

// One EdgeNode's fields; false for anything protobuf should decide.
bool parse_node(std::string_view in, EdgeNode& node) noexcept {
  while (!in.empty()) {
    std::uint64_t t = 0;
    if (!tag(in, t)) return false;
    std::uint64_t v = 0;
    double d = 0;
    std::string_view text;
    switch (t) {
      case (1 << 3) | 2:   // node_id
      case (2 << 3) | 2:   // base_url
      case (12 << 3) | 2:  // roles (each)
        if (!length_delimited(in, text) || !utf8(text)) return false;
        break;
      case (3 << 3) | 1:
        if (!fixed64(in, d)) return false;
        node.set_geo_lat(d);
        break;
      case (4 << 3) | 1:
        if (!fixed64(in, d)) return false;
        node.set_geo_lon(d);
        break;
      case (5 << 3) | 0:
        if (!varint(in, v)) return false;
        node.set_bw_available_bytes_per_sec(v);
        break;
      case (6 << 3) | 0:
        if (!varint(in, v)) return false;
        node.set_bw_limit_bytes_per_sec(v);
        break;
      case (7 << 3) | 1:
        if (!fixed64(in, d)) return false;
        node.set_cpu_percent(d);
        break;
      case (8 << 3) | 0:
        if (!varint(in, v)) return false;
        node.set_ram_used(v);
        break;
      case (9 << 3) | 0:
        if (!varint(in, v)) return false;
        node.set_ram_max(v);
        break;
      case (10 << 3) | 0:
        if (!varint(in, v)) return false;
        node.set_viewers(static_cast<std::uint32_t>(v));  // as protobuf: the low 32 bits
        break;
      case (11 << 3) | 0:
        if (!varint(in, v)) return false;
        node.set_streams(static_cast<std::uint32_t>(v));
        break;
      case (13 << 3) | 0:
        if (!varint(in, v)) return false;
        node.set_draining(v != 0);
        break;
      default: return false;
    }
  }
  return true;
}

bool parse_summary(std::string_view in, EdgeSummaryReported& s) {
  while (!in.empty()) {
    std::uint64_t t = 0;
    std::string_view bytes;
    if (!tag(in, t) || !length_delimited(in, bytes)) return false;  // every field is a LEN one
    switch (t) {
      case (1 << 3) | 2:
        if (!utf8(bytes)) return false;
        s.set_cluster_id(std::string(bytes));
        break;
      case (2 << 3) | 2:
        if (!merge_seconds_nanos(bytes, *s.mutable_reported_at())) return false;
        break;
      case (3 << 3) | 2:
        if (!merge_seconds_nanos(bytes, *s.mutable_report_interval())) return false;
        break;
      case (4 << 3) | 2:
        if (!parse_node(bytes, *s.add_edges())) return false;
        break;
      default: return false;
    }
  }
  return true;
}

// The envelope with its edge summary parsed here; false when protobuf must do it all.
bool parse_light(std::string_view bytes, const payload_peek& peek, fleetledger::v1::Envelope& env) {
  // The payload field as peek_payload found it, its tag and length read again within protobuf's
  // limits (the peek reads any varint).
  std::string_view field = peek.field;
  std::uint64_t t = 0;
  std::string_view summary;
  if (!tag(field, t) || t != ((envelope_summary_field << 3) | 2) || !length_delimited(field, summary) ||
      summary.data() != peek.bytes.data() || summary.size() != peek.bytes.size()) {
    return false;
  }
  // The envelope's other fields: those before the summary read here when they are the usual ones,
  // else by protobuf, and any after it by protobuf (a parse of the two sides merges like one of the
  // whole, the split being at a field boundary). The summary field is set last, as the payload it is.
  const auto field_begin = static_cast<std::size_t>(peek.field.data() - bytes.data());
  const std::string_view head = bytes.substr(0, field_begin);
  const std::string_view tail = bytes.substr(field_begin + peek.field.size());
  env.Clear();
  if (!parse_envelope_head(head, env)) {
    env.Clear();
    if (!merge_message(head, env)) return false;
  }
  if (!tail.empty() && !merge_message(tail, env)) return false;
  return parse_summary(summary, *env.mutable_edge_summary_reported());
}

}  // namespace

result<void> decode_into_without_edge_text(std::string_view bytes, const payload_peek& peek,
                                           fleetledger::v1::Envelope& env) {
  if (bytes.size() <= max_envelope_bytes && peek.type == "EdgeSummaryReported" && !peek.bytes.empty() &&
      parse_light(bytes, peek, env)) {
    return check_decoded(env);
  }
  return decode_into(bytes, env);
}

}  // namespace fleetledger::events

// decode_into_without_edge_text(): an EdgeSummaryReported envelope parsed without copying each
// edge's text. Edge summaries are most of the log, and the views that fold them read numbers only
// (the edges view keeps the summary's wire bytes), while protobuf copies every edge's node id, URL
// and roles into strings (a third of the projector's decode thread).
//
// Exactness: this parser only ever answers for input protobuf parses the same way. It takes the
// envelope apart at the payload field (the rest is parsed by protobuf itself), reads the summary's
// known fields with their declared wire types, and checks the skipped strings' UTF-8 with protobuf's
// own check. Anything else (an unknown field, another wire type, a long varint, a payload in pieces)
// goes to decode_into(), so the same records decode, fail and carry the same numbers either way.
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

// A varint of at most 9 bytes (values below 2^63; longer ones go to protobuf, which has its own
// rules for a tenth byte).
bool varint(std::string_view& in, std::uint64_t& out) noexcept {
  out = 0;
  for (int i = 0; i < 9 && i < static_cast<int>(in.size()); ++i) {
    const auto byte = static_cast<unsigned char>(in[static_cast<std::size_t>(i)]);
    out |= static_cast<std::uint64_t>(byte & 0x7f) << (7 * i);
    if ((byte & 0x80) == 0) {
      in.remove_prefix(static_cast<std::size_t>(i) + 1);
      return true;
    }
  }
  return false;
}

bool length_delimited(std::string_view& in, std::string_view& out) noexcept {
  std::uint64_t size = 0;
  if (!varint(in, size) || size > in.size()) return false;
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

// One EdgeNode's fields; false for anything protobuf should decide.
bool parse_node(std::string_view in, EdgeNode& node) noexcept {
  while (!in.empty()) {
    std::uint64_t tag = 0;
    if (!varint(in, tag) || tag > 0xff) return false;
    std::uint64_t v = 0;
    double d = 0;
    std::string_view text;
    switch (tag) {
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
    std::uint64_t tag = 0;
    std::string_view bytes;
    if (!varint(in, tag) || !length_delimited(in, bytes)) return false;  // every field is a LEN one
    switch (tag) {
      case (1 << 3) | 2:
        if (!utf8(bytes)) return false;
        s.set_cluster_id(std::string(bytes));
        break;
      case (2 << 3) | 2:
        if (!merge_message(bytes, *s.mutable_reported_at())) return false;
        break;
      case (3 << 3) | 2:
        if (!merge_message(bytes, *s.mutable_report_interval())) return false;
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
bool parse_light(std::string_view bytes, std::string_view summary, fleetledger::v1::Envelope& env) {
  // Find the payload field: the one length-delimited field whose value is the peeked bytes.
  std::string_view rest = bytes;
  std::size_t field_begin = 0;
  std::size_t field_end = 0;
  while (!rest.empty()) {
    const std::size_t at = bytes.size() - rest.size();
    std::uint64_t tag = 0;
    if (!varint(rest, tag) || tag >> 3 == 0 || tag > 0xffffffffu) return false;
    std::uint64_t ignored = 0;
    std::string_view value;
    switch (tag & 7) {
      case 0:
        if (!varint(rest, ignored)) return false;
        break;
      case 1:
        if (rest.size() < 8) return false;
        rest.remove_prefix(8);
        break;
      case 2:
        if (!length_delimited(rest, value)) return false;
        if (value.data() == summary.data() && value.size() == summary.size()) {
          if (tag != ((envelope_summary_field << 3) | 2)) return false;
          field_begin = at;
          field_end = bytes.size() - rest.size();
        }
        break;
      case 5:
        if (rest.size() < 4) return false;
        rest.remove_prefix(4);
        break;
      default: return false;
    }
  }
  if (field_end == 0) return false;
  // Protobuf parses the envelope's other fields (a parse of the two sides merges like one of the
  // whole, the split being at a field boundary); the summary field is set last, as the payload it is.
  env.Clear();
  if (!merge_message(bytes.substr(0, field_begin), env) || !merge_message(bytes.substr(field_end), env)) return false;
  return parse_summary(summary, *env.mutable_edge_summary_reported());
}

}  // namespace

result<void> decode_into_without_edge_text(std::string_view bytes, const payload_peek& peek,
                                           fleetledger::v1::Envelope& env) {
  if (bytes.size() <= max_envelope_bytes && peek.type == "EdgeSummaryReported" && !peek.bytes.empty() &&
      parse_light(bytes, peek.bytes, env)) {
    return check_decoded(env);
  }
  return decode_into(bytes, env);
}

}  // namespace fleetledger::events

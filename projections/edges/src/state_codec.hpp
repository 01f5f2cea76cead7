#pragma once
// Shared by the apply and query code: time conversions and the fast peek at a stored value's header.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

namespace fleetledger::projections::edges::detail {

inline constexpr std::int64_t default_report_interval_ns = 15'000'000'000;  // DESIGN.md section 3
inline constexpr std::int64_t max_report_interval_s = 24 * 60 * 60;

[[nodiscard]] inline std::int64_t to_ns(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}
[[nodiscard]] inline std::chrono::system_clock::time_point from_ns(std::int64_t ns) {
  return std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(std::chrono::nanoseconds(ns)));
}

// Fields 1-3 of a serialized ClusterEdgeState.
struct state_header {
  std::uint64_t summary_revision{0};
  std::uint64_t facts_revision{0};
  bool deleted{false};
};

// Reads the leading varint fields 1-3 of a serialized ClusterEdgeState without touching the rest
// (protobuf's C++ serializer writes known fields in field-number order; zero values are omitted).
// nullopt when the bytes are not well-formed there.
[[nodiscard]] inline std::optional<state_header> peek_header(std::string_view value) {
  state_header h;
  std::size_t i = 0;
  while (i < value.size()) {
    const auto tag = static_cast<unsigned char>(value[i]);
    if (tag != 0x08 && tag != 0x10 && tag != 0x18) break;  // fields 1, 2, 3 with wire type varint
    ++i;
    std::uint64_t v = 0;
    bool done = false;
    for (unsigned shift = 0; i < value.size() && shift < 64; shift += 7) {
      const auto b = static_cast<unsigned char>(value[i++]);
      v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) { done = true; break; }
    }
    if (!done) return std::nullopt;
    if (tag == 0x08) h.summary_revision = v;
    else if (tag == 0x10) h.facts_revision = v;
    else h.deleted = v != 0;
  }
  return h;
}

}  // namespace fleetledger::projections::edges::detail

#pragma once
// Building RocksDB keys whose byte order is the order we want to scan in.
#include <cstdint>
#include <string>
#include <string_view>

namespace fleetledger::projections {

// Big-endian with the sign bit flipped: byte order == numeric order, negatives first.
inline void append_ordered_i64(std::string& out, std::int64_t v) {
  auto u = static_cast<std::uint64_t>(v) ^ (std::uint64_t{1} << 63);
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>((u >> shift) & 0xff));
}

[[nodiscard]] inline std::int64_t read_ordered_i64(std::string_view in) {
  std::uint64_t u = 0;
  for (std::size_t i = 0; i < 8 && i < in.size(); ++i) u = (u << 8) | static_cast<unsigned char>(in[i]);
  return static_cast<std::int64_t>(u ^ (std::uint64_t{1} << 63));
}

// Segment separator inside keys. Ids are validated to contain no control characters, so a key
// "c\x1f<cluster_id>\x1f..." splits unambiguously and "c\x1f" is a clean scan prefix.
inline constexpr char key_sep = '\x1f';

// join_key("c", id) == "c\x1f" + id
template <typename... Parts>
[[nodiscard]] std::string join_key(std::string_view first, const Parts&... rest) {
  std::string out(first);
  ((out += key_sep, out += std::string_view(rest)), ...);
  return out;
}

}  // namespace fleetledger::projections

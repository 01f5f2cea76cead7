#pragma once
// How an applied event id is remembered. Every fleetledger producer writes canonical lower-case
// UUIDs: those are kept as their 16 bytes (a fixed-size value with a cheap hash, and a 17-byte
// RocksDB key instead of 36). Any other id (another producer's convention) is kept verbatim, so
// two ids are the same exactly when their strings are.
#include <array>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace fleetledger::projections {

class dedup_id {
public:
  static constexpr std::size_t uuid_key_size = 17;

  [[nodiscard]] static dedup_id of(std::string_view event_id) {
    dedup_id id;
    id.uuid_ = parse_uuid(event_id, id.bytes_);
    if (!id.uuid_) id.other_.assign(event_id);
    return id;
  }

  // The dedup column family's key: 0x00 + 16 bytes for a UUID, 0x01 + the id otherwise.
  [[nodiscard]] std::string key() const {
    std::string k;
    append_key(k);
    return k;
  }
  void append_key(std::string& out) const {
    if (uuid_) {
      out.push_back('\0');
      out.append(reinterpret_cast<const char*>(bytes_.data()), bytes_.size());
    } else {
      out.push_back('\1');
      out.append(other_);
    }
  }

  [[nodiscard]] bool is_uuid() const noexcept { return uuid_; }
  // key() of a UUID into a fixed array (only for is_uuid()).
  void copy_uuid_key(std::array<char, uuid_key_size>& out) const noexcept {
    out[0] = '\0';
    std::memcpy(out.data() + 1, bytes_.data(), bytes_.size());
  }

  [[nodiscard]] std::size_t hash() const noexcept {
    if (!uuid_) return std::hash<std::string>{}(other_);
    std::uint64_t a = 0;
    std::uint64_t b = 0;
    std::memcpy(&a, bytes_.data(), 8);
    std::memcpy(&b, bytes_.data() + 8, 8);
    return static_cast<std::size_t>(a ^ (b * 0x9e3779b97f4a7c15ULL));  // v4 UUIDs are random already
  }
  friend bool operator==(const dedup_id& x, const dedup_id& y) noexcept {
    return x.uuid_ == y.uuid_ && (x.uuid_ ? x.bytes_ == y.bytes_ : x.other_ == y.other_);
  }

private:
  static int hex(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;  // upper case is not canonical: such an id is kept verbatim
  }
  // 8-4-4-4-12 lower-case hex digits.
  static bool parse_uuid(std::string_view s, std::array<unsigned char, 16>& out) noexcept {
    if (s.size() != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-') return false;
    std::size_t o = 0;
    for (std::size_t i = 0; i < 36;) {
      if (i == 8 || i == 13 || i == 18 || i == 23) {
        ++i;
        continue;
      }
      const int hi = hex(s[i]);
      const int lo = hex(s[i + 1]);
      if (hi < 0 || lo < 0) return false;
      out[o++] = static_cast<unsigned char>(hi << 4 | lo);
      i += 2;
    }
    return true;
  }

  bool uuid_{false};
  std::array<unsigned char, 16> bytes_{};
  std::string other_;
};

struct dedup_id_hash {
  std::size_t operator()(const dedup_id& id) const noexcept { return id.hash(); }
};

}  // namespace fleetledger::projections

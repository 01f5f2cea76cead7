#pragma once
// How an applied event id is remembered. Every fleetledger producer writes canonical lower-case
// UUIDs: those are kept as their 16 bytes (a fixed-size value with a cheap hash, and a 17-byte
// RocksDB key instead of 36). Any other id (another producer's convention) is kept verbatim, so
// two ids are the same exactly when their strings are.
#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

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
      std::array<char, uuid_key_size> k;
      uuid_key(bytes_, k);
      out.append(k.data(), k.size());
    } else {
      out += other_key(other_);
    }
  }
  static void uuid_key(const std::array<unsigned char, 16>& bytes, std::array<char, uuid_key_size>& out) noexcept {
    out[0] = '\0';
    std::memcpy(out.data() + 1, bytes.data(), bytes.size());
  }
  [[nodiscard]] static std::string other_key(std::string_view id) { return '\1' + std::string(id); }

  [[nodiscard]] bool is_uuid() const noexcept { return uuid_; }
  // The 16 bytes of a UUID id (only for is_uuid()), and the verbatim text of any other.
  [[nodiscard]] const std::array<unsigned char, 16>& uuid_bytes() const noexcept { return bytes_; }
  [[nodiscard]] const std::string& other() const noexcept { return other_; }
  [[nodiscard]] std::size_t hash() const noexcept {
    return uuid_ ? uuid_hash(bytes_) : std::hash<std::string>{}(other_);
  }
  // The low bits mix in the second half's random bits (v4 and v7 UUIDs alike).
  [[nodiscard]] static std::size_t uuid_hash(const std::array<unsigned char, 16>& bytes) noexcept {
    std::uint64_t a = 0;
    std::uint64_t b = 0;
    std::memcpy(&a, bytes.data(), 8);
    std::memcpy(&b, bytes.data() + 8, 8);
    return static_cast<std::size_t>(a ^ (b * 0x9e3779b97f4a7c15ULL));
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

// The ids of one batch. UUIDs (all of fleetledger's) sit inline in an open-addressing table: a
// lookup is one probe into a flat array, where a node-based set cost an allocation per id and a
// cache miss per lookup (3-5% of a projector's CPU: every event is looked up in three batches'
// sets). Any other id goes to a plain set beside it.
class dedup_id_set {
public:
  using uuid_bytes = std::array<unsigned char, 16>;

  // True when the id was not in the set.
  bool insert(const dedup_id& id) {
    return id.is_uuid() ? insert(id.uuid_bytes()) : insert_other(id.other());
  }
  // A UUID id by its bytes (as for_each_uuid gives them).
  bool insert(const uuid_bytes& bytes) {
    if ((size_ + 1) * 2 > slots_.size()) grow();
    const std::size_t at = probe(bytes, dedup_id::uuid_hash(bytes));
    if (used_[at] != 0) return false;
    used_[at] = 1;
    slots_[at] = bytes;
    ++size_;
    return true;
  }
  // Any other id by its text (as others() gives them).
  bool insert_other(const std::string& id) { return others_.insert(id).second; }
  // Empties the set and keeps its table (a set refilled to the same size allocates nothing).
  void clear() noexcept {
    std::fill(used_.begin(), used_.end(), static_cast<unsigned char>(0));
    size_ = 0;
    others_.clear();
  }
  [[nodiscard]] bool contains(const dedup_id& id) const {
    if (!id.is_uuid()) return others_.contains(id.other());
    return !slots_.empty() && used_[probe(id.uuid_bytes(), id.hash())] != 0;
  }
  [[nodiscard]] std::size_t size() const noexcept { return size_ + others_.size(); }
  [[nodiscard]] bool empty() const noexcept { return size() == 0; }

  // Calls fn(const uuid_bytes&) for each UUID id, in no particular order.
  template <typename Fn>
  void for_each_uuid(Fn&& fn) const {
    for (std::size_t i = 0; i < slots_.size(); ++i) {
      if (used_[i] != 0) fn(slots_[i]);
    }
  }
  [[nodiscard]] const std::unordered_set<std::string>& others() const noexcept { return others_; }

private:
  // The slot holding bytes, or the empty slot where they would go (the table is never full).
  [[nodiscard]] std::size_t probe(const uuid_bytes& bytes, std::size_t hash) const noexcept {
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t at = hash & mask;; at = (at + 1) & mask) {
      if (used_[at] == 0 || slots_[at] == bytes) return at;
    }
  }
  void grow() {
    std::vector<uuid_bytes> old_slots(slots_.empty() ? 1024 : slots_.size() * 2);
    std::vector<unsigned char> old_used(old_slots.size(), 0);
    old_slots.swap(slots_);
    old_used.swap(used_);
    for (std::size_t i = 0; i < old_slots.size(); ++i) {
      if (old_used[i] == 0) continue;
      const std::size_t at = probe(old_slots[i], dedup_id::uuid_hash(old_slots[i]));
      used_[at] = 1;
      slots_[at] = old_slots[i];
    }
  }

  std::vector<uuid_bytes> slots_;     // size a power of two, at most half full
  std::vector<unsigned char> used_;   // per slot (any 16 bytes are a valid UUID, so no sentinel)
  std::size_t size_{0};               // UUIDs held
  std::unordered_set<std::string> others_;
};

}  // namespace fleetledger::projections

#pragma once
// Writing the protobuf wire format by hand (encoding.md) for the encoders that skip message objects
// on hot paths: encoded_batch's envelope head and the offering import's fast check. Both are tested
// byte for byte against protobuf's own serialization.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace fleetledger::events::wire {

inline void put_varint(std::string& out, std::uint64_t v) {
  if (v < 0x80) {  // most tags and lengths
    out.push_back(static_cast<char>(v));
    return;
  }
  char bytes[10];  // a 64-bit varint has at most 10 bytes; one append instead of a push_back each
  std::size_t n = 0;
  while (v >= 0x80) {
    bytes[n++] = static_cast<char>(v | 0x80);
    v >>= 7;
  }
  bytes[n++] = static_cast<char>(v);
  out.append(bytes, n);
}

inline void put_tag(std::string& out, int number, int wire_type) {
  put_varint(out, (static_cast<std::uint64_t>(number) << 3) | static_cast<std::uint64_t>(wire_type));
}

// A length-delimited field (tag, length, bytes); proto3 leaves an empty string out.
inline void put_string(std::string& out, int number, std::string_view value) {
  if (value.empty()) return;
  put_tag(out, number, 2);
  put_varint(out, value.size());
  out.append(value);
}

// The same into caller memory with room for them (a varint takes at most 10 bytes, a tag at most
// 5): each returns the end of what it wrote.
inline char* write_varint(char* at, std::uint64_t v) {
  while (v >= 0x80) {
    *at++ = static_cast<char>(v | 0x80);
    v >>= 7;
  }
  *at++ = static_cast<char>(v);
  return at;
}

inline char* write_tag(char* at, int number, int wire_type) {
  return write_varint(at, (static_cast<std::uint64_t>(number) << 3) | static_cast<std::uint64_t>(wire_type));
}

inline char* write_string(char* at, int number, std::string_view value) {
  if (value.empty()) return at;
  at = write_tag(at, number, 2);
  at = write_varint(at, value.size());
  std::memcpy(at, value.data(), value.size());
  return at + value.size();
}

}  // namespace fleetledger::events::wire

#pragma once
// Value checks shared by every write-side command (fleetctl, the gateway, the offering import):
// numbers, booleans, enums by their unprefixed name in any case, URLs, identifiers, UTF-8.
// Each failing check returns errc::invalid_argument with a message that names the value.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <google/protobuf/descriptor.h>

#include "fleetledger/events/result.hpp"

namespace fleetledger::producers {

// Without leading and trailing ASCII blanks (space, tab, CR, LF). Inline: the offering import calls
// it several times per cell.
[[nodiscard]] inline std::string_view trim(std::string_view s) noexcept {
  const auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && blank(s.back())) s.remove_suffix(1);
  return s;
}

// A finite decimal number ("12", "-3.5", "1e3"); nullopt otherwise (also for "", "nan", "inf").
[[nodiscard]] std::optional<double> parse_double(std::string_view s) noexcept;
// A whole number in int64 range; nullopt otherwise.
[[nodiscard]] std::optional<std::int64_t> parse_integer(std::string_view s) noexcept;
// true/false, yes/no, 1/0, on/off (any case).
[[nodiscard]] std::optional<bool> parse_bool(std::string_view s) noexcept;
// A duration: "500ms", "30s", "5m", "2h", "7d", or a plain number of seconds; > 0.
[[nodiscard]] events::result<std::chrono::milliseconds> parse_duration(std::string_view s);
// Shortest text for a number ("90", "0.5").
[[nodiscard]] std::string format_number(double v);

[[nodiscard]] bool is_valid_utf8(std::string_view s) noexcept;

// An absolute http:// or https:// URL with a host.
[[nodiscard]] events::result<void> validate_url(std::string_view url);
// An identifier: 1..200 bytes of valid UTF-8 without control characters or blanks at either end.
[[nodiscard]] events::result<void> validate_id(std::string_view id);
// Free text (names, reasons, descriptions): valid UTF-8 without control characters other than
// tab/newline, at most max_bytes.
[[nodiscard]] events::result<void> validate_text(std::string_view text, std::size_t max_bytes = 4096);

// An enum value by its unprefixed name in any case, '-' accepted for '_' ("far-edge" ->
// CLUSTER_TYPE_FAR_EDGE). prefix is the value prefix ("CLUSTER_TYPE_"). The *_UNSPECIFIED value
// is refused. The error lists the accepted names.
[[nodiscard]] events::result<int> parse_enum(const google::protobuf::EnumDescriptor& type, std::string_view prefix,
                                             std::string_view text);
// The unprefixed names of an enum's values (without UNSPECIFIED), lower case, joined by ", ".
[[nodiscard]] std::string enum_choices(const google::protobuf::EnumDescriptor& type, std::string_view prefix);

}  // namespace fleetledger::producers

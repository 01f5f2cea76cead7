#pragma once
// Conversions between google.protobuf.Timestamp, std::chrono::system_clock and RFC 3339 text.
// Every time in an event is a Timestamp; code works with time_points; JSON and flags use RFC 3339.
#include <chrono>
#include <string>
#include <string_view>

#include <google/protobuf/timestamp.pb.h>

#include "fleetledger/events/result.hpp"

namespace fleetledger::events {

using time_point = std::chrono::system_clock::time_point;

// Exact to the clock's precision (nanoseconds with libstdc++, microseconds with libc++).
[[nodiscard]] google::protobuf::Timestamp to_timestamp(time_point t);

// Whether ts has nanos in [0, 1e9) and lies within what a time_point can hold (about 1677-2262 with
// nanosecond clocks); Timestamp itself allows years 1-9999.
[[nodiscard]] bool is_representable(const google::protobuf::Timestamp& ts) noexcept;

// errc::invalid_argument when !is_representable(ts). Sub-clock precision is floored.
[[nodiscard]] result<time_point> from_timestamp(const google::protobuf::Timestamp& ts);

// For ordering rules ("expired if occurred_at is past expires_at"): a Timestamp beyond the clock's
// range clamps to time_point::min()/max(), which keeps comparisons right; invalid nanos are clamped
// into [0, 1e9).
[[nodiscard]] time_point from_timestamp_saturating(const google::protobuf::Timestamp& ts) noexcept;

// RFC 3339 in UTC with a 'Z': "2026-11-23T21:43:27Z", "2026-11-23T21:43:27.123Z". The fraction has
// 0, 3, 6 or 9 digits, the fewest that are exact (the protobuf JSON mapping's rule).
[[nodiscard]] std::string format_rfc3339(time_point t);
[[nodiscard]] std::string format_rfc3339(const google::protobuf::Timestamp& ts);

// Strict RFC 3339 date-time: YYYY-MM-DDTHH:MM:SS[.fraction](Z|+hh:mm|-hh:mm). 'T' and 'Z' may be lower
// case (RFC 3339 5.6); 1-9 fraction digits; no leap second (:60); no surrounding whitespace.
// errc::invalid_argument naming what is wrong otherwise, or when the time is outside time_point's range.
[[nodiscard]] result<time_point> parse_rfc3339(std::string_view text);

}  // namespace fleetledger::events

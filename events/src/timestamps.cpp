#include "fleetledger/events/timestamps.hpp"

#include <array>
#include <cstdint>
#include <cstdio>
#include <limits>

namespace fleetledger::events {
namespace {

using std::chrono::duration_cast;
using std::chrono::nanoseconds;
using std::chrono::seconds;
using clock_duration = std::chrono::system_clock::duration;

constexpr std::int64_t nanos_per_second = 1'000'000'000;

// The whole seconds a time_point can hold; a Timestamp outside this cannot be converted exactly.
constexpr std::int64_t min_seconds =
    std::chrono::floor<seconds>(time_point::min()).time_since_epoch().count() + 1;
constexpr std::int64_t max_seconds =
    std::chrono::floor<seconds>(time_point::max()).time_since_epoch().count() - 1;

time_point from_parts(std::int64_t secs, std::int32_t nanos) {
  return time_point(duration_cast<clock_duration>(seconds(secs))) +
         std::chrono::floor<clock_duration>(nanoseconds(nanos));
}

// Parses exactly n decimal digits at text[pos]; false on any non-digit or when past the end.
bool digits(std::string_view text, std::size_t pos, std::size_t n, int& out) {
  if (pos + n > text.size()) return false;
  int v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    const char c = text[i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  out = v;
  return true;
}

error parse_error(std::string_view text, std::string_view why) {
  std::string msg = "invalid RFC 3339 time '";
  // Hostile input can be long: quote a bounded prefix.
  msg.append(text.substr(0, 64));
  if (text.size() > 64) msg += "...";
  msg += "': ";
  msg += why;
  return make_error(errc::invalid_argument, std::move(msg));
}

}  // namespace

google::protobuf::Timestamp to_timestamp(time_point t) {
  const auto since = t.time_since_epoch();
  const auto secs = std::chrono::floor<seconds>(since);
  google::protobuf::Timestamp ts;
  ts.set_seconds(secs.count());
  ts.set_nanos(static_cast<std::int32_t>(duration_cast<nanoseconds>(since - secs).count()));
  return ts;
}

bool is_representable(const google::protobuf::Timestamp& ts) noexcept {
  return ts.nanos() >= 0 && ts.nanos() < nanos_per_second && ts.seconds() >= min_seconds &&
         ts.seconds() <= max_seconds;
}

result<time_point> from_timestamp(const google::protobuf::Timestamp& ts) {
  if (ts.nanos() < 0 || ts.nanos() >= nanos_per_second) {
    return make_error(errc::invalid_argument,
                      "timestamp nanos " + std::to_string(ts.nanos()) + " is outside [0, 999999999]");
  }
  if (ts.seconds() < min_seconds || ts.seconds() > max_seconds) {
    return make_error(errc::invalid_argument, "timestamp seconds " + std::to_string(ts.seconds()) +
                                                  " is outside the representable range [" +
                                                  std::to_string(min_seconds) + ", " +
                                                  std::to_string(max_seconds) + "]");
  }
  return from_parts(ts.seconds(), ts.nanos());
}

time_point from_timestamp_saturating(const google::protobuf::Timestamp& ts) noexcept {
  if (ts.seconds() < min_seconds) return time_point::min();
  if (ts.seconds() > max_seconds) return time_point::max();
  std::int32_t nanos = ts.nanos();
  if (nanos < 0) nanos = 0;
  if (nanos >= nanos_per_second) nanos = static_cast<std::int32_t>(nanos_per_second - 1);
  return from_parts(ts.seconds(), nanos);
}

std::string format_rfc3339(time_point t) {
  using namespace std::chrono;
  const auto day = floor<days>(t);
  const year_month_day ymd{day};
  const hh_mm_ss<nanoseconds> hms{duration_cast<nanoseconds>(t - day)};
  std::array<char, 64> buf{};
  int n = std::snprintf(buf.data(), buf.size(), "%04d-%02u-%02uT%02d:%02d:%02d", static_cast<int>(ymd.year()),
                        static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                        static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                        static_cast<int>(hms.seconds().count()));
  std::string out(buf.data(), static_cast<std::size_t>(n));
  const auto frac = hms.subseconds().count();
  if (frac != 0) {
    if (frac % 1'000'000 == 0) {
      n = std::snprintf(buf.data(), buf.size(), ".%03lld", static_cast<long long>(frac / 1'000'000));
    } else if (frac % 1'000 == 0) {
      n = std::snprintf(buf.data(), buf.size(), ".%06lld", static_cast<long long>(frac / 1'000));
    } else {
      n = std::snprintf(buf.data(), buf.size(), ".%09lld", static_cast<long long>(frac));
    }
    out.append(buf.data(), static_cast<std::size_t>(n));
  }
  out += 'Z';
  return out;
}

std::string format_rfc3339(const google::protobuf::Timestamp& ts) {
  return format_rfc3339(from_timestamp_saturating(ts));
}

result<time_point> parse_rfc3339(std::string_view text) {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!digits(text, 0, 4, year) || text.size() < 5 || text[4] != '-' || !digits(text, 5, 2, month) ||
      text.size() < 8 || text[7] != '-' || !digits(text, 8, 2, day)) {
    return parse_error(text, "expected a date YYYY-MM-DD");
  }
  if (text.size() < 11 || (text[10] != 'T' && text[10] != 't')) {
    return parse_error(text, "expected 'T' between date and time");
  }
  if (!digits(text, 11, 2, hour) || text.size() < 14 || text[13] != ':' || !digits(text, 14, 2, minute) ||
      text.size() < 17 || text[16] != ':' || !digits(text, 17, 2, second)) {
    return parse_error(text, "expected a time hh:mm:ss");
  }
  const std::chrono::year_month_day ymd{std::chrono::year{year},
                                        std::chrono::month{static_cast<unsigned>(month)},
                                        std::chrono::day{static_cast<unsigned>(day)}};
  if (!ymd.ok()) return parse_error(text, "no such date");
  if (hour > 23) return parse_error(text, "hour out of range");
  if (minute > 59) return parse_error(text, "minute out of range");
  if (second > 59) return parse_error(text, "second out of range (leap seconds are not supported)");

  std::size_t pos = 19;
  std::int64_t nanos = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    std::size_t n = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (++n > 9) return parse_error(text, "more than 9 fractional digits");
      nanos = nanos * 10 + (text[pos] - '0');
      ++pos;
    }
    if (n == 0) return parse_error(text, "expected digits after '.'");
    for (std::size_t i = n; i < 9; ++i) nanos *= 10;
  }

  std::int64_t offset_seconds = 0;
  if (pos >= text.size()) return parse_error(text, "missing time zone ('Z' or +hh:mm)");
  if (text[pos] == 'Z' || text[pos] == 'z') {
    ++pos;
  } else if (text[pos] == '+' || text[pos] == '-') {
    int oh = 0, om = 0;
    if (!digits(text, pos + 1, 2, oh) || pos + 3 >= text.size() || text[pos + 3] != ':' ||
        !digits(text, pos + 4, 2, om)) {
      return parse_error(text, "expected a time zone offset +hh:mm or -hh:mm");
    }
    if (oh > 23 || om > 59) return parse_error(text, "time zone offset out of range");
    offset_seconds = (text[pos] == '+' ? 1 : -1) * (oh * 3600 + om * 60);
    pos += 6;
  } else {
    return parse_error(text, "expected 'Z' or a time zone offset +hh:mm");
  }
  if (pos != text.size()) return parse_error(text, "unexpected text after the time zone");

  const std::int64_t days_since_epoch = std::chrono::sys_days{ymd}.time_since_epoch().count();
  const std::int64_t secs =
      days_since_epoch * 86400 + hour * 3600 + minute * 60 + second - offset_seconds;
  if (secs < min_seconds || secs > max_seconds) {
    return parse_error(text, "outside the range a system_clock time_point can hold");
  }
  return from_parts(secs, static_cast<std::int32_t>(nanos));
}

}  // namespace fleetledger::events

#include "state.hpp"

#include <algorithm>
#include <cctype>

#include "fleetledger/events/timestamps.hpp"

namespace fleetledger::projections::marketplace::detail {

bool any_key(const state_reader& state, std::string_view prefix) {
  bool found = false;
  state.scan(prefix, [&](std::string_view, std::string_view) {
    found = true;
    return false;
  });
  return found;
}

std::int64_t to_ns(const google::protobuf::Timestamp& ts) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(to_time_point(ts).time_since_epoch()).count();
}

time_point to_time_point(const google::protobuf::Timestamp& ts) { return events::from_timestamp_saturating(ts); }

google::protobuf::Timestamp to_timestamp(time_point tp) { return events::to_timestamp(tp); }

std::string rfc3339(time_point tp) { return events::format_rfc3339(tp); }

std::string to_upper(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return out;
}

std::string to_lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](unsigned char x, unsigned char y) {
           return std::tolower(x) == std::tolower(y);
         });
}

}  // namespace fleetledger::projections::marketplace::detail

#pragma once
// Typed access to the view's state and time conversions shared by the apply and query code.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <google/protobuf/timestamp.pb.h>

#include "fleetledger/projections/view.hpp"

namespace fleetledger::projections::marketplace::detail {

using time_point = std::chrono::system_clock::time_point;

template <typename Message>
[[nodiscard]] std::optional<Message> load(const state_reader& state, std::string_view key) {
  auto raw = state.get(key);
  if (!raw) return std::nullopt;
  Message m;
  if (!m.ParseFromString(*raw)) return std::nullopt;  // our own records; never expected
  return m;
}

template <typename Message>
void store(state_txn& state, std::string_view key, const Message& m) {
  state.put(key, m.SerializeAsString());
}

// Ordering and conversions delegate to fleetledger/events/timestamps.hpp (saturating at the clock range).
// Has at least one key with this prefix.
[[nodiscard]] bool any_key(const state_reader& state, std::string_view prefix);

[[nodiscard]] std::int64_t to_ns(const google::protobuf::Timestamp& ts);
[[nodiscard]] time_point to_time_point(const google::protobuf::Timestamp& ts);
[[nodiscard]] google::protobuf::Timestamp to_timestamp(time_point tp);
// RFC 3339 UTC ("2024-05-01T12:00:00Z", fractional seconds only when present).
[[nodiscard]] std::string rfc3339(time_point tp);

// ASCII case folding for ids and filters given in any case.
[[nodiscard]] std::string to_upper(std::string_view s);
[[nodiscard]] std::string to_lower(std::string_view s);
[[nodiscard]] bool iequals(std::string_view a, std::string_view b);

}  // namespace fleetledger::projections::marketplace::detail

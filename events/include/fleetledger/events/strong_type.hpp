#pragma once
// A value wrapped in a distinct type, so a Kafka offset never mixes with a count and a tenant id
// never stands in for a cluster id (the idea of Redpanda's named_type).
#include <compare>
#include <functional>
#include <ostream>
#include <utility>

namespace fleetledger::events {

template <typename T, typename Tag>
class strong_type {
public:
  using value_type = T;

  constexpr strong_type() = default;
  constexpr explicit strong_type(T v) : value_(std::move(v)) {}

  [[nodiscard]] constexpr const T& value() const noexcept { return value_; }
  [[nodiscard]] constexpr T& value() noexcept { return value_; }

  friend constexpr auto operator<=>(const strong_type&, const strong_type&) = default;
  friend constexpr bool operator==(const strong_type&, const strong_type&) = default;
  friend std::ostream& operator<<(std::ostream& os, const strong_type& v) { return os << v.value_; }

private:
  T value_{};
};

}  // namespace fleetledger::events

template <typename T, typename Tag>
struct std::hash<fleetledger::events::strong_type<T, Tag>> {
  std::size_t operator()(const fleetledger::events::strong_type<T, Tag>& v) const noexcept {
    return std::hash<T>{}(v.value());
  }
};

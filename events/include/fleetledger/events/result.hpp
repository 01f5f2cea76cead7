#pragma once
// result<T>: a value or an error with a code and a message. Fallible calls inside fleetledger return
// one; [[nodiscard]] makes an ignored error a compiler warning (an error in the dev preset).
#include <cassert>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

namespace fleetledger::events {

enum class errc {
  invalid_argument,  // caller's input is wrong; retrying the same call will fail again
  decode_failed,     // bytes are not a valid record of the expected shape
  not_found,
  conflict,
  timed_out,
  unavailable,       // a dependency (broker, disk) is not reachable right now
  io_error,
  internal,
};

[[nodiscard]] constexpr const char* to_string(errc code) noexcept {
  switch (code) {
    case errc::invalid_argument: return "invalid_argument";
    case errc::decode_failed: return "decode_failed";
    case errc::not_found: return "not_found";
    case errc::conflict: return "conflict";
    case errc::timed_out: return "timed_out";
    case errc::unavailable: return "unavailable";
    case errc::io_error: return "io_error";
    case errc::internal: return "internal";
  }
  return "unknown";
}

struct error {
  errc code{errc::internal};
  std::string message;
};

template <typename T>
class [[nodiscard]] result {
public:
  result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT(implicit)
  result(error e) : v_(std::in_place_index<1>, std::move(e)) {}      // NOLINT(implicit)

  [[nodiscard]] bool has_value() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return has_value(); }

  [[nodiscard]] T& value() & { assert(has_value()); return std::get<0>(v_); }
  [[nodiscard]] const T& value() const& { assert(has_value()); return std::get<0>(v_); }
  [[nodiscard]] T&& value() && { assert(has_value()); return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  [[nodiscard]] const error& err() const& { assert(!has_value()); return std::get<1>(v_); }

private:
  std::variant<T, error> v_;
};

// result<void>: success or an error.
template <>
class [[nodiscard]] result<void> {
public:
  result() = default;
  result(error e) : err_(std::move(e)), ok_(false) {}  // NOLINT(implicit)

  [[nodiscard]] bool has_value() const noexcept { return ok_; }
  explicit operator bool() const noexcept { return ok_; }
  [[nodiscard]] const error& err() const& { assert(!ok_); return err_; }

private:
  error err_{};
  bool ok_{true};
};

[[nodiscard]] inline error make_error(errc code, std::string message) {
  return error{code, std::move(message)};
}

}  // namespace fleetledger::events

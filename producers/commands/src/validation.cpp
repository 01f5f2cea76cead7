#include "fleetledger/producers/commands/validation.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <string>

namespace fleetledger::producers {

using events::errc;
using events::make_error;

namespace {

// "-?digits(.digits)?" with at most 15 digits, the common form of a price or coordinate: the digits
// as an integer are exact in a double (below 2^53) and so is 10^k, so one IEEE division rounds
// correctly, the same double std::from_chars gives. nullopt for any other form.
std::optional<double> parse_plain_decimal(std::string_view s) noexcept {
  static constexpr double powers_of_ten[] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                             1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
  std::size_t i = 0;
  const bool negative = !s.empty() && s[0] == '-';
  if (negative) ++i;
  std::uint64_t digits = 0;
  int count = 0;
  int fraction = -1;  // digits after the point; -1: no point yet
  const std::size_t first = i;
  for (; i < s.size(); ++i) {
    const char c = s[i];
    if (c >= '0' && c <= '9') {
      digits = digits * 10 + static_cast<std::uint64_t>(c - '0');
      if (++count > 15) return std::nullopt;
      if (fraction >= 0) ++fraction;
    } else if (c == '.' && fraction < 0 && i > first) {
      fraction = 0;
    } else {
      return std::nullopt;
    }
  }
  if (count == 0 || fraction == 0) return std::nullopt;  // nothing, or "5."
  const double v = static_cast<double>(digits) / powers_of_ten[fraction < 0 ? 0 : fraction];
  return negative ? -v : v;
}

}  // namespace

std::optional<double> parse_double(std::string_view s) noexcept {
  s = trim(s);
  if (s.empty()) return std::nullopt;
  if (s.front() == '+') s.remove_prefix(1);
  if (const auto plain = parse_plain_decimal(s)) return plain;
  double v = 0;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

std::optional<std::int64_t> parse_integer(std::string_view s) noexcept {
  s = trim(s);
  if (s.empty()) return std::nullopt;
  if (s.front() == '+') s.remove_prefix(1);
  std::int64_t v = 0;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<bool> parse_bool(std::string_view s) noexcept {
  std::string t(trim(s));
  std::transform(t.begin(), t.end(), t.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (t == "true" || t == "yes" || t == "1" || t == "on" || t == "y") return true;
  if (t == "false" || t == "no" || t == "0" || t == "off" || t == "n") return false;
  return std::nullopt;
}

events::result<std::chrono::milliseconds> parse_duration(std::string_view s) {
  s = trim(s);
  std::int64_t unit_ms = 1000;
  std::string_view digits = s;
  if (s.ends_with("ms")) { unit_ms = 1; digits = s.substr(0, s.size() - 2); }
  else if (s.ends_with('s')) { unit_ms = 1000; digits = s.substr(0, s.size() - 1); }
  else if (s.ends_with('m')) { unit_ms = 60'000; digits = s.substr(0, s.size() - 1); }
  else if (s.ends_with('h')) { unit_ms = 3'600'000; digits = s.substr(0, s.size() - 1); }
  else if (s.ends_with('d')) { unit_ms = 86'400'000; digits = s.substr(0, s.size() - 1); }
  const auto n = parse_integer(digits);
  if (!n || *n <= 0 || *n > 100LL * 365 * 86'400'000 / unit_ms) {
    return make_error(errc::invalid_argument, "'" + std::string(s) + "' is not a duration (e.g. 500ms, 30s, 5m, 2h, 7d)");
  }
  return std::chrono::milliseconds(*n * unit_ms);
}

std::string format_number(double v) {
  char buf[64];
  const auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc() ? std::string(buf, p) : std::to_string(v);
}

bool is_valid_utf8(std::string_view s) noexcept {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  // Most cells are short and ASCII: one pass without branches per byte says so.
  unsigned char any = 0;
  for (const auto* q = p; q < end; ++q) any |= *q;
  if (any < 0x80) return true;
  while (p < end) {
    const unsigned char c = *p;
    if (c < 0x80) {
      ++p;
      continue;
    }
    int n = 0;
    std::uint32_t cp = 0;
    if ((c & 0xE0) == 0xC0) { n = 1; cp = c & 0x1F; }
    else if ((c & 0xF0) == 0xE0) { n = 2; cp = c & 0x0F; }
    else if ((c & 0xF8) == 0xF0) { n = 3; cp = c & 0x07; }
    else return false;
    if (end - p <= n) return false;
    for (int i = 1; i <= n; ++i) {
      if ((p[i] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (p[i] & 0x3F);
    }
    if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    p += n + 1;
  }
  return true;
}

events::result<void> validate_url(std::string_view url) {
  std::string_view rest;
  if (url.starts_with("http://")) rest = url.substr(7);
  else if (url.starts_with("https://")) rest = url.substr(8);
  else return make_error(errc::invalid_argument, "'" + std::string(url) + "' is not an http:// or https:// URL");
  const std::size_t host_end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, host_end);
  if (const auto at = authority.rfind('@'); at != std::string_view::npos) authority.remove_prefix(at + 1);
  std::string_view host = authority;
  if (host.starts_with('[')) {
    const auto close = host.find(']');
    if (close == std::string_view::npos) return make_error(errc::invalid_argument, "'" + std::string(url) + "' has a bad IPv6 host");
    const std::string_view after = host.substr(close + 1);
    if (!after.empty() && (after[0] != ':' || !parse_integer(after.substr(1)))) {
      return make_error(errc::invalid_argument, "'" + std::string(url) + "' has a bad port");
    }
    host = host.substr(1, close - 1);
  } else if (const auto colon = host.rfind(':'); colon != std::string_view::npos) {
    const auto port = parse_integer(host.substr(colon + 1));
    if (!port || *port < 1 || *port > 65535) {
      return make_error(errc::invalid_argument, "'" + std::string(url) + "' has a bad port");
    }
    host = host.substr(0, colon);
  }
  if (host.empty()) return make_error(errc::invalid_argument, "'" + std::string(url) + "' has no host");
  for (unsigned char c : url) {
    if (c <= 0x20 || c == 0x7F) {
      return make_error(errc::invalid_argument, "URL contains a blank or control character");
    }
  }
  return {};
}

events::result<void> validate_id(std::string_view id) {
  if (id.empty()) return make_error(errc::invalid_argument, "must not be empty");
  if (id.size() > 200) return make_error(errc::invalid_argument, "is longer than 200 bytes");
  if (!is_valid_utf8(id)) return make_error(errc::invalid_argument, "is not valid UTF-8");
  for (unsigned char c : id) {
    if (c < 0x20 || c == 0x7F) return make_error(errc::invalid_argument, "contains a control character");
  }
  if (trim(id).size() != id.size()) return make_error(errc::invalid_argument, "has leading or trailing blanks");
  return {};
}

events::result<void> validate_text(std::string_view text, std::size_t max_bytes) {
  if (text.size() > max_bytes) {
    return make_error(errc::invalid_argument, "is longer than " + std::to_string(max_bytes) + " bytes");
  }
  if (!is_valid_utf8(text)) return make_error(errc::invalid_argument, "is not valid UTF-8");
  for (unsigned char c : text) {
    if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7F) {
      return make_error(errc::invalid_argument, "contains a control character");
    }
  }
  return {};
}

std::string enum_choices(const google::protobuf::EnumDescriptor& type, std::string_view prefix) {
  std::string out;
  for (int i = 0; i < type.value_count(); ++i) {
    std::string name = type.value(i)->name();
    if (name.starts_with(prefix)) name.erase(0, prefix.size());
    if (name == "UNSPECIFIED") continue;
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out;
}

events::result<int> parse_enum(const google::protobuf::EnumDescriptor& type, std::string_view prefix,
                               std::string_view text) {
  std::string name(trim(text));
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) {
    return c == '-' ? '_' : static_cast<char>(std::toupper(c));
  });
  if (name.starts_with(prefix)) name.erase(0, prefix.size());
  const google::protobuf::EnumValueDescriptor* v =
      name.empty() || name == "UNSPECIFIED" ? nullptr : type.FindValueByName(std::string(prefix) + name);
  if (v == nullptr) {
    return make_error(errc::invalid_argument,
                      "'" + std::string(text) + "' is not one of: " + enum_choices(type, prefix));
  }
  return v->number();
}

}  // namespace fleetledger::producers

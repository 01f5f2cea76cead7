#include "fleetledger/reader/query_string.hpp"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>

namespace fleetledger::reader {

namespace fe = fleetledger::events;

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool has_control(std::string_view s) {
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) return true;
  }
  return false;
}

bool valid_topic(std::string_view t) {
  if (t.empty() || t.size() > 249) return false;
  for (const char c : t) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
          c == '-')) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::optional<std::string> percent_decode(std::string_view text, bool plus_as_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      const int hi = hex_value(text[i + 1]);
      const int lo = hex_value(text[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_as_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

fe::result<parsed_target> parse_target(std::string_view target) {
  if (target.empty() || target.front() != '/') {
    return fe::make_error(fe::errc::invalid_argument, "the request target must start with '/'");
  }
  parsed_target out;
  const auto q = target.find('?');
  std::string_view path = target.substr(0, q);
  std::string_view query = q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
  if (const auto hash = query.find('#'); hash != std::string_view::npos) query = query.substr(0, hash);

  path.remove_prefix(1);
  while (true) {
    const auto slash = path.find('/');
    auto segment = percent_decode(path.substr(0, slash), false);
    if (!segment) return fe::make_error(fe::errc::invalid_argument, "bad percent-encoding in the path");
    if (has_control(*segment)) return fe::make_error(fe::errc::invalid_argument, "control character in the path");
    out.segments.push_back(std::move(*segment));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }

  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    if (!pair.empty()) {
      const auto eq = pair.find('=');
      auto name = percent_decode(pair.substr(0, eq), true);
      auto value = percent_decode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1), true);
      if (!name || !value) {
        return fe::make_error(fe::errc::invalid_argument, "bad percent-encoding in the query string");
      }
      if (has_control(*name) || has_control(*value)) {
        return fe::make_error(fe::errc::invalid_argument, "control character in the query string");
      }
      out.query.emplace_back(std::move(*name), std::move(*value));
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return out;
}

const std::string* find_param(const query_params& query, std::string_view name) {
  for (const auto& [k, v] : query) {
    if (k == name) return &v;
  }
  return nullptr;
}

std::optional<std::int64_t> parse_int(std::string_view text) {
  if (text.empty() || text.size() > 20) return std::nullopt;
  std::int64_t v = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  return v;
}

std::optional<double> parse_double(std::string_view text) {
  if (text.empty() || text.size() > 64) return std::nullopt;
  for (const char c : text) {
    if (!((c >= '0' && c <= '9') || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E')) return std::nullopt;
  }
  const std::string copy(text);
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(copy.c_str(), &end);
  if (end != copy.c_str() + copy.size() || errno == ERANGE || !std::isfinite(v)) return std::nullopt;
  return v;
}

fe::result<fe::offset_vector> parse_offsets(std::string_view text) {
  fe::offset_vector out;
  if (text.empty()) return out;
  while (true) {
    const auto comma = text.find(',');
    const std::string_view item = text.substr(0, comma);
    const auto c2 = item.rfind(':');
    const auto c1 = c2 == std::string_view::npos || c2 == 0 ? std::string_view::npos : item.rfind(':', c2 - 1);
    if (c1 == std::string_view::npos) {
      return fe::make_error(fe::errc::invalid_argument,
                            "offsets must be topic:partition:offset[,...], got '" + std::string(item.substr(0, 100)) + "'");
    }
    const auto topic = item.substr(0, c1);
    const auto partition = parse_int(item.substr(c1 + 1, c2 - c1 - 1));
    const auto offset = parse_int(item.substr(c2 + 1));
    if (!valid_topic(topic) || !partition || *partition < 0 || *partition > INT32_MAX || !offset || *offset < 0) {
      return fe::make_error(fe::errc::invalid_argument,
                            "offsets must be topic:partition:offset[,...], got '" + std::string(item.substr(0, 100)) + "'");
    }
    out.push_back({{fe::topic_name(std::string(topic)), fe::partition_id(static_cast<std::int32_t>(*partition))},
                   fe::offset(*offset)});
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return out;
}

std::string format_offsets(const fe::offset_vector& offsets) {
  std::string out;
  out.reserve(offsets.size() * 24);
  for (const auto& o : offsets) {
    if (!out.empty()) out.push_back(',');
    out += o.where.topic.value();
    out.push_back(':');
    out += std::to_string(o.where.partition.value());
    out.push_back(':');
    out += std::to_string(o.next.value());
  }
  return out;
}

}  // namespace fleetledger::reader

#include "fleetledger/events/log.hpp"

#include <unistd.h>

#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

#include <google/protobuf/stubs/logging.h>

namespace fleetledger::events::log {
namespace {
std::mutex component_mutex;
std::string component_name = "fleetledger";
std::atomic<int> minimum{static_cast<int>(level::info)};

const char* level_name(level l) {
  switch (l) {
    case level::debug: return "debug";
    case level::info: return "info";
    case level::warn: return "warn";
    case level::error: return "error";
  }
  return "info";
}

void append_timestamp(std::string& out) {
  using namespace std::chrono;
  const auto now = system_clock::now();
  const auto secs = time_point_cast<seconds>(now);
  const auto millis = duration_cast<milliseconds>(now - secs).count();
  const std::time_t t = system_clock::to_time_t(secs);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];  // generous: the compiler cannot see that every field is in range
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(millis));
  out += buf;
}
}  // namespace

std::optional<level> parse_level(std::string_view name) {
  std::string lower(name);
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "debug") return level::debug;
  if (lower == "info") return level::info;
  if (lower == "warn" || lower == "warning") return level::warn;
  if (lower == "error") return level::error;
  return std::nullopt;
}

void init(std::string_view component, level min_level) {
  {
    std::lock_guard lock(component_mutex);
    component_name = std::string(component);
    minimum = static_cast<int>(min_level);
  }
  // Protobuf prints its own plain-text lines (e.g. on invalid UTF-8 in a record); keep stderr JSON.
  google::protobuf::SetLogHandler([](google::protobuf::LogLevel pl, const char* file, int line, const std::string& m) {
    const level l = pl >= google::protobuf::LOGLEVEL_ERROR ? level::warn : level::debug;
    write(l, "protobuf: " + m, {{"source", std::string(file) + ":" + std::to_string(line)}});
  });
}

void append_json_escaped(std::string& out, std::string_view s) {
  for (const char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(c)));
          out += buf;
        } else {
          out += c;
        }
    }
  }
}

void write(level lvl, std::string_view msg, std::initializer_list<field> fields) {
  if (static_cast<int>(lvl) < minimum.load(std::memory_order_relaxed)) return;
  std::string line;
  line.reserve(160);
  line += "{\"ts\":\"";
  append_timestamp(line);
  line += "\",\"level\":\"";
  line += level_name(lvl);
  line += "\",\"component\":\"";
  {
    std::lock_guard lock(component_mutex);
    append_json_escaped(line, component_name);
  }
  line += "\",\"msg\":\"";
  append_json_escaped(line, msg);
  line += '"';
  for (const auto& f : fields) {
    line += ",\"";
    append_json_escaped(line, f.key);
    line += "\":";
    if (f.bare) {
      line += f.value;
    } else {
      line += '"';
      append_json_escaped(line, f.value);
      line += '"';
    }
  }
  line += "}\n";
  // One write(2) per line keeps lines whole when several threads log at once.
  const char* p = line.data();
  std::size_t left = line.size();
  while (left > 0) {
    const ssize_t n = ::write(STDERR_FILENO, p, left);
    if (n <= 0) break;
    p += n;
    left -= static_cast<std::size_t>(n);
  }
}

}  // namespace fleetledger::events::log

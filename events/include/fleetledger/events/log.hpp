#pragma once
// JSON-lines logging on stderr: one object per line with ts, level, component, msg and fields.
// Thread-safe; each line is written with a single write(2) so lines from threads never interleave.
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace fleetledger::events::log {

enum class level { debug, info, warn, error };

// A field value is kept as text plus whether it is a JSON number/bool (written bare) or a string.
struct field {
  field(std::string_view k, std::string_view v) : key(k), value(v) {}
  field(std::string_view k, const char* v) : key(k), value(v) {}
  field(std::string_view k, const std::string& v) : key(k), value(v) {}
  field(std::string_view k, bool v) : key(k), value(v ? "true" : "false"), bare(true) {}
  template <typename N>
    requires std::is_arithmetic_v<N>
  field(std::string_view k, N v) : key(k), value(std::to_string(v)), bare(true) {}
  std::string_view key;
  std::string value;
  bool bare{false};
};

// "debug", "info", "warn" or "error" (any case); nullopt for anything else.
[[nodiscard]] std::optional<level> parse_level(std::string_view name);

// Sets the component name printed on every line (the binary's name) and the minimum level.
void init(std::string_view component, level min_level = level::info);
void write(level lvl, std::string_view msg, std::initializer_list<field> fields = {});

inline void debug(std::string_view m, std::initializer_list<field> f = {}) { write(level::debug, m, f); }
inline void info(std::string_view m, std::initializer_list<field> f = {}) { write(level::info, m, f); }
inline void warn(std::string_view m, std::initializer_list<field> f = {}) { write(level::warn, m, f); }
inline void error(std::string_view m, std::initializer_list<field> f = {}) { write(level::error, m, f); }

// Appends s to out as the body of a JSON string (quotes not included).
void append_json_escaped(std::string& out, std::string_view s);

}  // namespace fleetledger::events::log

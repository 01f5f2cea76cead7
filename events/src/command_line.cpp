#include "fleetledger/events/command_line.hpp"

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <iostream>

namespace fleetledger::events {

std::string_view version() noexcept { return FLEETLEDGER_VERSION; }

command_line::command_line(std::string program, std::string summary)
    : program_(std::move(program)), summary_(std::move(summary)) {}

command_line& command_line::option(std::string name, std::string env, std::string default_value,
                                   std::string help) {
  specs_.push_back({std::move(name), std::move(env), std::move(default_value), std::move(help), false});
  return *this;
}

command_line& command_line::toggle(std::string name, std::string env, std::string help) {
  specs_.push_back({std::move(name), std::move(env), "", std::move(help), true});
  return *this;
}

command_line& command_line::positionals(std::string usage) {
  accepts_positionals_ = true;
  positional_usage_ = std::move(usage);
  return *this;
}

command_line& command_line::epilog(std::string text) {
  epilog_ = std::move(text);
  return *this;
}

const command_line::spec* command_line::find(std::string_view name) const {
  for (const auto& s : specs_) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

result<command_line::outcome> command_line::parse(const std::vector<std::string>& args) {
  values_.clear();
  positional_.clear();
  // Environment first, so flags given on the command line override it.
  for (const auto& s : specs_) {
    if (s.env.empty()) continue;
    if (const char* v = std::getenv(s.env.c_str()); v != nullptr && *v != '\0') {
      if (s.is_toggle) {
        const std::string_view t(v);
        values_[s.name] = (t == "1" || t == "true" || t == "yes") ? "1" : "0";
      } else {
        values_[s.name] = v;
      }
    }
  }
  bool only_positionals = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (only_positionals || a.size() < 2 || a.rfind("--", 0) != 0) {
      if (!only_positionals && a.size() > 1 && a[0] == '-' && a != "-") {
        return make_error(errc::invalid_argument, "unknown flag '" + a + "' (see --help)");
      }
      if (!accepts_positionals_) {
        return make_error(errc::invalid_argument, "unexpected argument '" + a + "' (see --help)");
      }
      positional_.push_back(a);
      continue;
    }
    if (a == "--") {
      only_positionals = true;
      continue;
    }
    if (a == "--help" || a == "-h") {
      std::cout << help_text();
      return outcome::exit_ok;
    }
    if (a == "--version") {
      std::cout << program_ << ' ' << version() << '\n';
      return outcome::exit_ok;
    }
    std::string name = a.substr(2);
    std::optional<std::string> inline_value;
    if (const auto eq = name.find('='); eq != std::string::npos) {
      inline_value = name.substr(eq + 1);
      name.resize(eq);
    }
    const spec* s = find(name);
    if (s == nullptr) {
      return make_error(errc::invalid_argument, "unknown flag '--" + name + "' (see --help)");
    }
    if (s->is_toggle) {
      if (inline_value && *inline_value != "true" && *inline_value != "false" &&
          *inline_value != "1" && *inline_value != "0") {
        return make_error(errc::invalid_argument,
                          "flag '--" + name + "' takes no value or true/false, got '" + *inline_value + "'");
      }
      values_[name] = (!inline_value || *inline_value == "true" || *inline_value == "1") ? "1" : "0";
      continue;
    }
    if (!inline_value) {
      if (i + 1 >= args.size()) {
        return make_error(errc::invalid_argument, "flag '--" + name + "' needs a value");
      }
      inline_value = args[++i];
    }
    values_[name] = *inline_value;
  }
  return outcome::run;
}

void command_line::parse_or_exit(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  auto r = parse(args);
  if (!r) {
    std::fprintf(stderr, "%s: %s\n", program_.c_str(), r.err().message.c_str());
    std::exit(2);
  }
  if (*r == outcome::exit_ok) std::exit(0);
}

std::string command_line::get(std::string_view name) const {
  if (const auto it = values_.find(name); it != values_.end()) return it->second;
  if (const spec* s = find(name)) return s->default_value;
  return {};
}

bool command_line::is_set(std::string_view name) const { return values_.contains(name); }

bool command_line::enabled(std::string_view name) const { return get(name) == "1"; }

result<std::int64_t> command_line::get_int(std::string_view name, std::int64_t min,
                                           std::int64_t max) const {
  const std::string v = get(name);
  std::int64_t out = 0;
  const auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (v.empty() || ec != std::errc{} || ptr != v.data() + v.size()) {
    return make_error(errc::invalid_argument,
                      "flag '--" + std::string(name) + "' must be an integer, got '" + v + "'");
  }
  if (out < min || out > max) {
    return make_error(errc::invalid_argument, "flag '--" + std::string(name) + "' must be in [" +
                                                  std::to_string(min) + ", " + std::to_string(max) +
                                                  "], got " + v);
  }
  return out;
}

std::int64_t command_line::int_or_exit(std::string_view name, std::int64_t min, std::int64_t max) const {
  auto r = get_int(name, min, max);
  if (!r) {
    std::fprintf(stderr, "%s: %s\n", program_.c_str(), r.err().message.c_str());
    std::exit(2);
  }
  return *r;
}

log::level command_line::log_level_or_exit(std::string_view name) const {
  const std::string v = get(name);
  if (const auto l = log::parse_level(v)) return *l;
  std::fprintf(stderr, "%s: flag '--%s' must be debug, info, warn or error, got '%s'\n", program_.c_str(),
               std::string(name).c_str(), v.c_str());
  std::exit(2);
}

std::string command_line::help_text() const {
  std::string out = "Usage: " + program_ + " [flags]";
  if (accepts_positionals_) out += " " + positional_usage_;
  out += "\n\n" + summary_ + "\n\nFlags:\n";
  for (const auto& s : specs_) {
    out += "  --" + s.name + (s.is_toggle ? "" : " VALUE") + "\n      " + s.help;
    if (!s.env.empty()) out += " [env " + s.env + "]";
    if (!s.default_value.empty()) out += " (default: " + s.default_value + ")";
    out += "\n";
  }
  out += "  --help\n      Print this help and exit.\n  --version\n      Print the version and exit.\n";
  if (!epilog_.empty()) out += "\n" + epilog_ + "\n";
  return out;
}

}  // namespace fleetledger::events

#pragma once
// Flags for every fleetledger binary: --name VALUE or --name=VALUE, each with an environment-variable
// fallback and a documented default; --help and --version built in; a bad flag is a one-line error.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fleetledger/events/log.hpp"
#include "fleetledger/events/result.hpp"

namespace fleetledger::events {

class command_line {
public:
  command_line(std::string program, std::string summary);

  // A flag that takes a value. env may be empty; default_value empty means "unset" unless given.
  command_line& option(std::string name, std::string env, std::string default_value, std::string help);
  // A boolean switch (--name, or env set to 1/true/yes).
  command_line& toggle(std::string name, std::string env, std::string help);
  // Accept positional arguments (described in help as `usage`).
  command_line& positionals(std::string usage);
  // Extra text printed at the end of --help (examples).
  command_line& epilog(std::string text);

  enum class outcome { run, exit_ok };
  // Parses args (without argv[0]). --help/--version print to stdout and give exit_ok.
  [[nodiscard]] result<outcome> parse(const std::vector<std::string>& args);
  // For main(): parses argv; on --help/--version exits 0, on a bad flag prints
  // "<program>: <reason>" to stderr and exits 2.
  void parse_or_exit(int argc, char** argv);

  [[nodiscard]] std::string get(std::string_view name) const;
  [[nodiscard]] bool is_set(std::string_view name) const;  // given by flag or env (not default)
  [[nodiscard]] bool enabled(std::string_view name) const;  // for toggles
  [[nodiscard]] result<std::int64_t> get_int(std::string_view name, std::int64_t min,
                                             std::int64_t max) const;
  // get_int for main(): exits 2 with a one-line reason when the value is not an integer in range.
  [[nodiscard]] std::int64_t int_or_exit(std::string_view name, std::int64_t min, std::int64_t max) const;
  // A log level flag (debug, info, warn, error) for main(): exits 2 with a one-line reason otherwise.
  [[nodiscard]] log::level log_level_or_exit(std::string_view name) const;
  [[nodiscard]] const std::vector<std::string>& args() const { return positional_; }
  [[nodiscard]] std::string help_text() const;
  [[nodiscard]] const std::string& program() const { return program_; }

private:
  struct spec {
    std::string name, env, default_value, help;
    bool is_toggle{false};
  };
  const spec* find(std::string_view name) const;

  std::string program_, summary_, positional_usage_, epilog_;
  bool accepts_positionals_{false};
  std::vector<spec> specs_;
  std::map<std::string, std::string, std::less<>> values_;  // explicitly given (flag or env)
  std::vector<std::string> positional_;
};

// The project version, as printed by --version.
[[nodiscard]] std::string_view version() noexcept;

}  // namespace fleetledger::events

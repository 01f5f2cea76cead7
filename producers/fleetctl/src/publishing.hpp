#pragma once
// What every fleetctl subcommand shares: the global flags, publishing and printing positions, and
// the exit codes (0 ok, 1 publish/reader failure, 2 bad input or refused by a state check).
#include <chrono>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "fleetledger/events/command_line.hpp"
#include "fleetledger/events/envelope.hpp"
#include "fleetledger/events/ids.hpp"
#include "fleetledger/events/publisher.hpp"

namespace fleetledger::fleetctl {

inline constexpr int exit_ok = 0;
inline constexpr int exit_failed = 1;     // publish failed, broker or reader unavailable
inline constexpr int exit_bad_input = 2;  // bad flag/value, or refused by a state check (409-like)

// A one-line error and its exit code, thrown to main (process edge).
struct fatal {
  int code;
  std::string message;
};

// Adds --brokers, --actor, --correlation-id, --reader, --reader-token, --timeout.
void add_global_options(events::command_line& cl);

struct global_settings {
  std::string brokers;
  events::event_metadata metadata;
  std::string reader_url;  // empty: no state checks
  std::string reader_token;
  std::chrono::milliseconds timeout{std::chrono::seconds(30)};
};
[[nodiscard]] global_settings read_global_options(const events::command_line& cl);

// Creates the publisher (throws fatal on a bad config).
[[nodiscard]] events::publisher make_publisher(const global_settings& g);

// "topic:P:O+1" for positions (highest per partition), comma-separated.
[[nodiscard]] std::string min_offsets_of(const std::vector<events::record_position>& positions);
[[nodiscard]] std::string min_offsets_of(const events::bulk_outcome& outcome);
[[nodiscard]] boost::json::object position_json(const events::record_position& p);

// Reads a whole file, "-" = stdin (throws fatal with exit_bad_input).
[[nodiscard]] std::string read_input(const std::string& path, std::string_view what, std::size_t max_bytes);

}  // namespace fleetledger::fleetctl

#pragma once
// The write side's commands (DESIGN.md section 8), one per event family, as data: each command names
// its options (flag names without "--", e.g. "cluster-id"), and build_command() validates the given
// values and turns them into the envelope(s) to publish, plus the ids and tokens it generated.
// fleetctl maps flags onto the values; the HTTP gateway maps JSON bodies onto the same names, so both
// refuse the same input with the same reasons. Nothing here talks to Kafka.
//
// Values are text (as typed on a command line); toggles are "1" when set. Every failure is
// errc::invalid_argument with a message that starts with the option at fault ("--name: ...").
#include <string>
#include <string_view>
#include <utility>
#include <vector>
#include <map>

#include "fleetledger/events/envelope.hpp"
#include "fleetledger/events/result.hpp"
#include "fleetledger/v1/envelope.pb.h"

namespace fleetledger::producers {

struct option_spec {
  std::string name;               // flag name without "--"
  std::string help;
  bool required{false};
  bool is_toggle{false};
};

struct command_spec {
  std::string group;    // "cluster"
  std::string verb;     // "register"
  std::string summary;  // one line
  std::string example;  // a complete fleetctl command line
  std::vector<option_spec> options;
};

using command_values = std::map<std::string, std::string, std::less<>>;

// What a command publishes and what it tells the caller (generated ids, one-time tokens).
struct built_command {
  std::vector<fleetledger::v1::Envelope> events;
  std::vector<std::pair<std::string, std::string>> outputs;  // e.g. {"cluster_id", "..."}, {"token", "..."}
};

// Every command except offerings import/template and credentials (which read files and need keys).
[[nodiscard]] const std::vector<command_spec>& command_specs();
[[nodiscard]] const command_spec* find_command(std::string_view group, std::string_view verb);

// Validates values against the command and builds its events. metadata.actor is the envelope actor;
// commands acting for a tenant default their tenant to it; approve/reject default approved_by /
// rejected_by to it and refuse a different one (the owner approves, as the actor).
[[nodiscard]] events::result<built_command> build_command(const command_spec& spec, const command_values& values,
                                                          const events::event_metadata& metadata);

}  // namespace fleetledger::producers

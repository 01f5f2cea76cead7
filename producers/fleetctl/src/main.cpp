// fleetctl: one subcommand per write-side command (DESIGN.md section 8). Validates, optionally checks
// the state the reader shows, publishes, and prints ONE JSON line with the appended position.
#include <iostream>
#include <set>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "fleetledger/events/command_line.hpp"
#include "fleetledger/events/log.hpp"
#include "fleetledger/producers/commands/commands.hpp"
#include "fleetledger/producers/commands/state_checks.hpp"
#include "fleetledger/producers/commands/validation.hpp"
#include "publishing.hpp"
#include "subcommands.hpp"

namespace fl = fleetledger;
namespace pc = fleetledger::producers;
using fl::fleetctl::fatal;

namespace {

const std::vector<std::pair<std::string, std::string>>& extra_commands() {
  static const std::vector<std::pair<std::string, std::string>> c = {
      {"credentials put", "Store a cluster's credentials, sealed (ClusterCredentialsStored)"},
      {"credentials rotate", "Replace a cluster's credentials, sealed (ClusterCredentialsRotated)"},
      {"credentials delete", "Delete credentials and destroy the data key (ClusterCredentialsDeleted)"},
      {"offerings import", "Import offerings from a CSV file (OfferingPublished per row)"},
      {"offerings template", "Print the CSV header row for a product type"},
  };
  return c;
}

std::string usage() {
  std::string out =
      "fleetctl - publish fleetledger commands as events\n\n"
      "usage: fleetctl [global flags] <group> <verb> [flags]\n"
      "       fleetctl <group> <verb> --help   (flags and an example for one command)\n\n"
      "commands:\n";
  for (const auto& s : pc::command_specs()) {
    std::string name = s.group + " " + s.verb;
    out += "  " + name + std::string(name.size() < 26 ? 26 - name.size() : 1, ' ') + s.summary + "\n";
  }
  for (const auto& [name, summary] : extra_commands()) {
    out += "  " + name + std::string(name.size() < 26 ? 26 - name.size() : 1, ' ') + summary + "\n";
  }
  out +=
      "\nglobal flags (also accepted after the verb):\n"
      "  --brokers HOST:PORT    Kafka bootstrap servers [env FLEETLEDGER_BROKERS] (default 127.0.0.1:9092)\n"
      "  --actor ID             envelope actor: the tenant/operator acting [env FLEETLEDGER_ACTOR]\n"
      "  --correlation-id ID    envelope correlation id\n"
      "  --reader URL           reader base URL for state checks [env FLEETLEDGER_READER_URL]\n"
      "  --reader-token TOKEN   bearer token for the reader [env FLEETLEDGER_READER_TOKEN]\n"
      "  --timeout DURATION     broker/reader timeout (default 30s) [env FLEETLEDGER_TIMEOUT]\n"
      "  --help, --version\n\n"
      "output: one JSON line on stdout: {\"event_id\",\"type\",\"topic\",\"partition\",\"offset\",\"min_offsets\",...}\n"
      "exit codes: 0 published; 1 publish, broker or reader failure; 2 bad input or refused by a state check\n";
  return out;
}

bool is_global_value_flag(std::string_view name) {
  static const std::set<std::string_view> names = {"brokers", "actor", "correlation-id", "reader", "reader-token", "timeout"};
  return names.contains(name);
}

int run_spec(const pc::command_spec& spec, const std::vector<std::string>& args) {
  fl::events::command_line cl("fleetctl " + spec.group + " " + spec.verb, spec.summary);
  fl::fleetctl::add_global_options(cl);
  for (const auto& o : spec.options) {
    if (o.is_toggle) cl.toggle(o.name, "", o.help);
    else cl.option(o.name, "", "", o.help + (o.required ? " (required)" : ""));
  }
  cl.epilog("example:\n  " + spec.example + "\n");
  auto parsed = cl.parse(args);
  if (!parsed) throw fatal{fl::fleetctl::exit_bad_input, parsed.err().message};
  if (*parsed == fl::events::command_line::outcome::exit_ok) return fl::fleetctl::exit_ok;
  const auto g = fl::fleetctl::read_global_options(cl);

  pc::command_values values;
  for (const auto& o : spec.options) {
    if (o.is_toggle) {
      if (cl.enabled(o.name)) values[o.name] = "1";
    } else if (cl.is_set(o.name)) {
      values[o.name] = cl.get(o.name);
    }
  }
  if (spec.group == "subscription" && spec.verb == "request") {
    const bool from_file = values.contains("invite-token-file");
    const bool from_stdin = values.contains("invite-token-stdin");
    if (from_file && from_stdin) throw fatal{fl::fleetctl::exit_bad_input, "--invite-token-file: give either it or --invite-token-stdin"};
    if (from_file || from_stdin) {
      const std::string path = from_stdin ? std::string("-") : values["invite-token-file"];
      values["invite-token"] = fl::fleetctl::read_input(path, "--invite-token-file", 4096);
      if (pc::trim(values["invite-token"]).empty()) throw fatal{fl::fleetctl::exit_bad_input, "--invite-token-file: the invite token is empty"};
    }
  }
  auto built = pc::build_command(spec, values, g.metadata);
  if (!built) throw fatal{fl::fleetctl::exit_bad_input, built.err().message};

  if (!g.reader_url.empty()) {
    pc::reader_client reader(g.reader_url, g.reader_token, std::min<std::chrono::milliseconds>(g.timeout, std::chrono::seconds(10)));
    if (auto v = reader.validate(); !v) throw fatal{fl::fleetctl::exit_bad_input, "--reader: " + v.err().message};
    if (auto r = pc::check_state(spec, *built, reader); !r) {
      const bool unavailable = r.err().code == fl::events::errc::unavailable || r.err().code == fl::events::errc::timed_out;
      throw fatal{unavailable ? fl::fleetctl::exit_failed : fl::fleetctl::exit_bad_input,
                  (unavailable ? "reader: " : "refused: ") + r.err().message};
    }
  }

  auto publisher = fl::fleetctl::make_publisher(g);
  boost::json::object out;
  std::vector<fl::events::record_position> positions;
  for (const auto& env : built->events) {
    auto pos = publisher.publish(env);
    if (!pos) throw fatal{fl::fleetctl::exit_failed, "publish failed: " + pos.err().message};
    if (positions.empty()) {
      out["event_id"] = env.event_id();
      out["type"] = std::string(fl::events::payload_type_name(env));
      out["topic"] = pos->topic.value();
      out["partition"] = pos->partition.value();
      out["offset"] = pos->at.value();
    }
    positions.push_back(*pos);
  }
  out["min_offsets"] = fl::fleetctl::min_offsets_of(positions);
  for (const auto& [k, v] : built->outputs) out[k] = v;
  std::cout << boost::json::serialize(out) << std::endl;
  return fl::fleetctl::exit_ok;
}

}  // namespace

int main(int argc, char** argv) {
  fl::events::log::init("fleetctl", fl::events::log::level::error);
  std::vector<std::string> args(argv + 1, argv + argc);
  try {
    // Find "<group> <verb>", skipping global flags (and their values) given before them.
    std::vector<std::string> rest;
    std::string group, verb;
    for (std::size_t i = 0; i < args.size(); ++i) {
      const std::string& a = args[i];
      if (!verb.empty()) {
        rest.push_back(a);
        continue;
      }
      if (a.starts_with("--") && a.size() > 2) {
        if (group.empty() && (a == "--help")) {
          std::cout << usage();
          return fl::fleetctl::exit_ok;
        }
        if (group.empty() && a == "--version") {
          std::cout << "fleetctl " << fl::events::version() << "\n";
          return fl::fleetctl::exit_ok;
        }
        const std::string name = a.substr(2, a.find('=') == std::string::npos ? std::string::npos : a.find('=') - 2);
        if (!is_global_value_flag(name)) {
          if (!group.empty() && (a == "--help" || a == "-h")) break;
          throw fatal{fl::fleetctl::exit_bad_input, "unknown flag '" + a + "' before the command (see fleetctl --help)"};
        }
        rest.push_back(a);
        if (a.find('=') == std::string::npos && i + 1 < args.size()) rest.push_back(args[++i]);
        continue;
      }
      if (a == "-h") {
        std::cout << usage();
        return fl::fleetctl::exit_ok;
      }
      if (group.empty()) group = a;
      else verb = a;
    }
    if (group.empty()) {
      std::cerr << "fleetctl: missing command (see fleetctl --help)\n";
      return fl::fleetctl::exit_bad_input;
    }
    if (verb.empty()) {
      // "fleetctl cluster" or "fleetctl cluster --help": the group's verbs.
      std::string verbs;
      for (const auto& s : pc::command_specs()) {
        if (s.group == group) verbs += "  fleetctl " + s.group + " " + s.verb + "    " + s.summary + "\n";
      }
      for (const auto& [name, summary] : extra_commands()) {
        if (name.starts_with(group + " ")) verbs += "  fleetctl " + name + "    " + summary + "\n";
      }
      if (verbs.empty()) throw fatal{fl::fleetctl::exit_bad_input, "unknown command group '" + group + "' (see fleetctl --help)"};
      const bool help = std::find(args.begin(), args.end(), "--help") != args.end() || std::find(args.begin(), args.end(), "-h") != args.end();
      (help ? std::cout : std::cerr) << (help ? "" : "fleetctl: missing verb; one of:\n") << verbs;
      return help ? fl::fleetctl::exit_ok : fl::fleetctl::exit_bad_input;
    }
    if (group == "offerings") return fl::fleetctl::run_offerings(verb, rest);
    if (group == "credentials") return fl::fleetctl::run_credentials(verb, rest);
    const pc::command_spec* spec = pc::find_command(group, verb);
    if (spec == nullptr) throw fatal{fl::fleetctl::exit_bad_input, "unknown command '" + group + " " + verb + "' (see fleetctl --help)"};
    return run_spec(*spec, rest);
  } catch (const fatal& f) {
    std::cerr << "fleetctl: " << f.message << "\n";
    return f.code;
  }
}

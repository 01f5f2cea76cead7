#include "publishing.hpp"

#include <algorithm>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <sstream>

#include "fleetledger/producers/commands/publisher_settings.hpp"
#include "fleetledger/producers/commands/validation.hpp"

namespace fleetledger::fleetctl {

void add_global_options(events::command_line& cl) {
  cl.option("brokers", "FLEETLEDGER_BROKERS", "127.0.0.1:9092", "Kafka bootstrap servers host:port[,host:port]")
      .option("actor", "FLEETLEDGER_ACTOR", "", "tenant or operator id recorded as the envelope actor")
      .option("correlation-id", "", "", "correlation id for the envelope (default: the event id)")
      .option("reader", "FLEETLEDGER_READER_URL", "",
              "reader base URL (http://127.0.0.1:8080); when set, state errors it shows are refused before publishing")
      .option("reader-token", "FLEETLEDGER_READER_TOKEN", "", "bearer token for the reader, if it requires one")
      .option("timeout", "FLEETLEDGER_TIMEOUT", "30s", "how long to wait for the broker (and reader): 500ms, 30s, 2m");
}

global_settings read_global_options(const events::command_line& cl) {
  global_settings g;
  g.brokers = cl.get("brokers");
  if (g.brokers.empty()) throw fatal{exit_bad_input, "--brokers: must not be empty"};
  g.metadata.producer = "fleetctl";
  g.metadata.actor = cl.get("actor");
  g.metadata.correlation_id = cl.get("correlation-id");
  g.reader_url = cl.get("reader");
  g.reader_token = cl.get("reader-token");
  auto t = producers::parse_duration(cl.get("timeout"));
  if (!t) throw fatal{exit_bad_input, "--timeout: " + t.err().message};
  g.timeout = *t;
  return g;
}

events::publisher make_publisher(const global_settings& g) {
  const auto cfg = producers::command_line_publisher(g.brokers, g.timeout);
  auto p = events::publisher::create(cfg);
  if (!p) throw fatal{exit_bad_input, "cannot create the Kafka producer: " + p.err().message};
  return std::move(*p);
}

namespace {

// The next offset per (topic, partition), from views into the positions.
using next_offsets = std::map<std::pair<std::string_view, std::int32_t>, std::int64_t>;

std::string format_min_offsets(const next_offsets& next) {
  std::string out;
  for (const auto& [tp, n] : next) {
    if (!out.empty()) out.push_back(',');
    out.append(tp.first).append(":").append(std::to_string(tp.second)).append(":").append(std::to_string(n));
  }
  return out;
}

}  // namespace

std::string min_offsets_of(const std::vector<events::record_position>& positions) {
  next_offsets next;
  for (const auto& p : positions) {
    auto& n = next[{std::string_view(p.topic.value()), p.partition.value()}];
    n = std::max(n, p.at.value() + 1);
  }
  return format_min_offsets(next);
}

std::string min_offsets_of(const events::bulk_outcome& outcome) {
  // A bulk publish touches a few partitions 100,000 times: a short list searched from the front
  // (a map lookup per record took a millisecond), ordered at the end.
  struct entry {
    std::string_view topic;
    std::int32_t partition;
    std::int64_t next;
  };
  std::vector<entry> seen;
  for (const auto& a : outcome.acks) {
    if (!a) continue;
    const std::int32_t p = a->partition.value();
    auto it = std::find_if(seen.begin(), seen.end(), [&](const entry& e) { return e.partition == p && e.topic == a->topic; });
    if (it == seen.end()) it = seen.insert(seen.end(), entry{a->topic, p, 0});
    it->next = std::max(it->next, a->at.value() + 1);
  }
  next_offsets next;
  for (const auto& e : seen) next[{e.topic, e.partition}] = e.next;
  return format_min_offsets(next);
}

boost::json::object position_json(const events::record_position& p) {
  return {{"topic", p.topic.value()}, {"partition", p.partition.value()}, {"offset", p.at.value()}};
}

std::string read_input(const std::string& path, std::string_view what, std::size_t max_bytes) {
  std::string data;
  if (path == "-") {
    std::ostringstream ss;
    ss << std::cin.rdbuf();
    data = ss.str();
  } else {
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    if (!in) throw fatal{exit_bad_input, std::string(what) + ": cannot read '" + path + "'"};
    const auto size = static_cast<std::size_t>(in.tellg());
    if (size > max_bytes) throw fatal{exit_bad_input, std::string(what) + ": larger than " + std::to_string(max_bytes) + " bytes"};
    data.resize(size);
    in.seekg(0);
    if (!in.read(data.data(), static_cast<std::streamsize>(size))) {
      throw fatal{exit_bad_input, std::string(what) + ": cannot read '" + path + "'"};
    }
  }
  if (data.size() > max_bytes) {
    throw fatal{exit_bad_input, std::string(what) + ": larger than " + std::to_string(max_bytes) + " bytes"};
  }
  return data;
}

}  // namespace fleetledger::fleetctl

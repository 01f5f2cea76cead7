#include "fleetledger/broker/config.hpp"

#include <arpa/inet.h>

#include <charconv>

#include "fleetledger/events/topic_catalogue.hpp"

namespace fleetledger::broker {

using events::errc;
using events::make_error;

namespace {
constexpr std::int64_t max_partitions = 1024;
}  // namespace

void declare_flags(events::command_line& cmd) {
  cmd.option("port", "FLEETLEDGER_BROKER_PORT", "9092",
             "TCP port to listen on and advertise; 0 picks a free port (printed on stdout)")
      .option("listen", "FLEETLEDGER_BROKER_LISTEN", "127.0.0.1",
              "IPv4 address to listen on and advertise; must be loopback unless --allow-non-loopback")
      .toggle("allow-non-loopback", "FLEETLEDGER_BROKER_ALLOW_NON_LOOPBACK",
              "allow --listen on a non-loopback address (the dev broker has no authentication)")
      .option("partitions", "FLEETLEDGER_BROKER_PARTITIONS", "",
              "per-topic partition counts, e.g. fleet.cluster.v1=24,fleet.edge.v1=32")
      .option("partitions-all", "FLEETLEDGER_BROKER_PARTITIONS_ALL", "",
              "partition count for every topic (per-topic --partitions still wins)")
      .option("retention-check-ms", "FLEETLEDGER_BROKER_RETENTION_CHECK_MS", "2000",
              "how often the retention monitor checks partitions (ms); 0 disables it")
      .option("retention-warn-percent", "FLEETLEDGER_BROKER_RETENTION_WARN_PERCENT", "80",
              "warn when a partition's retained log passes this share of the mock's limits")
      .option("data-dir", "FLEETLEDGER_DATA_DIR", "",
              "keep history durable: archive every record under <data-dir>/broker/archive and restore it "
              "on start (empty: memory only)")
      .option("archive-sync", "FLEETLEDGER_BROKER_ARCHIVE_SYNC", "per-batch",
              "with --data-dir: per-batch fsyncs every archive batch, none leaves it to the OS")
      .epilog(
          "Prints one JSON line on stdout once the topics exist, e.g.\n"
          "  {\"bootstrap\":\"127.0.0.1:9092\",\"topics\":5}\n"
          "Logs are JSON lines on stderr. The mock keeps only the last 5 MiB (or 100,000 message sets)\n"
          "per partition and drops older records: see docs/DEV_BROKER.md.\n");
}

bool is_loopback(std::string_view ipv4) {
  if (ipv4 == "localhost") return true;
  in_addr a{};
  if (::inet_pton(AF_INET, std::string(ipv4).c_str(), &a) != 1) return false;
  return (ntohl(a.s_addr) >> 24) == 127;
}

events::result<void> apply_partition_overrides(std::vector<topic_partitions>& topics, std::string_view spec) {
  while (!spec.empty()) {
    const auto comma = spec.find(',');
    std::string_view item = spec.substr(0, comma);
    spec = comma == std::string_view::npos ? std::string_view{} : spec.substr(comma + 1);
    if (item.empty()) continue;
    const auto eq = item.find('=');
    if (eq == std::string_view::npos) {
      return make_error(errc::invalid_argument,
                        "--partitions wants topic=N[,topic=N...], got '" + std::string(item) + "'");
    }
    const std::string_view name = item.substr(0, eq);
    const std::string_view count = item.substr(eq + 1);
    std::int64_t n = 0;
    const auto [ptr, ec] = std::from_chars(count.data(), count.data() + count.size(), n);
    if (count.empty() || ec != std::errc{} || ptr != count.data() + count.size() || n < 1 ||
        n > max_partitions) {
      return make_error(errc::invalid_argument, "--partitions: count for '" + std::string(name) +
                                                    "' must be an integer in [1, 1024], got '" +
                                                    std::string(count) + "'");
    }
    bool found = false;
    for (auto& t : topics) {
      if (t.name == name) {
        t.partitions = static_cast<std::int32_t>(n);
        found = true;
      }
    }
    if (!found) {
      return make_error(
          errc::invalid_argument, "--partitions: unknown topic '" + std::string(name) +
                                      "' (the catalogue has " +
                                      [&] {
                                        std::string names;
                                        for (const auto& t : topics)
                                          names += (names.empty() ? "" : " ") + t.name;
                                        return names;
                                      }() +
                                      ")");
    }
  }
  return {};
}

events::result<broker_config> make_config(const events::command_line& cmd) {
  broker_config c;
  auto port = cmd.get_int("port", 0, 65535);
  if (!port) return port.err();
  c.port = static_cast<std::uint16_t>(*port);

  c.listen_address = cmd.get("listen");
  if (c.listen_address == "localhost") c.listen_address = "127.0.0.1";
  in_addr a{};
  if (::inet_pton(AF_INET, c.listen_address.c_str(), &a) != 1) {
    return make_error(
        errc::invalid_argument,
        "--listen wants an IPv4 address (the mock cluster is IPv4 only), got '" + c.listen_address + "'");
  }
  c.allow_non_loopback = cmd.enabled("allow-non-loopback");
  if (!is_loopback(c.listen_address) && !c.allow_non_loopback) {
    return make_error(errc::invalid_argument,
                      "refusing to listen on " + c.listen_address +
                          ": not a loopback address and the dev broker has no authentication "
                          "(pass --allow-non-loopback to expose it)");
  }

  for (const auto& t : events::topic_catalogue()) {
    c.topics.push_back({std::string(t.name), t.default_partitions});
  }
  if (cmd.is_set("partitions-all")) {
    auto all = cmd.get_int("partitions-all", 1, max_partitions);
    if (!all) return all.err();
    for (auto& t : c.topics) t.partitions = static_cast<std::int32_t>(*all);
  }
  if (auto r = apply_partition_overrides(c.topics, cmd.get("partitions")); !r) return r.err();

  auto interval = cmd.get_int("retention-check-ms", 0, 3'600'000);
  if (!interval) return interval.err();
  c.retention_check_interval = std::chrono::milliseconds(*interval);
  auto percent = cmd.get_int("retention-warn-percent", 1, 100);
  if (!percent) return percent.err();
  c.retention_warn_percent = static_cast<int>(*percent);
  c.data_dir = cmd.get("data-dir");
  c.archive_sync = cmd.get("archive-sync");
  if (c.archive_sync != "per-batch" && c.archive_sync != "none") {
    return make_error(errc::invalid_argument, "--archive-sync wants per-batch or none, got '" + c.archive_sync + "'");
  }
  return c;
}

}  // namespace fleetledger::broker

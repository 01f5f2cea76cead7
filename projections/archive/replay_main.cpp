// fleetledger-replay: prints events as JSON lines from Kafka or the archive, filtered by topic, type,
// key and time range; or rebuilds a projection as of a time or offsets into a directory
// (docs/HISTORY.md).
#include <google/protobuf/util/json_util.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <csignal>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "fleetledger/archive/archive_store.hpp"
#include "fleetledger/archive/archiver.hpp"
#include "fleetledger/events/codec.hpp"
#include "fleetledger/events/command_line.hpp"
#include "fleetledger/events/consumer.hpp"
#include "fleetledger/events/envelope.hpp"
#include "fleetledger/events/kafka_config.hpp"
#include "fleetledger/events/log.hpp"
#include "fleetledger/events/timestamps.hpp"
#include "fleetledger/events/topic_catalogue.hpp"
#include "fleetledger/projections/applier.hpp"
#include "fleetledger/projections/view_store.hpp"
#include "view_registry.hpp"

namespace archive = fleetledger::archive;
namespace events = fleetledger::events;
namespace fp = fleetledger::projections;
namespace log = fleetledger::events::log;
using namespace std::chrono_literals;

namespace {

constexpr const char* program = "fleetledger-replay";
std::atomic<bool> stop_requested{false};

[[noreturn]] void bad_flag(const std::string& reason) {
  std::fprintf(stderr, "%s: %s\n", program, reason.c_str());
  std::exit(2);
}

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::size_t at = 0;
  while (at <= text.size()) {
    const auto comma = text.find(',', at);
    std::string item = text.substr(at, comma == std::string::npos ? std::string::npos : comma - at);
    if (!item.empty()) out.push_back(item);
    if (comma == std::string::npos) break;
    at = comma + 1;
  }
  return out;
}

std::int64_t to_ms(events::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

// Progress on stderr, only when it is a terminal.
class progress_bar {
 public:
  explicit progress_bar(std::int64_t total) : total_(total), tty_(::isatty(2) == 1) {}
  void tick(std::int64_t done) {
    if (!tty_) return;
    const auto now = std::chrono::steady_clock::now();
    if (now - last_ < 200ms) return;
    last_ = now;
    draw(done);
  }
  void finish(std::int64_t done) {
    if (!tty_) return;
    draw(done);
    std::fputc('\n', stderr);
  }

 private:
  void draw(std::int64_t done) {
    const double f = total_ > 0 ? std::min(1.0, static_cast<double>(done) / static_cast<double>(total_)) : 1.0;
    const int width = 40;
    const int filled = static_cast<int>(f * width);
    std::fprintf(stderr, "\r[%s%s] %3d%% %lld/%lld", std::string(static_cast<std::size_t>(filled), '#').c_str(),
                 std::string(static_cast<std::size_t>(width - filled), ' ').c_str(), static_cast<int>(f * 100),
                 static_cast<long long>(done), static_cast<long long>(total_));
    std::fflush(stderr);
  }
  std::int64_t total_;
  bool tty_;
  std::chrono::steady_clock::time_point last_{};
};

// Where records come from: Kafka (scan to the high watermarks of the start) or the archive.
struct source {
  std::string brokers;
  std::filesystem::path archive_dir;  // empty: Kafka
  std::vector<std::string> topics;
  std::optional<std::int64_t> since_ms, until_ms;  // used by the archive's time index
};

using visitor = std::function<bool(const archive::archived_record&)>;

struct scan_counts {
  std::int64_t scanned{0};
};

events::result<scan_counts> scan_archive(const source& src, const visitor& visit) {
  const auto secondary = std::filesystem::temp_directory_path() /
                         ("fleetledger-replay-" + std::to_string(::getpid()));
  auto store_r = archive::archive_store::open_secondary(src.archive_dir, secondary);
  if (!store_r) return store_r.err();
  auto& store = *store_r.value();
  if (auto c = store.catch_up(); !c) return c.err();
  std::int64_t total = 0;
  if (auto offs = store.offsets(); offs) {
    for (const auto& [tp, next] : *offs) {
      for (const auto& t : src.topics)
        if (t == tp.first) total += next;
    }
  }
  progress_bar bar(total);
  scan_counts counts;
  auto each = [&](const archive::archived_record& r) {
    ++counts.scanned;
    bar.tick(counts.scanned);
    return !stop_requested.load() && visit(r);
  };
  events::result<void> r = (src.since_ms || src.until_ms)
                                ? store.scan_time(src.since_ms.value_or(INT64_MIN), src.until_ms.value_or(INT64_MAX),
                                                  src.topics, each)
                                : store.scan_all(src.topics, each);
  bar.finish(counts.scanned);
  std::error_code ec;
  std::filesystem::remove_all(secondary, ec);
  if (!r) return r.err();
  return counts;
}

// With --since: the first offset per partition whose timestamp is >= since (ListOffsets by time,
// rd_kafka_offsets_for_times). -1 means unknown: the mock broker always answers -1, and real Kafka
// answers -1 when no record is that recent; the caller then scans from the log start.
std::map<std::pair<std::string, std::int32_t>, std::int64_t> offsets_for_time(
    const events::consumer_config& cc, const std::vector<events::topic_partition>& parts, std::int64_t since_ms) {
  std::map<std::pair<std::string, std::int32_t>, std::int64_t> out;
  auto conf = events::make_conf(cc);
  if (!conf) return out;
  auto rk = events::make_client(RD_KAFKA_CONSUMER, std::move(conf.value()));
  if (!rk) return out;
  events::kafka_partition_list_ptr list(rd_kafka_topic_partition_list_new(static_cast<int>(parts.size())));
  for (const auto& tp : parts) {
    rd_kafka_topic_partition_list_add(list.get(), tp.topic.value().c_str(), tp.partition.value())->offset = since_ms;
  }
  if (rd_kafka_offsets_for_times(rk->get(), list.get(), 10000) != RD_KAFKA_RESP_ERR_NO_ERROR) return out;
  for (int i = 0; i < list->cnt; ++i) {
    const auto& e = list->elems[i];
    if (e.err == RD_KAFKA_RESP_ERR_NO_ERROR && e.offset >= 0) out[{e.topic, e.partition}] = e.offset;
  }
  return out;
}

events::result<scan_counts> scan_kafka(const source& src, const visitor& visit) {
  events::consumer_config cc;
  cc.client.brokers = src.brokers;
  cc.client.client_id = "fleetledger-replay";
  cc.name = "replay";
  auto consumer_r = events::consumer::create(cc);
  if (!consumer_r) return consumer_r.err();
  auto& consumer = consumer_r.value();
  std::vector<std::string_view> names(src.topics.begin(), src.topics.end());
  auto parts = consumer.list_partitions(names, 10s);
  if (!parts) return parts.err();
  // The mock broker has no offset lookup by time (ListOffsets by timestamp returns -1), so the
  // time range is applied while scanning: every partition is read to its end of the moment.
  std::map<std::pair<std::string, std::int32_t>, std::int64_t> end;
  events::offset_vector start;
  std::int64_t total = 0;
  const auto by_time = src.since_ms ? offsets_for_time(cc, parts.value(), *src.since_ms)
                                    : std::map<std::pair<std::string, std::int32_t>, std::int64_t>{};
  for (const auto& tp : parts.value()) {
    auto wm = consumer.query_watermarks(tp, 10s);
    if (!wm) return wm.err();
    std::int64_t from = wm->low.value();
    if (auto it = by_time.find({tp.topic.value(), tp.partition.value()}); it != by_time.end()) {
      from = std::max(from, it->second);
    }
    if (wm->high.value() <= from) continue;
    end[{tp.topic.value(), tp.partition.value()}] = wm->high.value();
    total += wm->high.value() - from;
    start.push_back({tp, events::offset(from)});
  }
  scan_counts counts;
  if (start.empty()) return counts;
  if (auto a = consumer.assign(start); !a) return a.err();
  progress_bar bar(total);
  events::poll_batch batch;
  std::size_t remaining = end.size();
  auto last_record = std::chrono::steady_clock::now();
  while (remaining > 0 && !stop_requested.load()) {
    batch.clear();
    auto polled = consumer.poll(200ms, batch, 10'000);
    if (!polled) log::warn("poll failed", {{"error", polled.err().message}});
    const auto now = std::chrono::steady_clock::now();
    if (batch.records.empty() && now - last_record > 60s) {
      return events::make_error(events::errc::unavailable, "no records for 60 s before the end of the log");
    }
    for (const auto& rec : batch.records) {
      last_record = now;
      auto it = end.find({std::string(rec.topic()), rec.partition().value()});
      if (it == end.end() || rec.offset().value() >= it->second) continue;
      ++counts.scanned;
      if (!visit(archive::to_archived(rec))) return counts;
      if (rec.offset().value() + 1 == it->second) --remaining;
    }
    bar.tick(counts.scanned);
  }
  bar.finish(counts.scanned);
  return counts;
}

events::result<scan_counts> scan(const source& src, const visitor& visit) {
  return src.archive_dir.empty() ? scan_kafka(src, visit) : scan_archive(src, visit);
}

std::string type_of(const archive::archived_record& r, const fleetledger::v1::Envelope* env) {
  for (const auto& h : r.headers)
    if (h.name == events::header_type && h.value) return *h.value;
  if (env != nullptr) return std::string(events::payload_type_name(*env));
  return "";
}

void append_json_string(std::string& out, std::string_view s) {
  out.push_back('"');
  events::log::append_json_escaped(out, s);
  out.push_back('"');
}

int print_events(const source& src, const std::set<std::string>& types, const std::optional<std::string>& key) {
  google::protobuf::util::JsonPrintOptions jo;
  jo.preserve_proto_field_names = true;
  std::int64_t matched = 0;
  std::string line;
  auto r = scan(src, [&](const archive::archived_record& rec) {
    if (src.since_ms && rec.timestamp_ms < *src.since_ms) return true;
    if (src.until_ms && rec.timestamp_ms > *src.until_ms) return true;
    if (key && (!rec.key || *rec.key != *key)) return true;
    std::optional<fleetledger::v1::Envelope> env;
    std::string decode_error;
    if (rec.value && rec.topic != events::deadletter_topic) {
      auto d = events::decode(*rec.value);
      if (d) env = std::move(d.value());
      else decode_error = d.err().message;
    }
    const std::string type = type_of(rec, env ? &*env : nullptr);
    if (!types.empty() && types.count(type) == 0) return true;
    line.clear();
    line += "{\"topic\":";
    append_json_string(line, rec.topic);
    line += ",\"partition\":" + std::to_string(rec.partition) + ",\"offset\":" + std::to_string(rec.offset);
    line += ",\"timestamp\":";
    append_json_string(line, events::format_rfc3339(events::time_point(std::chrono::milliseconds(rec.timestamp_ms))));
    line += ",\"key\":";
    if (rec.key) append_json_string(line, *rec.key);
    else line += "null";
    line += ",\"type\":";
    append_json_string(line, type);
    line += ",\"event\":";
    std::string json;
    if (env && google::protobuf::util::MessageToJsonString(*env, &json, jo).ok()) {
      line += json;
    } else {
      line += "null";
      if (!decode_error.empty()) {
        line += ",\"error\":";
        append_json_string(line, decode_error);
      }
    }
    if (rec.topic == events::deadletter_topic) {
      line += ",\"headers\":{";
      bool first = true;
      for (const auto& h : rec.headers) {
        if (!first) line += ",";
        first = false;
        append_json_string(line, h.name);
        line += ":";
        if (h.value) append_json_string(line, *h.value);
        else line += "null";
      }
      line += "}";
    }
    line += "}\n";
    std::fwrite(line.data(), 1, line.size(), stdout);
    ++matched;
    return true;
  });
  std::fflush(stdout);
  if (!r) {
    std::fprintf(stderr, "%s: %s\n", program, r.err().message.c_str());
    return 1;
  }
  std::fprintf(stderr, "%s: %lld events printed, %lld records scanned\n", program, static_cast<long long>(matched),
               static_cast<long long>(r->scanned));
  return 0;
}

// "topic:partition:next,..." (the min_offsets / digest convention: next offset, exclusive).
std::optional<std::map<std::pair<std::string, std::int32_t>, std::int64_t>> parse_offsets(const std::string& text) {
  std::map<std::pair<std::string, std::int32_t>, std::int64_t> out;
  for (const auto& item : split_list(text)) {
    const auto c2 = item.rfind(':');
    if (c2 == std::string::npos || c2 == 0) return std::nullopt;
    const auto c1 = item.rfind(':', c2 - 1);
    if (c1 == std::string::npos) return std::nullopt;
    try {
      std::size_t used = 0;
      const std::string p = item.substr(c1 + 1, c2 - c1 - 1), o = item.substr(c2 + 1);
      const int partition = std::stoi(p, &used);
      if (used != p.size()) return std::nullopt;
      const long long next = std::stoll(o, &used);
      if (used != o.size() || partition < 0 || next < 0) return std::nullopt;
      out[{item.substr(0, c1), partition}] = next;
    } catch (const std::exception&) {
      return std::nullopt;
    }
  }
  if (out.empty()) return std::nullopt;
  return out;
}

int rebuild_as_of(source src, const std::string& as_of, const std::string& view_name, const std::filesystem::path& out) {
  auto v = fp::make_view(view_name);
  if (!v) bad_flag("--view must be one of " + fp::view_names() + ", got '" + view_name + "'");
  std::optional<std::int64_t> until_ms;
  std::optional<std::map<std::pair<std::string, std::int32_t>, std::int64_t>> limits;
  if (auto t = events::parse_rfc3339(as_of); t) {
    until_ms = to_ms(*t);
  } else {
    limits = parse_offsets(as_of);
    if (!limits) bad_flag("--as-of wants an RFC 3339 time or topic:partition:next[,...], got '" + as_of + "'");
  }
  std::error_code ec;
  if (std::filesystem::exists(out, ec) && !std::filesystem::is_empty(out, ec)) {
    std::fprintf(stderr, "%s: %s is not empty; --as-of writes a new view directory\n", program, out.c_str());
    return 1;
  }
  auto store_r = fp::view_store::open(out, {});
  if (!store_r) {
    std::fprintf(stderr, "%s: %s\n", program, store_r.err().message.c_str());
    return 1;
  }
  auto& store = *store_r.value();
  fp::applier app(*v, store);
  src.topics.clear();
  for (auto t : v->topics()) src.topics.emplace_back(t);
  src.since_ms.reset();
  src.until_ms.reset();  // whole partitions in offset order; the time filter is applied per record

  std::vector<archive::archived_record> buffer;
  std::vector<fp::input_record> inputs;
  std::vector<fp::dead_letter> letters;
  std::int64_t fed = 0, dead = 0;
  std::optional<events::error> failure;
  auto flush = [&] {
    if (buffer.empty()) return true;
    inputs.clear();
    for (const auto& r : buffer) {
      inputs.push_back({{events::topic_name(r.topic), events::partition_id(r.partition)}, events::offset(r.offset),
                        r.timestamp_ms, r.key ? std::string_view(*r.key) : std::string_view(),
                        r.value ? std::string_view(*r.value) : std::string_view()});
    }
    letters.clear();
    if (auto a = app.apply(inputs, letters); !a) {
      failure = a.err();
      return false;
    }
    fed += static_cast<std::int64_t>(buffer.size());
    dead += static_cast<std::int64_t>(letters.size());
    buffer.clear();
    return true;
  };
  auto r = scan(src, [&](const archive::archived_record& rec) {
    if (until_ms && rec.timestamp_ms > *until_ms) return true;
    if (limits) {
      auto it = limits->find({rec.topic, rec.partition});
      if (it == limits->end() || rec.offset >= it->second) return true;
    }
    buffer.push_back(rec);
    return buffer.size() < 10'000 || flush();
  });
  if (r && !failure) flush();
  if (!r || failure) {
    std::fprintf(stderr, "%s: %s\n", program, (failure ? *failure : r.err()).message.c_str());
    return 1;
  }
  const auto d = store.digest();
  std::printf("{\"view\":\"%s\",\"out\":\"%s\",\"records\":%lld,\"dead_letters\":%lld,\"keys\":%lld,\"sha256\":\"%s\"}\n",
              view_name.c_str(), out.c_str(), static_cast<long long>(fed), static_cast<long long>(dead),
              static_cast<long long>(d.keys), d.sha256_hex.c_str());
  std::fprintf(stderr, "%s: view %s rebuilt as of %s from %lld records into %s\n", program, view_name.c_str(),
               as_of.c_str(), static_cast<long long>(fed), out.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  events::command_line cmd(program,
                           "Prints fleetledger events as JSON lines from Kafka or the archive, filtered by topic, "
                           "type, key and time; or rebuilds a view as of a time or offsets (--as-of).");
  cmd.option("brokers", "FLEETLEDGER_BROKERS", "127.0.0.1:9092", "Kafka bootstrap servers (without --archive-dir)")
      .option("archive-dir", "FLEETLEDGER_ARCHIVE_DIR", "", "read the archive in this directory instead of Kafka")
      .option("topic", "", "", "topics, comma-separated (default: every event topic)")
      .option("type", "", "", "payload type names, comma-separated, e.g. ClusterRegistered,ClusterHealthChecked")
      .option("key", "", "", "only records with this key")
      .option("since", "", "", "only records with timestamp >= this RFC 3339 time")
      .option("until", "", "", "only records with timestamp <= this RFC 3339 time")
      .option("as-of", "", "", "rebuild --view as of an RFC 3339 time or topic:partition:next[,...] into --out")
      .option("view", "", "", "with --as-of: fleet, marketplace or edges")
      .option("out", "", "", "with --as-of: the new view directory (must not exist or be empty)")
      .epilog(
          "Examples:\n"
          "  fleetledger-replay --archive-dir var/archive --type ClusterRegistered --since 2026-01-01T00:00:00Z\n"
          "  fleetledger-replay --as-of 2026-11-23T12:00:00Z --view fleet --out /tmp/fleet-noon\n");
  cmd.parse_or_exit(argc, argv);
  log::init(program, log::level::warn);
  std::signal(SIGINT, [](int) { stop_requested.store(true); });
  std::signal(SIGTERM, [](int) { stop_requested.store(true); });

  source src;
  src.brokers = cmd.get("brokers");
  src.archive_dir = cmd.get("archive-dir");
  src.topics = split_list(cmd.get("topic"));
  if (src.topics.empty()) {
    for (const auto& t : events::topic_catalogue()) src.topics.emplace_back(t.name);
  }
  for (const char* flag : {"since", "until"}) {
    if (!cmd.is_set(flag)) continue;
    auto t = events::parse_rfc3339(cmd.get(flag));
    if (!t) bad_flag(std::string("--") + flag + ": " + t.err().message);
    (std::strcmp(flag, "since") == 0 ? src.since_ms : src.until_ms) = to_ms(*t);
  }
  if (cmd.is_set("as-of")) {
    if (!cmd.is_set("view") || !cmd.is_set("out")) bad_flag("--as-of needs --view and --out");
    return rebuild_as_of(src, cmd.get("as-of"), cmd.get("view"), cmd.get("out"));
  }
  std::set<std::string> types;
  for (auto& t : split_list(cmd.get("type"))) types.insert(t);
  std::optional<std::string> key;
  if (cmd.is_set("key")) key = cmd.get("key");
  return print_events(src, types, key);
}

// Projector catch-up benchmark (issue 3): publishes 1,000,000 realistic mixed events to the dev
// broker, then for each view measures the projector process catching up from an empty directory
// against a raw librdkafka consume of the same topics in the same run, and prints
//   RATIO projector_<view>_vs_raw_consume=<x>
// Then it checks that the projector's peak RSS does not grow with the length of the replay: on a
// second broker (with partitions for the longer log) it publishes half of --rss-events (4,000,000
// by default) and replays it, then the rest and replays all of it, per view, and prints
//   RATIO projector_<view>_peak_rss_full_vs_half=<x>
// Both replays must be past the warm-up, the part of a replay during which the memory that
// configuration bounds is still filling (RocksDB's memtables, the consumer prefetch, the block
// cache, the allocator's retained pages): the fleet view's records are a quarter of the log, and
// its 32 MiB state memtable first fills after about 200,000 of them (the 4 MiB dedup memtable
// after about 100,000). (The comparison used to replay half of the 1,000,000-event log: 131,000
// fleet records, inside the warm-up.) Half of 4,000,000 events holds 523,000.
//
//   build/bin/projector_bench [--events N] [--rss-events N] [--view V] [--skip-half] [--perf DIR] [--batch-size N] [--runs N]
// --runs N (default 3): N pairs of a raw consume and a projector run, back to back; the median
// pair's ratio is the RATIO (every pair's is printed, and the share of the machine's CPU left idle
// during each projector run); --view measures one view only; --skip-half skips the RSS comparison (its two replays);
// --perf DIR runs each projector under `perf record --call-graph dwarf` writing DIR/<view>.perf.data, to profile
// the real process (the ratio is then not comparable: perf costs CPU too).
#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <deque>
#include <filesystem>
#include <ctime>
#include <fstream>
#include <sstream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include "fleetledger/events/consumer.hpp"
#include "fleetledger/events/publisher.hpp"
#include "fleetledger/events/topic_catalogue.hpp"
#include "support/broker_process.hpp"
#include "support/child_process.hpp"
#include "support/projector_digest.hpp"
#include "support/sample_events.hpp"
#include "support/temp_dir.hpp"

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;
namespace ft = fleetledger::testing;
namespace fe = fleetledger::events;

namespace {

const std::map<std::string, std::vector<std::string_view>> view_topics{
    {"fleet", {fe::cluster_topic}},
    {"marketplace", {fe::cluster_topic, fe::tenant_topic, fe::edge_topic, fe::offering_topic}},
    {"edges", {fe::edge_topic, fe::cluster_topic}},
};

double seconds_since(clock_type::time_point t) {
  return std::chrono::duration<double>(clock_type::now() - t).count();
}

// The baseline: plain librdkafka, every partition of the topics assigned from the beginning,
// batches from the consumer queue, no decoding. Returns records per second.
double process_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// utime + stime of a live process, from /proc/<pid>/stat (fields 14 and 15, in clock ticks).
double child_cpu_seconds(int pid) {
  const std::string stat = ft::read_file("/proc/" + std::to_string(pid) + "/stat");
  const auto close = stat.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream in(stat.substr(close + 2));
  std::string field;
  long utime = 0;
  long stime = 0;
  for (int i = 3; i <= 15 && in >> field; ++i) {
    if (i == 14) utime = std::stol(field);
    if (i == 15) stime = std::stol(field);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// CPU seconds per thread of a live process, by thread id (name, seconds), from
// /proc/<pid>/task/*/stat: shows which stage of the projector's pipeline is the busy one.
std::map<std::string, std::pair<std::string, double>> thread_cpu_seconds(int pid) {
  std::map<std::string, std::pair<std::string, double>> out;
  std::error_code ec;
  for (const auto& task : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task", ec)) {
    const std::string stat = ft::read_file(task.path().string() + "/stat");
    const auto open = stat.find('(');
    const auto close = stat.rfind(')');
    if (open == std::string::npos || close == std::string::npos) continue;
    std::istringstream in(stat.substr(close + 2));
    std::string field;
    long ticks = 0;
    for (int i = 3; i <= 15 && in >> field; ++i) {
      if (i == 14 || i == 15) ticks += std::stol(field);
    }
    out[task.path().filename().string()] = {stat.substr(open + 1, close - open - 1),
                                             static_cast<double>(ticks) / static_cast<double>(sysconf(_SC_CLK_TCK))};
  }
  return out;
}

// CPU seconds the raw consume used (this process is otherwise idle while it runs).
double raw_cpu_seconds = 0;

double raw_consume_rate(const std::string& brokers, const std::vector<fe::topic_partition>& parts, std::int64_t expected) {
  const double cpu_start = process_cpu_seconds();
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  const std::pair<const char*, const char*> settings[] = {
      {"bootstrap.servers", brokers.c_str()}, {"group.id", "fleetledger.bench-raw"},
      {"enable.auto.commit", "false"}, {"enable.partition.eof", "false"},
      {"fetch.max.bytes", "67108864"}, {"max.partition.fetch.bytes", "8388608"},
      {"queued.max.messages.kbytes", "262144"}, {"queued.min.messages", "200000"}};
  for (const auto& [k, v] : settings) {
    if (rd_kafka_conf_set(conf, k, v, err, sizeof err) != RD_KAFKA_CONF_OK) std::fprintf(stderr, "conf %s: %s\n", k, err);
  }
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(static_cast<int>(parts.size()));
  for (const auto& p : parts) {
    rd_kafka_topic_partition_list_add(list, p.topic.value().c_str(), p.partition.value())->offset = RD_KAFKA_OFFSET_BEGINNING;
  }
  const auto start = clock_type::now();
  rd_kafka_assign(rk, list);
  rd_kafka_queue_t* q = rd_kafka_queue_get_consumer(rk);
  std::vector<rd_kafka_message_t*> batch(10'000);
  std::int64_t got = 0;
  std::size_t bytes = 0;
  while (got < expected && seconds_since(start) < 300) {
    const auto n = rd_kafka_consume_batch_queue(q, 100, batch.data(), batch.size());
    for (ssize_t i = 0; i < n; ++i) {
      if (batch[i]->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        ++got;
        bytes += batch[i]->len;
      }
      rd_kafka_message_destroy(batch[i]);
    }
  }
  const double rate = static_cast<double>(got) / seconds_since(start);
  rd_kafka_queue_destroy(q);
  rd_kafka_topic_partition_list_destroy(list);
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  raw_cpu_seconds = process_cpu_seconds() - cpu_start;
  if (got < expected) std::fprintf(stderr, "raw consume got only %lld of %lld\n", static_cast<long long>(got), static_cast<long long>(expected));
  (void)bytes;
  return rate;
}

// The whole machine's CPU ticks (/proc/stat's first line): all, and idle or waiting for I/O.
struct ticks {
  long long total{0};
  long long idle{0};
};
ticks machine_ticks() {
  std::ifstream in("/proc/stat");
  std::string cpu;
  long long field[10] = {};
  in >> cpu;
  ticks t;
  for (int i = 0; i < 10 && (in >> field[i]); ++i) t.total += field[i];
  t.idle = field[3] + field[4];
  return t;
}

struct projector_run {
  double seconds{0};
  // Share of the machine's CPU time left idle while the projector ran: near 0 when the run was
  // bound by CPU (its own and its neighbours'), higher when its threads waited on each other or on
  // the fetch.
  double machine_idle{0};
  double cpu_seconds{0};  // as last sampled before exit (20 ms granularity)
  std::map<std::string, std::pair<std::string, double>> thread_cpu;  // by thread id: last sample of each
  long peak_rss_kb{0};
  std::int64_t records{0};
  int exit_code{-1};
};

std::string batch_size;  // --batch-size passed to the projector, when given

projector_run run_projector(const std::string& view, const std::string& brokers, const std::string& dir,
                            const std::string& log, const std::string& perf_dir = {}) {
  ft::child_options o;
  o.args = {"--view", view, "--brokers", brokers, "--view-dir", dir, "--exit-at-end"};
  if (!batch_size.empty()) o.args.insert(o.args.end(), {"--batch-size", batch_size});
  o.stderr_path = log;
  std::string binary = ft::bin_path("fleetledger-projector");
  if (!perf_dir.empty()) {
    o.args.insert(o.args.begin(), {"record", "-F", "500", "--call-graph", "dwarf,8192", "-o", perf_dir + "/" + view + ".perf.data", "--", binary});
    binary = "/usr/bin/perf";
  }
  projector_run r;
  const auto machine_start = machine_ticks();
  const auto start = clock_type::now();
  ft::child_process p(binary, o);
  // Peak RSS from /proc (VmHWM belongs to the exec'd image; rusage's maxrss would include the
  // forked copy of this benchmark, which holds the whole event set in memory).
  const std::string status_path = "/proc/" + std::to_string(p.pid()) + "/status";
  while (seconds_since(start) < 900) {
    const std::string status = ft::read_file(status_path);
    if (const auto at = status.find("VmHWM:"); at != std::string::npos) {
      r.peak_rss_kb = std::max(r.peak_rss_kb, std::stol(status.substr(at + 6)));
    }
    if (perf_dir.empty()) {
      const double cpu = child_cpu_seconds(p.pid());
      r.cpu_seconds = std::max(r.cpu_seconds, cpu);
      // Threads that end before the process (the pipeline's, at shutdown) keep their last sample.
      for (auto& [tid, entry] : thread_cpu_seconds(p.pid())) r.thread_cpu[tid] = std::move(entry);
    }
    if (auto code = p.wait(20ms)) {
      r.exit_code = *code;
      break;
    }
  }
  r.seconds = seconds_since(start);
  const auto machine_end = machine_ticks();
  if (machine_end.total > machine_start.total) {
    r.machine_idle = static_cast<double>(machine_end.idle - machine_start.idle) /
                     static_cast<double>(machine_end.total - machine_start.total);
  }
  r.records = ft::projector_digest(view, dir).records;
  return r;
}

std::int64_t count_records(fe::consumer& c, const std::vector<fe::topic_partition>& parts, bool& dropped) {
  std::int64_t total = 0;
  for (const auto& p : parts) {
    auto wm = c.query_watermarks(p, 10s);
    if (!wm) continue;
    if (wm->low.value() > 0) dropped = true;
    total += wm->high.value() - wm->low.value();
  }
  return total;
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t total = 1'000'000;
  std::size_t rss_total = 4'000'000;
  std::string only_view;
  std::string perf_dir;
  bool skip_half = false;
  int runs = 3;
  for (int i = 1; i < argc; ++i) {
    const bool has_value = i + 1 < argc;
    if (std::strcmp(argv[i], "--events") == 0 && has_value) {
      total = std::stoul(argv[++i]);
    } else if (std::strcmp(argv[i], "--rss-events") == 0 && has_value) {
      rss_total = std::stoul(argv[++i]);
    } else if (std::strcmp(argv[i], "--view") == 0 && has_value) {
      only_view = argv[++i];
      if (!view_topics.contains(only_view)) {
        std::fprintf(stderr, "--view: unknown view '%s' (fleet, marketplace or edges)\n", only_view.c_str());
        return 2;
      }
    } else if (std::strcmp(argv[i], "--perf") == 0 && has_value) {
      perf_dir = argv[++i];
    } else if (std::strcmp(argv[i], "--batch-size") == 0 && has_value) {
      batch_size = argv[++i];
    } else if (std::strcmp(argv[i], "--runs") == 0 && has_value) {
      runs = std::max(1, std::atoi(argv[++i]));
    } else if (std::strcmp(argv[i], "--skip-half") == 0) {
      skip_half = true;
    } else {
      std::fprintf(stderr, "usage: projector_bench [--events N] [--rss-events N] [--view V] [--skip-half] [--perf DIR] [--batch-size N] [--runs N]\n");
      return 2;
    }
  }
  // The RSS comparison replays half of the --rss-events log, then all of it: with memory bounded
  // by configuration (memtables, block cache, hot cache, consumer prefetch, allocator retention)
  // both peaks sit at the same ceiling once the shorter replay is past the warm-up.
  const std::size_t rss_half_events = rss_total / 2;
  const std::size_t generated = skip_half ? total : std::max(total, rss_total);
  ft::temp_dir dir("fleetledger-bench");
  // Enough partitions that the mock broker's 5 MiB per partition keeps every record: these for
  // 1,000,000 events (scale 1); the RSS replays' broker has scale = --rss-events / 2,000,000,
  // rounded up, times as many.
  auto start_broker = [&](int scale, const std::string& log) {
    const std::string partitions = "fleet.edge.v1=" + std::to_string(384 * scale) + ",fleet.cluster.v1=" +
                                   std::to_string(96 * scale) + ",fleet.tenant.v1=" + std::to_string(12 * scale) +
                                   ",fleet.offering.v1=" + std::to_string(24 * scale);
    return std::make_unique<ft::broker_process>(ft::broker_options{
        .extra_args = {"--partitions", partitions, "--retention-check-ms", "0"}, .stderr_path = dir.file(log)});
  };
  ft::sample_mix mix;
  mix.clusters = 2'000;
  mix.tenants = 200;
  mix.edges_per_cluster = 3;
  std::printf("generating %zu events (%d clusters, %d edges per summary)\n", generated, mix.clusters,
              mix.edges_per_cluster);
  const auto events = ft::make_sample_events(generated, mix);

  // A broker with its publisher and a consumer for metadata; publish_to(n) extends its log to the
  // first n events.
  struct log_on_broker {
    std::unique_ptr<ft::broker_process> broker;
    std::optional<fe::publisher> pub;
    std::optional<fe::consumer> meta;
    std::size_t published{0};
  };
  auto open_log = [&](int scale, const std::string& name) {
    log_on_broker l;
    l.broker = start_broker(scale, name + ".log");
    fe::publisher_config pc;
    pc.client.brokers = l.broker->bootstrap();
    auto pub = fe::publisher::create(pc);
    fe::consumer_config cc;
    cc.client.brokers = l.broker->bootstrap();
    cc.name = "bench-meta";
    auto meta = fe::consumer::create(cc);
    if (!pub || !meta) {
      std::fprintf(stderr, "publisher or consumer: %s\n", (!pub ? pub.err() : meta.err()).message.c_str());
      std::exit(1);
    }
    l.pub.emplace(std::move(pub.value()));
    l.meta.emplace(std::move(meta.value()));
    return l;
  };
  auto publish_to = [&](log_on_broker& l, std::size_t to) {
    const auto start = clock_type::now();
    const std::size_t from = l.published;
    for (std::size_t i = from; i < to; i += 50'000) {
      const auto n = std::min<std::size_t>(50'000, to - i);
      for (const auto& r : l.pub->publish_all(std::span(events).subspan(i, n))) {
        if (!r) {
          std::fprintf(stderr, "publish failed: %s\n", r.err().message.c_str());
          std::exit(1);
        }
      }
    }
    l.published = std::max(from, to);
    if (to > from) {
      std::printf("published %zu events in %.2f s (%.0f msg/s)\n", to - from, seconds_since(start),
                  static_cast<double>(to - from) / seconds_since(start));
    }
  };
  auto wanted = [&](const std::string& view) { return only_view.empty() || view == only_view; };

  // Throughput, on the --events log.
  std::map<std::string, double> ratios;
  bool failed = false;  // a projector exited with an error: no RATIO for it, and exit 1
  {
    auto main_log = open_log(1, "broker");
    publish_to(main_log, total);
    const std::string brokers = main_log.broker->bootstrap();
    auto& meta = main_log.meta;
    std::printf("\n%-12s %10s %12s %12s %8s %14s\n", "view", "records", "projector/s", "raw/s", "ratio", "peak RSS (MiB)");
    for (const auto& [view, topics] : view_topics) {
      if (!wanted(view)) continue;
      auto parts = meta->list_partitions(topics, 10s);
      bool dropped = false;
      const auto expected = count_records(*meta, *parts, dropped);
      if (dropped) std::fprintf(stderr, "WARNING: the broker dropped records of %s's topics; add partitions\n", view.c_str());
      // --runs pairs, each a raw consume then the projector, back to back so that both meet the same
      // load on the shared machine; the median pair's ratio counts (and its figures are printed),
      // so a neighbour's burst during one pair does not move the result.
      struct pair_run {
        double raw{0};
        double raw_cpu{0};
        double rate{0};
        projector_run projector;
      };
      std::vector<pair_run> pairs;
      std::string each;
      std::string idle;
      for (int run = 0; run < runs; ++run) {
        pair_run pr;
        pr.raw = raw_consume_rate(brokers, *parts, expected);
        pr.raw_cpu = raw_cpu_seconds;
        pr.projector = run_projector(view, brokers, dir.file(view), dir.file(view + ".log"), perf_dir);
        std::filesystem::remove_all(dir.file(view));
        pr.rate = static_cast<double>(pr.projector.records) / pr.projector.seconds;
        char buf[64];
        std::snprintf(buf, sizeof buf, " %.2f", pr.rate / pr.raw);
        each += buf;
        std::snprintf(buf, sizeof buf, " %.0f%%", 100.0 * pr.projector.machine_idle);
        idle += buf;
        const bool ok = pr.projector.exit_code == 0;
        pairs.push_back(std::move(pr));
        if (!ok) break;
      }
      if (pairs.back().projector.exit_code == 0) {
        std::sort(pairs.begin(), pairs.end(), [](const pair_run& a, const pair_run& b) { return a.rate / a.raw < b.rate / b.raw; });
      }
      const pair_run& median = pairs.back().projector.exit_code == 0 ? pairs[pairs.size() / 2] : pairs.back();
      const double raw = median.raw;
      const double rate = median.rate;
      const projector_run& r = median.projector;
      raw_cpu_seconds = median.raw_cpu;
      if (r.exit_code == 0) {
        ratios[view] = rate / raw;
      } else {  // no RATIO for a run that did not finish: say why instead
        failed = true;
        std::fprintf(stderr, "projector %s failed (exit %d); the end of its log:\n", view.c_str(), r.exit_code);
        std::ifstream log(dir.file(view + ".log"));
        std::deque<std::string> tail;
        for (std::string line; std::getline(log, line);) {
          tail.push_back(line);
          if (tail.size() > 10) tail.pop_front();
        }
        for (const auto& line : tail) std::fprintf(stderr, "  %s\n", line.c_str());
      }
      std::printf("%-12s %10lld %12.0f %12.0f %8.2f %14.1f%s\n", view.c_str(), static_cast<long long>(r.records), rate, raw,
                  rate / raw, r.peak_rss_kb / 1024.0, r.exit_code == 0 ? "" : "  (projector failed)");
      // CPU per record says where a change helped when the shared machine makes wall time noisy.
      if (r.cpu_seconds > 0 && raw_cpu_seconds > 0) {
        std::printf("%-12s cpu: projector %.2f s (%.0f records per CPU second), raw consume %.2f s (%.0f per CPU second)\n",
                    view.c_str(), r.cpu_seconds, static_cast<double>(r.records) / r.cpu_seconds, raw_cpu_seconds,
                    static_cast<double>(expected) / raw_cpu_seconds);
        std::map<std::string, double> by_name;
        for (const auto& [tid, entry] : r.thread_cpu) by_name[entry.first] += entry.second;
        std::printf("%-12s threads:", view.c_str());
        for (const auto& [name, cpu] : by_name) {
          if (cpu >= 0.05) std::printf(" %s %.2f s", name.c_str(), cpu);
        }
        std::printf("\n");
      }
      if (runs > 1) std::printf("%-12s pairs (projector/raw of each, in order):%s\n", view.c_str(), each.c_str());
      std::printf("%-12s machine idle during each projector run:%s\n", view.c_str(), idle.c_str());
    }
  }  // stops that broker: the RSS replays have their own

  // Peak RSS, on a second broker (partitions for the longer log): replays of half of the
  // --rss-events log and of all of it.
  struct rss_point {
    std::int64_t records{0};
    long peak_kb{0};
  };
  std::map<std::string, rss_point> rss_half;
  std::map<std::string, rss_point> rss_full;
  if (!skip_half) {
    auto rss_log = open_log(static_cast<int>((rss_total + 1'999'999) / 2'000'000), "rss-broker");
    auto replays = [&](std::size_t events_in_log, std::map<std::string, rss_point>& out, const std::string& tag) {
      publish_to(rss_log, events_in_log);
      for (const auto& [view, topics] : view_topics) {
        if (!wanted(view)) continue;
        bool dropped = false;
        (void)count_records(*rss_log.meta, *rss_log.meta->list_partitions(topics, 10s), dropped);
        if (dropped) std::fprintf(stderr, "WARNING: the broker dropped records of %s's topics\n", view.c_str());
        const std::string d = dir.file(view + "-" + tag);
        const auto r = run_projector(view, rss_log.broker->bootstrap(), d, d + ".log");
        out[view] = {r.records, r.exit_code == 0 ? r.peak_rss_kb : 0};
        // RocksDB's share at the end, from the projector's stop line: what of the peak is bounded
        // by configuration and still filling (the block cache fills as tables are read).
        const std::string log = ft::read_file(d + ".log");
        if (const auto at = log.find("\"projector stopped\""); at != std::string::npos) {
          const std::string line = log.substr(at, log.find('\n', at) - at);
          auto field = [&](const std::string& name) {
            const auto f = line.find("\"" + name + "\":");
            return f == std::string::npos ? 0.0 : std::stod(line.substr(f + name.size() + 3)) / (1024.0 * 1024.0);
          };
          std::printf("%-12s %s replay at its end: memtables %.1f MiB, block cache %.1f MiB, table readers %.1f MiB\n",
                      view.c_str(), tag.c_str(), field("memtables_bytes"), field("block_cache_bytes"),
                      field("table_readers_bytes"));
        }
        std::filesystem::remove_all(d);  // the disk is not what is measured
      }
    };
    replays(rss_half_events, rss_half, "rss-half");
    replays(rss_total, rss_full, "rss-full");
  }
  std::map<std::string, double> rss_growth;
  if (!rss_full.empty()) {
    std::printf("\npeak RSS of a replay from an empty directory, %zu and %zu events in the log:\n", rss_half_events,
                rss_total);
    std::printf("%-12s %10s %14s %10s %14s %8s\n", "view", "records", "peak (MiB)", "records", "peak (MiB)", "ratio");
  }
  for (const auto& [view, full] : rss_full) {
    const auto& half = rss_half[view];
    if (half.peak_kb > 0 && full.peak_kb > 0) {
      rss_growth[view] = static_cast<double>(full.peak_kb) / static_cast<double>(half.peak_kb);
    }
    std::printf("%-12s %10lld %14.1f %10lld %14.1f %8.2f%s\n", view.c_str(), static_cast<long long>(half.records),
                half.peak_kb / 1024.0, static_cast<long long>(full.records), full.peak_kb / 1024.0,
                rss_growth.contains(view) ? rss_growth.at(view) : 0.0,
                rss_growth.contains(view) ? "" : "  (a projector failed)");
  }
  // Machine-readable lines last.
  std::printf("\n");
  for (const auto& [view, ratio] : ratios) std::printf("RATIO projector_%s_vs_raw_consume=%.2f\n", view.c_str(), ratio);
  for (const auto& [view, growth] : rss_growth) {
    std::printf("RATIO projector_%s_peak_rss_full_vs_half=%.2f\n", view.c_str(), growth);
  }
  return failed || rss_growth.size() != rss_full.size() ? 1 : 0;
}

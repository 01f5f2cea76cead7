// Micro-benchmark of GET /v1/edges/score's library call: a RocksDB edges view with 100 clusters x 100
// edges (one pool of 10,000 edges: 1 home + 99 remote clusters), then 10,000 scoring calls from random
// viewer positions, timed one by one. Prints p50/p99/max in microseconds for:
//   - validated:    score_edges with a snapshot_cache: one get + header peek per pool cluster per call
//   - generation:   the same with a cache generation (a reader between two catch-ups): no reads
//   - ...+json:     plus to_json and boost::json serialization (the JSON tree)
//   - ...+serialize: plus fx::serialize (the same bytes written directly), as the reader answers
//   - pre-resolved: score_members over already resolved snapshots (the ranking alone)
//   - uncached:     every call parses every cluster's value (calls/10 calls)
// and, for the write side, how fast the view applies 100-edge summaries through the applier.
// Reads go through a RocksDB secondary instance, as in the reader.
// Usage: edge_score_bench [calls]   (default 10000)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include <time.h>

#include <boost/json/serialize.hpp>

#include "fleetledger/events/codec.hpp"
#include "fleetledger/events/envelope.hpp"
#include "fleetledger/events/timestamps.hpp"
#include "fleetledger/events/topic_catalogue.hpp"
#include "fleetledger/projections/applier.hpp"
#include "fleetledger/projections/edges/edges_view.hpp"
#include "fleetledger/projections/edges/scoring.hpp"
#include "fleetledger/projections/view_store.hpp"

namespace fp = fleetledger::projections;
namespace fx = fleetledger::projections::edges;
namespace fe = fleetledger::events;
using clock_type = std::chrono::steady_clock;

namespace {

constexpr int clusters = 100;
constexpr int edges_per_cluster = 100;

std::string cluster_name(int c) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "cluster-%03d", c);
  return buf;
}

fleetledger::v1::Envelope summary(int c, fe::time_point at, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> lat(-60, 70), lon(-180, 180), cpu(0, 100);
  std::uniform_int_distribution<std::uint64_t> ram_gib(1, 64), bw(1, 2'000'000'000);
  std::uniform_int_distribution<int> pct(0, 99);
  auto e = fe::make_envelope({.producer = "bench", .actor = "edge-reporter"}, at);
  auto* s = e.mutable_edge_summary_reported();
  s->set_cluster_id(cluster_name(c));
  *s->mutable_reported_at() = fe::to_timestamp(at);
  s->mutable_report_interval()->set_seconds(15);
  const double clat = lat(rng), clon = lon(rng);
  for (int i = 0; i < edges_per_cluster; ++i) {
    auto* n = s->add_edges();
    char id[48];
    std::snprintf(id, sizeof id, "c%03d-e%03d", c, i);
    n->set_node_id(id);
    n->set_base_url("https://" + std::string(id) + ".edges.example.net");
    n->set_geo_lat(std::clamp(clat + (pct(rng) - 50) / 25.0, -90.0, 90.0));
    n->set_geo_lon(clon + (pct(rng) - 50) / 25.0);
    const std::uint64_t ram_max = ram_gib(rng) << 30;
    n->set_ram_max(ram_max);
    n->set_ram_used(ram_max / 100 * static_cast<std::uint64_t>(pct(rng)));
    n->set_cpu_percent(cpu(rng));
    n->set_bw_available_bytes_per_sec(pct(rng) < 2 ? 0 : bw(rng));  // ~2% without bandwidth
    n->set_bw_limit_bytes_per_sec(1'250'000'000);
    n->set_viewers(static_cast<std::uint32_t>(pct(rng) * 10));
    n->set_streams(static_cast<std::uint32_t>(pct(rng) / 10));
    n->add_roles("edge");
    if (i % 10 == 0) n->add_roles("ingest");
    n->set_draining(pct(rng) < 3);  // ~3% draining
  }
  return e;
}

struct stats {
  double p50, p99, max, mean;
};

stats summarise(std::vector<double> us) {
  std::sort(us.begin(), us.end());
  double sum = 0;
  for (double v : us) sum += v;
  auto at = [&](double q) { return us[std::min(us.size() - 1, static_cast<std::size_t>(q * static_cast<double>(us.size())))]; };
  return {at(0.50), at(0.99), us.back(), sum / static_cast<double>(us.size())};
}

// On-CPU time of this thread: unlike wall time, it leaves out time spent descheduled on a busy machine.
double thread_cpu_us() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
}

void print(const char* name, std::size_t calls, const stats& s, const stats& cpu) {
  std::printf("%-27s calls=%zu p50_us=%.1f p99_us=%.1f max_us=%.1f mean_us=%.1f | on-cpu p50_us=%.1f p99_us=%.1f\n",
              name, calls, s.p50, s.p99, s.max, s.mean, cpu.p50, cpu.p99);
}

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "edge_score_bench: %s\n", what.c_str());
  std::exit(1);
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t calls = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 10'000;
  std::string pattern = (std::filesystem::temp_directory_path() / "edge-score-bench-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) die("mkdtemp failed");
  const std::filesystem::path dir(pattern);

  int rc = 0;
  {
    auto store = fp::view_store::open(dir / "edges");
    if (!store) die(store.err().message);
    fx::edges_view view;
    fp::applier applier(view, **store);

    // Write side: rounds of one summary per cluster, each round one batch (the last round is the state
    // the reads see). Records go to 12 partitions of fleet.edge.v1 like the real topic.
    std::mt19937_64 rng(42);
    const fe::time_point t0 = std::chrono::system_clock::now() - std::chrono::seconds(5);
    constexpr int rounds = 20;
    std::vector<std::int64_t> next_offset(12, 0);
    double apply_seconds = 0;
    for (int round = 0; round < rounds; ++round) {
      std::deque<std::string> values;
      std::vector<fp::input_record> records;
      for (int c = 0; c < clusters; ++c) {
        values.push_back(fe::encode(summary(c, t0 - std::chrono::seconds(15 * (rounds - 1 - round)), rng)));
        const int p = c % 12;
        records.push_back({{fe::topic_name(std::string(fe::edge_topic)), fe::partition_id(p)},
                           fe::offset(next_offset[p]++), 0, cluster_name(c), values.back()});
      }
      std::vector<fp::dead_letter> dead;
      const auto start = clock_type::now();
      if (auto ok = applier.apply(records, dead); !ok) die(ok.err().message);
      apply_seconds += std::chrono::duration<double>(clock_type::now() - start).count();
      if (!dead.empty()) die("dead letter: " + dead.front().reason);
    }
    std::printf("apply: %d summaries x %d edges in %.3f s = %.0f summaries/s (%.0f edge reports/s)\n",
                rounds * clusters, edges_per_cluster, apply_seconds, rounds * clusters / apply_seconds,
                rounds * clusters * edges_per_cluster / apply_seconds);

    auto secondary = fp::view_store::open_secondary(dir / "edges", dir / "secondary");
    if (!secondary) die(secondary.err().message);
    if (auto ok = (*secondary)->catch_up(); !ok) die(ok.err().message);
    const fp::state_reader& reader = (*secondary)->reader();

    fx::scoring_pool pool;
    pool.home_cluster_id = cluster_name(0);
    for (int c = 1; c < clusters; ++c) pool.remote_cluster_ids.push_back(cluster_name(c));

    std::uniform_real_distribution<double> vlat(-60, 70), vlon(-180, 180);
    fx::score_request req;
    req.now = std::chrono::system_clock::now();
    req.limit = 10;

    enum class output { none, json, serialize };
    auto run = [&](const char* name, std::size_t n, fx::snapshot_cache* cache, output out) {
      std::vector<double> us, cpu_us;
      us.reserve(n);
      cpu_us.reserve(n);
      std::size_t sink = 0;
      for (std::size_t i = 0; i < n; ++i) {
        req.lat = vlat(rng);
        req.lon = vlon(rng);
        const double cpu_start = thread_cpu_us();
        const auto start = clock_type::now();
        auto r = fx::score_edges(reader, pool, req, cache);
        if (!r) die(r.err().message);
        if (out == output::json) sink += boost::json::serialize(fx::to_json(*r)).size();
        else if (out == output::serialize) sink += fx::serialize(*r).size();
        else sink += r->items.size() + r->total;
        us.push_back(std::chrono::duration<double, std::micro>(clock_type::now() - start).count());
        cpu_us.push_back(thread_cpu_us() - cpu_start);
      }
      print(name, n, summarise(std::move(us)), summarise(std::move(cpu_us)));
      return sink;
    };

    fx::snapshot_cache cache;
    (void)fx::score_edges(reader, pool, req, &cache);  // warm: parse every cluster once
    {
      auto r = fx::score_edges(reader, pool, req, &cache);
      std::printf("pool: %zu clusters, %zu edges ranked + %zu rejected per call\n", pool.remote_cluster_ids.size() + 1,
                  r->total, r->rejected_total);
    }
    std::size_t sink = 0;
    sink += run("score validated", calls, &cache, output::none);
    sink += run("score validated+json", calls, &cache, output::json);
    req.cache_generation = 1;  // as a reader between two catch-ups of its secondary instance
    sink += run("score generation", calls, &cache, output::none);
    sink += run("score generation+json", calls, &cache, output::json);
    sink += run("score generation+serialize", calls, &cache, output::serialize);
    req.cache_generation.reset();
    {
      // Pre-resolved pool (a caller holding parsed snapshots): the ranking alone.
      const auto members = fx::resolve_pool(reader, pool, &cache);
      std::vector<double> us, cpu_us;
      us.reserve(calls);
      cpu_us.reserve(calls);
      for (std::size_t i = 0; i < calls; ++i) {
        req.lat = vlat(rng);
        req.lon = vlon(rng);
        const double cpu_start = thread_cpu_us();
        const auto start = clock_type::now();
        auto r = fx::score_members(members, req);
        sink += r->items.size();
        us.push_back(std::chrono::duration<double, std::micro>(clock_type::now() - start).count());
        cpu_us.push_back(thread_cpu_us() - cpu_start);
      }
      print("rank pre-resolved", calls, summarise(std::move(us)), summarise(std::move(cpu_us)));
    }
    sink += run("score uncached", std::max<std::size_t>(1, calls / 10), nullptr, output::none);
    std::printf("cache: hits=%llu misses=%llu (sink %zu)\n", static_cast<unsigned long long>(cache.hits()),
                static_cast<unsigned long long>(cache.misses()), sink);
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return rc;
}

// Apply rate of each view without Kafka: the same realistic event mix as projector_bench, encoded,
// laid out as a log and fed through projections::applier in batches into a real RocksDB. Isolates
// the view + store cost from consumption (perf record this binary to profile a view).
//
//   build/bin/view_apply_bench [events] [view]
#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>

#include "fleetledger/events/codec.hpp"
#include "fleetledger/events/envelope.hpp"
#include "fleetledger/projections/applier.hpp"
#include "fleetledger/projections/edges/edges_view.hpp"
#include "fleetledger/projections/fleet/fleet_view.hpp"
#include "fleetledger/projections/marketplace/marketplace_view.hpp"
#include "support/sample_events.hpp"
#include "support/temp_dir.hpp"

namespace fp = fleetledger::projections;
namespace fe = fleetledger::events;

int main(int argc, char** argv) {
  const std::size_t count = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 300'000;
  const std::string only = argc > 2 ? argv[2] : "";
  fleetledger::testing::sample_mix mix;
  mix.clusters = 2'000;
  mix.tenants = 200;
  mix.edges_per_cluster = 4;
  const auto events = fleetledger::testing::make_sample_events(count, mix);
  struct rec {
    fe::topic_partition tp;
    std::int64_t offset;
    std::string key, value;
    std::string_view type;
  };
  std::vector<rec> log;
  std::map<fe::topic_partition, std::int64_t> next;
  for (const auto& e : events) {
    const auto r = fe::route(e);
    const fe::topic_partition tp{fe::topic_name(std::string(r->topic)),
                                 fe::partition_id(static_cast<std::int32_t>(std::hash<std::string>{}(r->key) % 12))};
    log.push_back({tp, next[tp]++, r->key, fe::encode(e), fe::payload_type_name(e)});
  }
  fp::fleet::fleet_view fleet;
  fp::marketplace::marketplace_view marketplace;
  fp::edges::edges_view edges;
  for (fp::view* v : std::initializer_list<fp::view*>{&fleet, &marketplace, &edges}) {
    if (!only.empty() && v->name() != only) continue;
    const auto topics = v->topics();
    std::vector<fp::input_record> inputs;
    for (const auto& r : log) {
      for (const auto t : topics) {
        if (r.tp.topic.value() == t) inputs.push_back({r.tp, fe::offset(r.offset), 0, r.key, r.value});
      }
    }
    fleetledger::testing::temp_dir dir("fleetledger-apply-bench");
    auto store = fp::view_store::open(dir.path()).value();
    fp::applier applier(*v, *store);
    std::vector<fp::dead_letter> dead;
    const auto start = std::chrono::steady_clock::now();
    const std::clock_t cpu_start = std::clock();
    for (std::size_t i = 0; i < inputs.size(); i += 10'000) {
      std::vector<fp::input_record> batch(inputs.begin() + static_cast<std::ptrdiff_t>(i),
                                          inputs.begin() + static_cast<std::ptrdiff_t>(std::min(inputs.size(), i + 10'000)));
      if (!applier.apply(batch, dead)) return 1;
    }
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    // CPU time too: on a shared machine wall time mostly measures the neighbours.
    const double cpu = static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC;
    std::printf("%-12s %8zu records in %.2f s (%.2f s CPU): %.0f records/s, %.0f records per CPU second\n",
                std::string(v->name()).c_str(), inputs.size(), s, cpu, static_cast<double>(inputs.size()) / s,
                static_cast<double>(inputs.size()) / cpu);
    // The projector's decode stage alone (peek, decode into the arena; no id lookups), the least
    // CPU of five passes: steadier than the whole pipeline for comparing two builds.
    std::vector<std::vector<fp::input_record>> batches;
    for (std::size_t i = 0; i < inputs.size(); i += 10'000) {
      batches.emplace_back(inputs.begin() + static_cast<std::ptrdiff_t>(i),
                           inputs.begin() + static_cast<std::ptrdiff_t>(std::min(inputs.size(), i + 10'000)));
    }
    fp::decoded_batch decoded;
    double best = 0;
    for (int pass = 0; pass < 5; ++pass) {
      const std::clock_t pass_start = std::clock();
      for (const auto& batch : batches) fp::decode_batch(*v, batch, decoded);
      const double t = static_cast<double>(std::clock() - pass_start) / CLOCKS_PER_SEC;
      if (pass == 0 || t < best) best = t;
    }
    std::printf("%-12s decode only: %.0f ns per record (least CPU of 5 passes)\n", std::string(v->name()).c_str(),
                best * 1e9 / static_cast<double>(inputs.size()));
  }
  return 0;
}

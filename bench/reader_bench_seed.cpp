// Seeds a fleet for bench/reader_bench.sh through the library publisher and prints the positions to
// wait for, as one JSON line: {"fleet":"<min_offsets>","marketplace":"...","edges":"...","events":N}.
//   - 200 clusters (all four types, environments, regions; labels), each health-checked, with
//     capabilities and a PUBLIC marketplace listing; 8 edges each;
//   - tenant t-pool (tier 5): official c-0000, preferred c-0001, ACTIVE and peered subscriptions to
//     c-0000..c-0099, whose summaries carry 100 edges each: a scoring pool of 10,000 edges.
// Summaries use a 1-hour report interval so they stay fresh for the whole run.
// Usage: reader_bench_seed --brokers HOST:PORT [--clusters 200] [--pool-clusters 100] [--pool-edges 100]
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "fleetledger/events/publisher.hpp"
#include "support/fleet_events.hpp"
#include "support/stack_process.hpp"

namespace fev = fleetledger::testing::fleet_events;
namespace ft = fleetledger::testing;
namespace v1 = fleetledger::v1;

int main(int argc, char** argv) {
  std::string brokers;
  int clusters = 200, pool_clusters = 100, pool_edges = 100;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "reader_bench_seed: %s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--brokers") brokers = next();
    else if (a == "--clusters") clusters = std::atoi(next().c_str());
    else if (a == "--pool-clusters") pool_clusters = std::atoi(next().c_str());
    else if (a == "--pool-edges") pool_edges = std::atoi(next().c_str());
    else {
      std::fprintf(stderr, "reader_bench_seed: unknown flag %s\n", a.c_str());
      return 2;
    }
  }
  if (brokers.empty() || clusters < 2 || pool_clusters < 2 || pool_clusters > clusters) {
    std::fprintf(stderr, "usage: reader_bench_seed --brokers HOST:PORT [--clusters N] [--pool-clusters M] [--pool-edges E]\n");
    return 2;
  }
  fleetledger::events::publisher_config pc;
  pc.client.brokers = brokers;
  auto pub = fleetledger::events::publisher::create(pc);
  if (!pub) {
    std::fprintf(stderr, "reader_bench_seed: %s\n", pub.err().message.c_str());
    return 1;
  }
  auto id = [](int c) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "c-%04d", c);
    return std::string(buf);
  };
  const v1::ClusterType types[] = {v1::CLUSTER_TYPE_HUB, v1::CLUSTER_TYPE_SPOKE, v1::CLUSTER_TYPE_EDGE,
                                   v1::CLUSTER_TYPE_FAR_EDGE};
  const v1::Environment envs[] = {v1::ENVIRONMENT_PRODUCTION, v1::ENVIRONMENT_STAGING, v1::ENVIRONMENT_DEVELOPMENT,
                                  v1::ENVIRONMENT_LAB};
  const char* regions[] = {"eu-west", "us-east", "ap-south", "eu-north", "us-west"};

  std::vector<v1::Envelope> ev;
  ev.push_back(fev::tenant_created("t-prov", "Provider", true));
  ev.push_back(fev::tenant_created("t-pool", "Pool tenant", false));
  for (int c = 0; c < clusters; ++c) {
    const double lat = -60.0 + (c * 7919 % 12000) / 100.0, lon = -180.0 + (c * 104729 % 36000) / 100.0;
    ev.push_back(fev::cluster_registered({.id = id(c), .name = "bench-" + id(c).substr(2), .owner = "t-prov",
                                          .type = types[c % 4], .environment = envs[(c / 4) % 4],
                                          .region = regions[c % 5],
                                          .labels = {{"tier", c % 3 == 0 ? "gold" : "silver"}, {"rack", std::to_string(c % 10)}},
                                          .lat = lat, .lon = lon}));
    ev.push_back(fev::health_checked(id(c), c % 17 != 0, c % 5 != 0, true, true));
    ev.push_back(fev::capabilities_changed(id(c), c % 4 == 0 ? 8 : 0, c % 4 == 0 ? std::vector<std::string>{"nvidia-a100"}
                                                                              : std::vector<std::string>{},
                                           c % 6 == 0 ? std::vector<v1::CnfType>{v1::CNF_TYPE_UPF} : std::vector<v1::CnfType>{}));
    ev.push_back(fev::marketplace_updated(id(c), "t-prov", {.visibility = v1::VISIBILITY_PUBLIC,
                                                            .pricing = v1::PRICING_MODEL_FREE_UNMETERED}));
    const int edges = c < pool_clusters ? pool_edges : 8;
    std::vector<fev::edge_spec> specs;
    specs.reserve(static_cast<std::size_t>(edges));
    for (int e = 0; e < edges; ++e) {
      specs.push_back({.node_id = id(c) + "-e" + std::to_string(e), .lat = lat + (e % 10) * 0.1, .lon = lon + (e / 10) * 0.1,
                       .cpu_percent = static_cast<double>((c * 31 + e * 17) % 100)});
    }
    ev.push_back(fev::edge_summary(id(c), specs, 3600));
  }
  ev.push_back(fev::tier_changed("t-pool", 5, id(0)));
  for (int c = 0; c < pool_clusters; ++c) {
    ev.push_back(fev::subscription_requested(id(c), "s-pool-" + id(c), "t-pool"));
    ev.push_back(fev::peering_activated(id(c), "t-pool", "pool-live"));
  }
  ev.push_back(fev::preferred_set("t-pool", id(1)));

  ft::position_set positions;
  for (const auto& r : pub->publish_all(ev)) {
    if (!r) {
      std::fprintf(stderr, "reader_bench_seed: publish failed: %s\n", r.err().message.c_str());
      return 1;
    }
    positions.add(*r);
  }
  std::printf("{\"fleet\":\"%s\",\"marketplace\":\"%s\",\"edges\":\"%s\",\"events\":%zu}\n",
              positions.min_offsets(ft::view_topics("fleet")).c_str(),
              positions.min_offsets(ft::view_topics("marketplace")).c_str(),
              positions.min_offsets(ft::view_topics("edges")).c_str(), ev.size());
  return 0;
}

#pragma once
// A seeded simulation of N clusters x M edges for demos, scripts/run and load tests: each cluster sits
// in one metro (plausible geo), its edges spread around it; bandwidth use, CPU and RAM follow bounded
// random walks from round to round; an edge occasionally drains for a few rounds. Same seed and
// config -> same sequence of rounds (times aside).
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "fleetledger/v1/edge.pb.h"

namespace fleetledger::producers::edge_reporter {

struct simulation_config {
  std::vector<std::string> cluster_ids;  // one summary per cluster per round
  int edges_per_cluster{3};              // M, >= 1
  std::uint64_t seed{1};
  double drain_probability{0.005};       // per edge and round, for an edge not draining
  double undrain_probability{0.25};      // per round, for a draining edge
};

// "cluster-0", "cluster-1", ... (prefix + index from 0, like the sample fleet).
[[nodiscard]] std::vector<std::string> numbered_cluster_ids(const std::string& prefix, int count);

class simulation {
public:
  explicit simulation(simulation_config config);

  // The next round: one summary per cluster with every edge's current metrics (cluster_id and edges
  // set; reported_at and report_interval are the caller's). Advances the random walks.
  [[nodiscard]] std::vector<fleetledger::v1::EdgeSummaryReported> next_round();

  [[nodiscard]] const simulation_config& config() const noexcept { return config_; }

private:
  struct edge_state {
    std::string node_id, base_url;
    double lat{0}, lon{0};
    std::uint64_t bw_limit{0};
    double bw_utilisation{0};  // 0..1
    double cpu{0};             // percent
    std::uint64_t ram_max{0};
    double ram_fraction{0};    // 0..1
    std::vector<std::string> roles;
    bool draining{false};
  };
  simulation_config config_;
  std::mt19937_64 rng_;
  std::vector<std::vector<edge_state>> clusters_;
};

}  // namespace fleetledger::producers::edge_reporter

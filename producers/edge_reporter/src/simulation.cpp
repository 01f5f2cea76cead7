// The seeded edge simulation: plausible metros, bounded random walks, occasional draining.
#include "fleetledger/producers/edge_reporter/simulation.hpp"

#include <algorithm>
#include <array>
#include <cmath>

namespace fleetledger::producers::edge_reporter {
namespace {

struct metro {
  const char* name;
  double lat, lon;
};

// Where clusters sit: a spread of real metros so geo scoring has something to rank.
constexpr std::array<metro, 24> metros{{
    {"ams", 52.37, 4.90},   {"fra", 50.11, 8.68},    {"lon", 51.51, -0.13},  {"par", 48.86, 2.35},
    {"mad", 40.42, -3.70},  {"sto", 59.33, 18.07},   {"waw", 52.23, 21.01},  {"nyc", 40.71, -74.01},
    {"iad", 38.95, -77.45}, {"chi", 41.88, -87.63},  {"dfw", 32.78, -96.80}, {"sjc", 37.34, -121.89},
    {"sea", 47.61, -122.33},{"yyz", 43.65, -79.38},  {"gru", -23.55, -46.63},{"scl", -33.45, -70.67},
    {"nrt", 35.68, 139.69}, {"sin", 1.35, 103.82},   {"syd", -33.87, 151.21},{"bom", 19.08, 72.88},
    {"hkg", 22.32, 114.17}, {"icn", 37.57, 126.98},  {"jnb", -26.20, 28.05}, {"dxb", 25.20, 55.27},
}};

constexpr std::array<std::uint64_t, 4> bw_limits{125'000'000ULL, 1'250'000'000ULL, 3'125'000'000ULL,
                                                  5'000'000'000ULL};  // 1, 10, 25, 40 Gbit/s
constexpr std::uint64_t gib = 1024ULL * 1024ULL * 1024ULL;
constexpr std::array<std::uint64_t, 4> ram_sizes{16 * gib, 32 * gib, 64 * gib, 128 * gib};

double uniform(std::mt19937_64& rng, double lo, double hi) {
  return std::uniform_real_distribution<double>(lo, hi)(rng);
}

// One bounded random-walk step: a normal step, reflected into [lo, hi].
double walk(std::mt19937_64& rng, double v, double sigma, double lo, double hi) {
  v += std::normal_distribution<double>(0.0, sigma)(rng);
  if (v < lo) v = lo + (lo - v);
  if (v > hi) v = hi - (v - hi);
  return std::clamp(v, lo, hi);
}

// A stable per-cluster seed from the run seed and the cluster id (FNV-1a), so a cluster's metro and
// edges do not depend on which other clusters are simulated.
std::uint64_t cluster_seed(std::uint64_t seed, const std::string& id) {
  std::uint64_t h = 1469598103934665603ULL ^ seed;
  for (unsigned char c : id) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

}  // namespace

std::vector<std::string> numbered_cluster_ids(const std::string& prefix, int count) {
  std::vector<std::string> ids;
  ids.reserve(static_cast<std::size_t>(std::max(count, 0)));
  for (int i = 0; i < count; ++i) ids.push_back(prefix + std::to_string(i));
  return ids;
}

simulation::simulation(simulation_config config) : config_(std::move(config)), rng_(config_.seed) {
  const int m = std::max(config_.edges_per_cluster, 1);
  clusters_.reserve(config_.cluster_ids.size());
  for (const auto& id : config_.cluster_ids) {
    std::mt19937_64 crng(cluster_seed(config_.seed, id));
    const metro& where = metros[crng() % metros.size()];
    std::vector<edge_state> edges;
    edges.reserve(static_cast<std::size_t>(m));
    for (int j = 0; j < m; ++j) {
      edge_state e;
      e.node_id = id + "-edge-" + std::to_string(j);
      e.base_url = "https://edge-" + std::to_string(j) + "." + id + ".example.net";
      // Within ~100 km of the metro centre.
      e.lat = std::clamp(where.lat + uniform(crng, -0.9, 0.9), -89.9, 89.9);
      e.lon = where.lon + uniform(crng, -0.9, 0.9);
      if (e.lon > 180) e.lon -= 360;
      if (e.lon < -180) e.lon += 360;
      e.bw_limit = bw_limits[crng() % bw_limits.size()];
      e.bw_utilisation = uniform(crng, 0.05, 0.6);
      e.cpu = uniform(crng, 5, 60);
      e.ram_max = ram_sizes[crng() % ram_sizes.size()];
      e.ram_fraction = uniform(crng, 0.2, 0.7);
      e.roles = {"edge"};
      if (j == 0) e.roles.emplace_back("ingest");
      edges.push_back(std::move(e));
    }
    clusters_.push_back(std::move(edges));
  }
}

std::vector<fleetledger::v1::EdgeSummaryReported> simulation::next_round() {
  std::vector<fleetledger::v1::EdgeSummaryReported> out;
  out.reserve(clusters_.size());
  for (std::size_t c = 0; c < clusters_.size(); ++c) {
    fleetledger::v1::EdgeSummaryReported summary;
    summary.set_cluster_id(config_.cluster_ids[c]);
    for (auto& e : clusters_[c]) {
      e.bw_utilisation = walk(rng_, e.bw_utilisation, 0.05, 0.02, 0.98);
      e.cpu = walk(rng_, e.cpu, 4.0, 1.0, 99.0);
      e.ram_fraction = walk(rng_, e.ram_fraction, 0.03, 0.05, 0.97);
      if (e.draining) {
        if (uniform(rng_, 0, 1) < config_.undrain_probability) e.draining = false;
      } else if (uniform(rng_, 0, 1) < config_.drain_probability) {
        e.draining = true;
      }
      auto* n = summary.add_edges();
      n->set_node_id(e.node_id);
      n->set_base_url(e.base_url);
      n->set_geo_lat(e.lat);
      n->set_geo_lon(e.lon);
      n->set_bw_limit_bytes_per_sec(e.bw_limit);
      const auto used = static_cast<std::uint64_t>(static_cast<double>(e.bw_limit) * e.bw_utilisation);
      n->set_bw_available_bytes_per_sec(e.bw_limit - std::min(used, e.bw_limit));
      n->set_cpu_percent(std::round(e.cpu * 10.0) / 10.0);
      n->set_ram_max(e.ram_max);
      n->set_ram_used(static_cast<std::uint64_t>(static_cast<double>(e.ram_max) * e.ram_fraction));
      // About one viewer per 4 Mbit/s used, one stream per 40 viewers.
      const auto viewers = static_cast<std::uint32_t>(static_cast<double>(used) / 500'000.0);
      n->set_viewers(e.draining ? 0 : viewers);
      n->set_streams(e.draining ? 0 : viewers / 40 + (viewers > 0 ? 1 : 0));
      for (const auto& r : e.roles) n->add_roles(r);
      n->set_draining(e.draining);
    }
    out.push_back(std::move(summary));
  }
  return out;
}

}  // namespace fleetledger::producers::edge_reporter

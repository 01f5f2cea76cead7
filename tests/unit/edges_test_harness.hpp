#pragma once
// An edges view on a real RocksDB in a temp dir, fed through projections::applier, plus builders for
// the events it reads. Each event goes to the topic its payload belongs to (fleet.edge.v1 for
// summaries, fleet.cluster.v1 for the rest), at the next offset of the chosen partition.
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include "fleetledger/events/codec.hpp"
#include "fleetledger/events/envelope.hpp"
#include "fleetledger/events/timestamps.hpp"
#include "fleetledger/events/topic_catalogue.hpp"
#include "fleetledger/projections/applier.hpp"
#include "fleetledger/projections/edges/cluster_edges.hpp"
#include "fleetledger/projections/edges/edges_view.hpp"
#include "fleetledger/projections/edges/scoring.hpp"
#include "fleetledger/projections/edges/snapshot.hpp"
#include "fleetledger/projections/key_codec.hpp"
#include "fleetledger/projections/view_store.hpp"
#include "runtime_records.pb.h"
#include "support/temp_dir.hpp"
#include "support/view_feed.hpp"

namespace edges_test {

namespace fp = fleetledger::projections;
namespace fx = fleetledger::projections::edges;
namespace fe = fleetledger::events;
namespace v1 = fleetledger::v1;
using namespace std::chrono_literals;
using time_point = std::chrono::system_clock::time_point;

// 2025-01-01T00:00:00Z
inline const time_point t0 = time_point(std::chrono::seconds(1'735'689'600));
inline constexpr std::uint64_t GiB = 1024ull * 1024 * 1024;

// An edge report; defaults give a healthy edge at (0, 0) with easy numbers.
struct edge_spec {
  std::string node_id;
  double lat{0};
  double lon{0};
  double cpu_percent{40};               // cpu part 300
  std::uint64_t ram_used{2 * GiB};      // ram part 375 (2 of 8 GiB used)
  std::uint64_t ram_max{8 * GiB};
  std::uint64_t bw_available{625'000'000};  // bw part 500
  bool draining{false};
  std::string base_url{};
};

inline v1::Envelope envelope(time_point at) { return fe::make_envelope({.producer = "test", .actor = "edge-reporter"}, at); }

// EdgeSummaryReported with reported_at = at (the envelope's occurred_at too); interval 0 = unset.
inline v1::Envelope summary(const std::string& cluster, time_point at, const std::vector<edge_spec>& edges,
                            std::chrono::seconds interval = 0s) {
  auto e = envelope(at);
  auto* s = e.mutable_edge_summary_reported();
  s->set_cluster_id(cluster);
  *s->mutable_reported_at() = fe::to_timestamp(at);
  if (interval.count() != 0) s->mutable_report_interval()->set_seconds(interval.count());
  for (const auto& spec : edges) {
    auto* n = s->add_edges();
    n->set_node_id(spec.node_id);
    n->set_base_url(spec.base_url.empty() ? "https://" + spec.node_id + ".edge.example" : spec.base_url);
    n->set_geo_lat(spec.lat);
    n->set_geo_lon(spec.lon);
    n->set_cpu_percent(spec.cpu_percent);
    n->set_ram_used(spec.ram_used);
    n->set_ram_max(spec.ram_max);
    n->set_bw_available_bytes_per_sec(spec.bw_available);
    n->set_bw_limit_bytes_per_sec(1'250'000'000);
    n->set_viewers(7);
    n->set_streams(2);
    n->add_roles("edge");
    n->set_draining(spec.draining);
  }
  return e;
}

inline v1::Envelope enrolled(const std::string& cluster, const std::string& node, time_point at, double lat = 0,
                             double lon = 0) {
  auto e = envelope(at);
  auto* p = e.mutable_edge_enrolled();
  p->set_cluster_id(cluster);
  p->set_node_id(node);
  p->set_base_url("https://" + node + ".enrolled.example");
  p->set_geo_lat(lat);
  p->set_geo_lon(lon);
  p->add_roles("ingest");
  return e;
}

inline v1::Envelope drain(const std::string& cluster, const std::string& node, bool draining, time_point at,
                          const std::string& reason = "maintenance") {
  auto e = envelope(at);
  auto* p = e.mutable_edge_drain_changed();
  p->set_cluster_id(cluster);
  p->set_node_id(node);
  p->set_draining(draining);
  p->set_reason(reason);
  return e;
}

inline v1::Envelope deleted(const std::string& cluster, time_point at) {
  auto e = envelope(at);
  e.mutable_cluster_deleted()->set_cluster_id(cluster);
  return e;
}

class harness : public fleetledger::testing::view_feed<fx::edges_view> {
public:
  harness() : view_feed(fe::edge_topic) {}

  void apply(const v1::Envelope& e, int partition = 0) {
    add(e, partition);
    flush();
  }
  [[nodiscard]] std::vector<std::string> rejections() const {
    std::vector<std::string> out;
    for (const auto& r : rejection_records()) out.push_back(r.reason());
    return out;
  }

  // Scores for a viewer at (lat, lon) over home + remotes.
  [[nodiscard]] fx::edge_ranking score(const std::string& home, const std::vector<std::string>& remotes, double lat,
                                       double lon, time_point now, std::size_t limit = 10) const {
    fx::score_request req;
    req.lat = lat;
    req.lon = lon;
    req.now = now;
    req.limit = limit;
    auto r = fx::score_edges(reader(), fx::scoring_pool{home, remotes}, req);
    REQUIRE(r.has_value());
    return std::move(r).value();
  }

};

// The rejection reason listed for a node, or "" when it is not rejected.
inline std::string reason_of(const fx::edge_ranking& r, const std::string& node) {
  for (const auto& e : r.rejected) {
    if (e.node_id == node) return std::string(fx::to_string(e.reason));
  }
  return {};
}

inline const fx::ranked_edge* ranked(const fx::edge_ranking& r, const std::string& node) {
  for (const auto& e : r.items) {
    if (e.node_id == node) return &e;
  }
  return nullptr;
}

}  // namespace edges_test

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

class harness {
public:
  harness() : store_(fp::view_store::open(dir_.path() / "edges").value()), applier_(view_, *store_) {}

  void add(const v1::Envelope& e, int partition = 0) {
    const auto routed = fe::route(e);
    const std::string topic(routed.has_value() ? routed->topic : fe::edge_topic);
    values_.push_back(fe::encode(e));
    keys_.push_back(routed.has_value() ? routed->key : std::string("?"));
    const auto at = next_offset_[{topic, partition}]++;
    pending_.push_back({{fe::topic_name(topic), fe::partition_id(partition)}, fe::offset(at), 0, keys_.back(),
                        values_.back()});
  }
  void flush() {
    std::vector<fp::dead_letter> dl;
    REQUIRE(applier_.apply(pending_, dl).has_value());
    for (auto& d : dl) dead_letters_.push_back(d.reason);
    pending_.clear();
  }
  void apply(const v1::Envelope& e, int partition = 0) {
    add(e, partition);
    flush();
  }

  [[nodiscard]] const fp::state_reader& reader() const { return store_->reader(); }
  [[nodiscard]] fp::view_store& store() { return *store_; }
  [[nodiscard]] const std::vector<std::string>& dead_letters() const { return dead_letters_; }
  [[nodiscard]] std::vector<std::string> rejections() const {
    std::vector<std::string> out;
    reader().scan(std::string(fp::rejection_prefix) + fp::key_sep, [&](std::string_view, std::string_view v) {
      fleetledger::projections::Rejection r;
      REQUIRE(r.ParseFromArray(v.data(), static_cast<int>(v.size())));
      out.push_back(r.reason());
      return true;
    });
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

private:
  fleetledger::testing::temp_dir dir_{"fleetledger-edges-test"};
  fx::edges_view view_;
  std::unique_ptr<fp::view_store> store_;
  fp::applier applier_;
  std::deque<std::string> values_;
  std::deque<std::string> keys_;
  std::vector<fp::input_record> pending_;
  std::map<std::pair<std::string, int>, std::int64_t> next_offset_;
  std::vector<std::string> dead_letters_;
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

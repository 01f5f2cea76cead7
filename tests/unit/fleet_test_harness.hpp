#pragma once
// A fleet view on a real RocksDB in a temp dir, fed through projections::applier, plus builders for
// the cluster-topic events the fleet tests use. Times are explicit (t0 + offsets) so expected
// values can be computed by hand.
#include <chrono>
#include <cstdio>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include "fleetledger/events/codec.hpp"
#include "fleetledger/events/envelope.hpp"
#include "fleetledger/events/timestamps.hpp"
#include "fleetledger/events/topic_catalogue.hpp"
#include "fleetledger/projections/applier.hpp"
#include "fleetledger/projections/fleet/fleet_view.hpp"
#include "fleetledger/projections/fleet/queries.hpp"
#include "fleetledger/projections/key_codec.hpp"
#include "fleetledger/projections/view_store.hpp"
#include "runtime_records.pb.h"
#include "support/temp_dir.hpp"
#include "support/view_feed.hpp"

namespace fleet_test {

namespace fp = fleetledger::projections;
namespace ff = fleetledger::projections::fleet;
namespace fe = fleetledger::events;
namespace v1 = fleetledger::v1;
using namespace std::chrono_literals;
using time_point = std::chrono::system_clock::time_point;

// 2025-01-01T00:00:00Z
inline const time_point t0 = time_point(std::chrono::seconds(1'735'689'600));

// Deterministic UUIDs so tests control the (occurred_at, event_id) order: uuid(1) < uuid(2) < ...
inline std::string uuid(int n) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "00000000-0000-4000-8000-%012d", n);
  return buf;
}

inline v1::Envelope envelope(time_point at, const std::string& event_id = {}) {
  auto e = fe::make_envelope({.producer = "test", .actor = "operator"}, at);
  if (!event_id.empty()) e.set_event_id(event_id);
  return e;
}

inline v1::Envelope registered(const std::string& id, const std::string& name, time_point at,
                               v1::ClusterType type = v1::CLUSTER_TYPE_SPOKE, const std::string& event_id = {}) {
  auto e = envelope(at, event_id);
  auto* r = e.mutable_cluster_registered();
  r->set_cluster_id(id);
  r->set_name(name);
  r->set_display_name("Cluster " + name);
  r->set_owner_tenant_id("tenant-1");
  r->set_api_server_url("https://api." + name + ".example:6443");
  r->set_cluster_type(type);
  r->set_platform(v1::PLATFORM_OPENSHIFT);
  r->set_region("eu-west");
  r->set_environment(v1::ENVIRONMENT_PRODUCTION);
  r->mutable_endpoints()->set_prometheus_url("https://prom." + name + ".example");
  r->mutable_geo()->set_latitude(52.37);
  r->mutable_geo()->set_longitude(4.89);
  r->mutable_geo()->set_country("NL");
  r->mutable_geo()->set_city("Amsterdam");
  r->set_cluster_class(v1::CLUSTER_CLASS_PLATFORM_OFFICIAL);
  r->mutable_capacity()->set_max_streams(100);
  r->mutable_capacity()->set_max_viewers(1000);
  r->mutable_capacity()->set_max_bandwidth_mbps(10000);
  return e;
}

inline v1::Envelope deleted(const std::string& id, time_point at) {
  auto e = envelope(at);
  e.mutable_cluster_deleted()->set_cluster_id(id);
  return e;
}

// api/prom/tempo/loki: 'o' OK, 'f' FAILED, 'n' NOT_CONFIGURED, '-' unset.
inline v1::Envelope checked(const std::string& id, time_point checked_at, const char* statuses = "oooo") {
  auto e = envelope(checked_at);
  auto* h = e.mutable_cluster_health_checked();
  h->set_cluster_id(id);
  v1::CheckResult* results[] = {h->mutable_api_server(), h->mutable_prometheus(), h->mutable_tempo(), h->mutable_loki()};
  for (int i = 0; i < 4; ++i) {
    switch (statuses[i]) {
      case 'o': results[i]->set_status(v1::CHECK_STATUS_OK); break;
      case 'f':
        results[i]->set_status(v1::CHECK_STATUS_FAILED);
        results[i]->set_error("connection refused");
        break;
      case 'n': results[i]->set_status(v1::CHECK_STATUS_NOT_CONFIGURED); break;
      default: break;
    }
    results[i]->mutable_latency()->set_nanos(12'500'000);  // 12.5 ms
  }
  // Deliberately wrong: the view recomputes score and state from the per-check results.
  h->set_health_score(100);
  h->set_state(v1::CLUSTER_STATE_ONLINE);
  h->set_connectivity(v1::CONNECTIVITY_CONNECTED);
  *h->mutable_checked_at() = fe::to_timestamp(checked_at);
  return e;
}

inline v1::Envelope capabilities(const std::string& id, time_point at, int gpus, std::vector<std::string> gpu_types,
                                 std::vector<v1::CnfType> cnf, bool prometheus = true) {
  auto e = envelope(at);
  auto* c = e.mutable_cluster_capabilities_changed();
  c->set_cluster_id(id);
  c->set_has_gpu_nodes(gpus > 0);
  c->set_gpu_count(gpus);
  for (auto& g : gpu_types) c->add_gpu_types(g);
  c->set_has_prometheus(prometheus);
  c->set_has_cnf_workloads(!cnf.empty());
  for (auto t : cnf) c->add_cnf_types(t);
  return e;
}

struct rejection_info {
  std::string event_type;
  std::string reason;
};

// A fleet view store fed through the real applier. Each add() appends to a partition of the
// cluster topic at the next offset of that partition.
class harness : public fleetledger::testing::view_feed<ff::fleet_view> {
public:
  harness() : view_feed(fe::cluster_topic) {}

  void apply(const v1::Envelope& e, int partition = 0) {
    add(e, partition);
    flush();
  }

  [[nodiscard]] std::vector<rejection_info> rejections() const {
    std::vector<rejection_info> out;
    for (const auto& r : rejection_records()) out.push_back({r.event_type(), r.reason()});
    return out;
  }
  [[nodiscard]] std::string last_rejection() const {
    const auto all = rejections();
    return all.empty() ? std::string() : all.back().reason;
  }
};

}  // namespace fleet_test

// Edge utilisation (one aggregate per cluster: edge summaries are high volume, so one get and one put
// per summary) and peering of a tenant's streams onto a subscribed cluster.
#include <string>

#include "apply.hpp"
#include "keys.hpp"
#include "state.hpp"

namespace fleetledger::projections::marketplace::detail {

apply_outcome apply_edge_summary(state_txn& s, const Envelope& e, record_cache<ClusterUtilisation>& utilisation) {
  const auto& ev = e.edge_summary_reported();
  if (ev.cluster_id().empty()) return apply_outcome::malformed("MISSING_CLUSTER_ID: EdgeSummaryReported without cluster_id");
  const std::string key = keys::utilisation(ev.cluster_id());
  bool stored = false;
  ClusterUtilisation& u = utilisation.get(s, key, &stored);
  // The latest report wins; a report older than the one stored (a late reporter) changes nothing.
  if (stored && ev.has_reported_at() && to_ns(ev.reported_at()) < to_ns(u.reported_at())) {
    return apply_outcome::ignored();
  }
  u.Clear();
  *u.mutable_reported_at() = ev.has_reported_at() ? ev.reported_at() : e.occurred_at();
  const auto interval = ev.report_interval();
  const std::int64_t interval_ms = interval.seconds() * 1000 + interval.nanos() / 1'000'000;
  u.set_report_interval_ms(interval_ms > 0 ? interval_ms : 15'000);
  u.set_edge_count(ev.edges_size());
  std::int64_t viewers = 0;
  std::int64_t streams = 0;
  std::uint64_t used = 0;
  std::uint64_t limit = 0;
  for (const auto& edge : ev.edges()) {
    viewers += edge.viewers();
    streams += edge.streams();
    limit += edge.bw_limit_bytes_per_sec();
    if (edge.bw_limit_bytes_per_sec() > edge.bw_available_bytes_per_sec()) {
      used += edge.bw_limit_bytes_per_sec() - edge.bw_available_bytes_per_sec();
    }
  }
  u.set_viewers(viewers);
  u.set_streams(streams);
  u.set_bw_used_bytes_per_sec(used);
  u.set_bw_limit_bytes_per_sec(limit);
  utilisation.changed(key);
  return apply_outcome::applied();
}

apply_outcome apply_peering_activated(state_txn& s, const Envelope& e) {
  const auto& ev = e.peering_activated();
  if (ev.cluster_id().empty()) return apply_outcome::malformed("MISSING_CLUSTER_ID: PeeringActivated without cluster_id");
  if (ev.tenant_id().empty()) return apply_outcome::malformed("MISSING_TENANT_ID: PeeringActivated without tenant_id");
  s.put(keys::peering(ev.cluster_id(), ev.tenant_id(), ev.stream_name()), "");
  return apply_outcome::applied();
}

apply_outcome apply_peering_deactivated(state_txn& s, const Envelope& e) {
  const auto& ev = e.peering_deactivated();
  if (ev.cluster_id().empty()) return apply_outcome::malformed("MISSING_CLUSTER_ID: PeeringDeactivated without cluster_id");
  if (ev.tenant_id().empty()) return apply_outcome::malformed("MISSING_TENANT_ID: PeeringDeactivated without tenant_id");
  // Deactivating a stream that is not peered is a no-op (idempotent), not a rule violation.
  s.erase(keys::peering(ev.cluster_id(), ev.tenant_id(), ev.stream_name()));
  return apply_outcome::applied();
}

}  // namespace fleetledger::projections::marketplace::detail

#pragma once
// The edges view: per cluster, the latest EdgeSummaryReported (by reported_at; an older summary that
// arrives later does not replace a newer one, ties go to the later one in the log) with its report
// interval (15 s when unset), the enrolled edges (EdgeEnrolled) and drain flags (EdgeDrainChanged)
// per node; ClusterDeleted drops the cluster's edges for good.
//
// Verdicts:
//   EdgeSummaryReported  applied | ignored (older than the stored one, or the cluster is deleted)
//                        | rejected INVALID_REPORT_INTERVAL (negative or over 24 h)
//                        | malformed (no cluster_id, reported_at not representable)
//   EdgeEnrolled         applied | rejected CLUSTER_DELETED | malformed (no cluster_id / node_id)
//   EdgeDrainChanged     applied | rejected CLUSTER_DELETED | malformed (no cluster_id / node_id)
//   ClusterDeleted       applied (writes a small tombstone) | malformed (no cluster_id)
//   anything else        ignored
// A summary for a deleted cluster is ignored rather than rejected: it can arrive before or after the
// ClusterDeleted (different topics), and a rejection entry would make the state depend on that.
// Staleness and scoring depend on "now" and are computed by the query calls (scoring.hpp,
// cluster_edges.hpp), never here.
#include <memory>
#include <string_view>
#include <vector>

#include "fleetledger/projections/record_cache.hpp"
#include "fleetledger/projections/view.hpp"

namespace fleetledger::projections::edges {

class ClusterEdgeState;  // edges_records.proto

class edges_view final : public view {
public:
  edges_view();
  ~edges_view() override;
  edges_view(const edges_view&) = delete;
  edges_view& operator=(const edges_view&) = delete;

  [[nodiscard]] std::string_view name() const override { return "edges"; }
  // fleet.edge.v1 (summaries) and fleet.cluster.v1 (EdgeEnrolled, EdgeDrainChanged, ClusterDeleted).
  [[nodiscard]] std::vector<std::string_view> topics() const override;
  [[nodiscard]] bool wants(std::string_view payload_type) const override;
  // Summaries are kept as their wire bytes (record_context::payload_bytes); their parsed edges are not read.
  [[nodiscard]] bool reads_edge_text() const override { return false; }
  [[nodiscard]] apply_outcome apply(state_txn& state, const fleetledger::v1::Envelope& event,
                                    const record_context& ctx) override;
  void flush(state_txn& state) override;
  void discard() override;

private:
  // Each cluster's state (latest summary, node facts) stays parsed; written once per batch.
  std::unique_ptr<record_cache<ClusterEdgeState>> cache_;
};

}  // namespace fleetledger::projections::edges

#include "fleetledger/projections/edges/edges_view.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>

#include "edges_records.pb.h"
#include "fleetledger/events/timestamps.hpp"
#include "fleetledger/events/topic_catalogue.hpp"
#include "keys.hpp"
#include "state_codec.hpp"

namespace fleetledger::projections::edges {
namespace {

using fleetledger::v1::Envelope;

std::int64_t ns_of(const google::protobuf::Timestamp& ts) {
  return detail::to_ns(events::from_timestamp_saturating(ts));
}

using state_cache = record_cache<ClusterEdgeState>;

apply_outcome apply_summary(state_txn& state, state_cache& cache, const Envelope& event, std::string_view wire_bytes) {
  const auto& summary = event.edge_summary_reported();
  if (summary.cluster_id().empty()) return apply_outcome::malformed("MISSING_CLUSTER_ID: EdgeSummaryReported without cluster_id");

  std::int64_t reported_at_ns = 0;
  if (summary.has_reported_at()) {
    if (!events::is_representable(summary.reported_at())) {
      return apply_outcome::malformed("INVALID_REPORTED_AT: reported_at is out of range");
    }
    reported_at_ns = ns_of(summary.reported_at());
  } else {
    reported_at_ns = ns_of(event.occurred_at());  // the contract has no other time for it
  }

  std::int64_t interval_ns = detail::default_report_interval_ns;
  if (summary.has_report_interval()) {
    const auto& d = summary.report_interval();
    if (d.seconds() < 0 || d.nanos() < 0 || d.seconds() > detail::max_report_interval_s ||
        (d.seconds() == detail::max_report_interval_s && d.nanos() > 0)) {
      return apply_outcome::rejected("INVALID_REPORT_INTERVAL: report_interval must be in [0, 24h], got " +
                                     std::to_string(d.seconds()) + "s");
    }
    const std::int64_t ns = d.seconds() * 1'000'000'000 + d.nanos();
    if (ns > 0) interval_ns = ns;  // zero means unset: the default
  }

  const std::string key = keys::cluster(summary.cluster_id());
  // An absent key reads as a fresh (revision 0, not deleted) state.
  ClusterEdgeState& s = cache.get(state, key);
  if (s.deleted()) return apply_outcome::ignored();
  // Ties go to the later one in the log (this one).
  if (s.summary_revision() > 0 && reported_at_ns < s.reported_at_ns()) return apply_outcome::ignored();

  s.set_summary_revision(s.summary_revision() + 1);
  s.set_reported_at_ns(reported_at_ns);
  s.set_report_interval_ns(interval_ns);
  // The producer's bytes of the summary, kept verbatim (the query code parses them); serialized
  // again only when the applier could not hand them over (a payload in pieces, which is always
  // decoded in full: reads_edge_text() false never leaves this without the edges' text).
  if (!wire_bytes.empty()) {
    s.mutable_summary()->assign(wire_bytes);
  } else {
    s.clear_summary();
    (void)summary.AppendToString(s.mutable_summary());
  }
  cache.changed(key);
  return apply_outcome::applied();
}

// Finds or inserts the node's facts, keeping the list sorted by node_id.
NodeFacts& facts_of(NodeFactsList& list, const std::string& node_id) {
  auto* nodes = list.mutable_nodes();
  auto it = std::lower_bound(nodes->begin(), nodes->end(), node_id,
                             [](const NodeFacts& n, const std::string& id) { return n.node_id() < id; });
  if (it != nodes->end() && it->node_id() == node_id) return *it;
  const auto index = static_cast<int>(it - nodes->begin());
  nodes->Add()->set_node_id(node_id);
  // Rotate the new last element into place.
  for (int i = nodes->size() - 1; i > index; --i) nodes->SwapElements(i, i - 1);
  return *nodes->Mutable(index);
}

template <typename Payload, typename Update>
apply_outcome apply_node_event(state_txn& state, state_cache& cache, const Payload& p, std::string_view type,
                               Update&& update) {
  if (p.cluster_id().empty()) return apply_outcome::malformed("MISSING_CLUSTER_ID: " + std::string(type) + " without cluster_id");
  if (p.node_id().empty()) return apply_outcome::malformed("MISSING_NODE_ID: " + std::string(type) + " without node_id");
  const std::string key = keys::cluster(p.cluster_id());
  ClusterEdgeState& s = cache.get(state, key);
  if (s.deleted()) {
    return apply_outcome::rejected("CLUSTER_DELETED: cluster " + p.cluster_id() + " was deleted");
  }
  NodeFactsList list;
  (void)list.ParseFromString(s.node_facts());
  update(facts_of(list, p.node_id()));
  s.set_node_facts(list.SerializeAsString());
  s.set_facts_revision(s.facts_revision() + 1);
  cache.changed(key);
  return apply_outcome::applied();
}

apply_outcome apply_deleted(state_txn& state, state_cache& cache, const Envelope& event) {
  const auto& deleted = event.cluster_deleted();
  if (deleted.cluster_id().empty()) return apply_outcome::malformed("MISSING_CLUSTER_ID: ClusterDeleted without cluster_id");
  const std::string key = keys::cluster(deleted.cluster_id());
  ClusterEdgeState& tombstone = cache.get(state, key);
  tombstone.Clear();
  tombstone.set_deleted(true);
  cache.changed(key);
  return apply_outcome::applied();
}

}  // namespace

std::vector<std::string_view> edges_view::topics() const { return {events::edge_topic, events::cluster_topic}; }

// The event types apply() folds; the rest of the cluster topic is ignored without decoding.
bool edges_view::wants(std::string_view payload_type) const {
  static constexpr std::string_view folded[] = {
      "EdgeSummaryReported",
      "EdgeEnrolled",
      "EdgeDrainChanged",
      "ClusterDeleted",
  };
  return std::find(std::begin(folded), std::end(folded), payload_type) != std::end(folded);
}

apply_outcome edges_view::apply(state_txn& state, const Envelope& event, const record_context& ctx) {
  switch (event.payload_case()) {
    case Envelope::kEdgeSummaryReported: return apply_summary(state, *cache_, event, ctx.payload_bytes);
    case Envelope::kEdgeEnrolled: {
      const auto& e = event.edge_enrolled();
      const std::int64_t at = ns_of(event.occurred_at());
      return apply_node_event(state, *cache_, e, "EdgeEnrolled", [&](NodeFacts& n) {
        n.set_enrolled(true);
        n.set_base_url(e.base_url());
        n.set_geo_lat(e.geo_lat());
        n.set_geo_lon(e.geo_lon());
        *n.mutable_roles() = e.roles();
        n.set_enrolled_at_ns(at);
      });
    }
    case Envelope::kEdgeDrainChanged: {
      const auto& e = event.edge_drain_changed();
      const std::int64_t at = ns_of(event.occurred_at());
      return apply_node_event(state, *cache_, e, "EdgeDrainChanged", [&](NodeFacts& n) {
        n.set_draining(e.draining());
        n.set_drain_reason(e.reason());
        n.set_drain_changed_at_ns(at);
      });
    }
    case Envelope::kClusterDeleted: return apply_deleted(state, *cache_, event);
    default: return apply_outcome::ignored();
  }
}

edges_view::edges_view() : cache_(std::make_unique<record_cache<ClusterEdgeState>>(50'000)) {}
edges_view::~edges_view() = default;

void edges_view::flush(state_txn& state) { cache_->flush(state); }

void edges_view::discard() { cache_->clear(); }

}  // namespace fleetledger::projections::edges

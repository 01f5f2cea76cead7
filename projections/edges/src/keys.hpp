#pragma once
// Key layout of the edges view's state (default column family):
//   edges\x1f<cluster_id>    ClusterEdgeState (edges_records.proto): latest summary + node facts, or
//                            a deletion tombstone
//   rejection\x1f...         written by the common runtime (applier.hpp)
// One key per cluster: a summary is one get + one put, scoring reads one value per pool cluster.
#include <string>
#include <string_view>

#include "fleetledger/projections/key_codec.hpp"

namespace fleetledger::projections::edges::keys {

inline std::string cluster(std::string_view cluster_id) { return join_key("edges", cluster_id); }

}  // namespace fleetledger::projections::edges::keys

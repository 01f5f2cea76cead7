#pragma once
// The edge reporter's live source: a JSON document listing clusters and their edges, read from a file
// or fetched over HTTP. Shape (DESIGN.md section 3, EdgeSummaryReported):
//   {"clusters":[{"cluster_id":"c1","edges":[{"node_id":"n1","base_url":"https://...","geo_lat":52.5,
//     "geo_lon":13.4,"bw_available_bytes_per_sec":1e9,"bw_limit_bytes_per_sec":1.25e9,"cpu_percent":12.5,
//     "ram_used":1073741824,"ram_max":8589934592,"viewers":10,"streams":2,"roles":["edge"],
//     "draining":false}]}]}
// Required per edge: node_id, base_url, geo_lat, geo_lon, bw_available_bytes_per_sec,
// bw_limit_bytes_per_sec, cpu_percent, ram_used, ram_max. Optional: viewers, streams (0), roles ([]),
// draining (false). Unknown fields are refused (a typo must not silently drop a metric).
#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "fleetledger/events/result.hpp"
#include "fleetledger/v1/edge.pb.h"

namespace fleetledger::producers::edge_reporter {

// Parses and validates a source document. Each summary has cluster_id and edges set (reported_at and
// report_interval are the caller's). Errors (invalid_argument) name the field path:
// "clusters[0].edges[2].cpu_percent: must be a number between 0 and 100".
[[nodiscard]] fleetledger::events::result<std::vector<fleetledger::v1::EdgeSummaryReported>> parse_source(
    std::string_view json);

// Reads the source: a path to a file, or an http:// URL (plain HTTP GET with the given timeout).
[[nodiscard]] fleetledger::events::result<std::string> read_source(const std::string& location,
                                                                   std::chrono::milliseconds timeout);

}  // namespace fleetledger::producers::edge_reporter

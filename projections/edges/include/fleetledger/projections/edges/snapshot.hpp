#pragma once
// A cluster's edges as the edges view stores them, parsed once into a form that scoring walks fast,
// and a cache of parsed snapshots the reader keeps between requests.
//
// The stored value carries a version (summary revision, facts revision): counts of the summaries and
// of the cluster-topic edge events applied to it. Each counts events of one partition, so a version
// names the same content in every rebuild of the same log: a cached snapshot is valid exactly while
// the stored version equals its own. Checking costs one get and a peek at the value's first bytes.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "fleetledger/projections/view.hpp"

namespace fleetledger::projections::edges {

using time_point = std::chrono::system_clock::time_point;

// Default report interval when a summary has none (DESIGN.md section 3).
inline constexpr std::chrono::seconds default_report_interval{15};
// A summary older than this many report intervals is stale (DESIGN.md section 4).
inline constexpr int stale_after_intervals = 3;

// Why an edge is not ranked. Names (to_string) are the JSON values.
enum class edge_rejection : std::uint8_t {
  none,
  missing_node_id,  // "MISSING_NODE_ID": the summary lists an edge without node_id
  not_reported,     // "NOT_REPORTED": enrolled (or drained) but absent from the latest summary
  stale,            // "STALE": the cluster's latest summary is older than 3 report intervals
  draining,         // "DRAINING": the summary's flag or an EdgeDrainChanged says so
  no_ram_info,      // "NO_RAM_INFO": ram_max = 0
  no_bandwidth,     // "NO_BANDWIDTH": bw_available_bytes_per_sec = 0
  invalid_metrics,  // "INVALID_METRICS": cpu_percent or geo is NaN or infinite
  penalty_dropped,  // "PENALTY_DROPPED": remote edge whose score before the penalty is <= 200
};
[[nodiscard]] std::string_view to_string(edge_rejection r) noexcept;

// One edge node as the view knows it: the latest summary's report merged (by node_id) with the
// cluster topic's enrolment and drain facts. Reported fields come from the summary; an edge that is
// only enrolled takes base_url, geo and roles from its EdgeEnrolled.
struct edge_info {
  std::string node_id;
  std::string base_url;
  double geo_lat{0};
  double geo_lon{0};
  std::uint64_t bw_available_bytes_per_sec{0};
  std::uint64_t bw_limit_bytes_per_sec{0};
  double cpu_percent{0};
  std::uint64_t ram_used{0};
  std::uint64_t ram_max{0};
  std::uint32_t viewers{0};
  std::uint32_t streams{0};
  std::vector<std::string> roles;
  bool reported{false};          // listed in the latest summary
  bool enrolled{false};          // an EdgeEnrolled was applied
  bool summary_draining{false};  // the summary's own draining flag
  bool drain_flag{false};        // the latest EdgeDrainChanged for the node
  std::string drain_reason;      // its reason
  [[nodiscard]] bool draining() const { return summary_draining || drain_flag; }
};

// What scoring needs of an edge that does not depend on the viewer or on "now".
struct edge_basis {
  double x{0}, y{0}, z{0};  // unit vector of (geo_lat, geo_lon) on the sphere
  double cpu{0}, ram{0}, bw{0};
  edge_rejection static_rejection{edge_rejection::none};  // a reason that holds whatever the viewer
};

struct snapshot_version {
  std::uint64_t summary_revision{0};
  std::uint64_t facts_revision{0};
  friend bool operator==(const snapshot_version&, const snapshot_version&) = default;
};

// One cluster's edges, parsed. Immutable once built; shared between requests through shared_ptr.
struct cluster_snapshot {
  std::string cluster_id;
  snapshot_version version;
  bool has_summary{false};
  time_point reported_at{};
  std::chrono::nanoseconds report_interval{default_report_interval};
  std::vector<edge_info> edges;   // every known node, sorted by node_id (stable for duplicates)
  std::vector<edge_basis> basis;  // parallel to edges
  // Made once at parse time for the "clusters" entries of a score response (scoring.hpp
  // serialize()): cluster_id as a JSON string, reported_at as an RFC 3339 JSON string (null without
  // a summary).
  std::string cluster_id_json;
  std::string reported_at_json;

  // The summary is stale when now - reported_at > 3 * report_interval (strictly: exactly 3
  // intervals old is still fresh). A cluster without a summary has no fresh metrics: stale.
  [[nodiscard]] bool is_stale(time_point now) const;
  [[nodiscard]] time_point stale_at() const { return reported_at + stale_after_intervals * report_interval; }
};

// Parses a stored value of "edges\x1f<cluster_id>". nullptr for a deletion tombstone or bytes that
// do not parse.
[[nodiscard]] std::shared_ptr<const cluster_snapshot> parse_snapshot(std::string_view cluster_id,
                                                                     std::string_view value);

// Reads and parses one cluster's snapshot. nullptr when the view knows nothing of the cluster (no
// summary, enrolment or drain yet) or it was deleted.
[[nodiscard]] std::shared_ptr<const cluster_snapshot> load_snapshot(const state_reader& edges,
                                                                    std::string_view cluster_id);

// Whether the edges view applied a ClusterDeleted for the cluster.
[[nodiscard]] bool is_deleted(const state_reader& edges, std::string_view cluster_id);

// Parsed snapshots by cluster id, reused while the stored version is unchanged. Thread-safe; one
// cache per view store (or per replica of the same log). Bounded: when max_clusters entries are
// held, inserting another clears the cache first (simple, and a full pool refills in one request).
class snapshot_cache {
public:
  explicit snapshot_cache(std::size_t max_clusters = 100'000) : max_clusters_(max_clusters) {}

  // The cluster's snapshot as stored now (same answer as load_snapshot): one get, a header peek,
  // and a parse only when the stored version differs from the cached one.
  //
  // generation (optional): a number the caller raises whenever the store may have changed, e.g. a
  // counter the reader increments after each successful view_store::catch_up() of the secondary
  // instance. An entry checked against the store at generation g is returned without any read for
  // requests that pass a generation <= g, so between catch-ups a request costs no RocksDB read at all.
  [[nodiscard]] std::shared_ptr<const cluster_snapshot> get(const state_reader& edges, std::string_view cluster_id,
                                                            std::optional<std::uint64_t> generation = std::nullopt);

  [[nodiscard]] std::size_t size() const;
  [[nodiscard]] std::uint64_t hits() const;
  [[nodiscard]] std::uint64_t misses() const;
  void clear();

private:
  std::size_t max_clusters_;
  mutable std::mutex mu_;
  struct entry {
    std::shared_ptr<const cluster_snapshot> snapshot;
    std::optional<std::uint64_t> validated_at;  // the highest generation it was checked at
  };
  std::unordered_map<std::string, entry> map_;
  std::uint64_t hits_{0};
  std::uint64_t misses_{0};
};

}  // namespace fleetledger::projections::edges

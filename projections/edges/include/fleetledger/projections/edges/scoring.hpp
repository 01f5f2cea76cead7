#pragma once
// Foghorn edge scoring over a tenant's pool (GET /v1/edges/score?tenant_id=&lat=&lon=&limit=).
//
// The reader resolves the pool (marketplace::tenant_pool: home = the tenant's effective preferred
// cluster, remote = the official cluster and peered ACTIVE subscriptions) and passes it here as a
// plain scoring_pool, so this library does not depend on the marketplace view.
//
// Formula (DESIGN.md section 4), per edge of a pool cluster:
//   cpu = 500 * (1 - cpu_percent/100)        cpu_percent clamped to [0, 100]
//   ram = 500 * (1 - ram_used/ram_max)       ram_used clamped to [0, ram_max]
//   bw  = min(bw_available, 1.25e9) * 1000 / 1.25e9
//   geo = 1000 - 1000 * angle/pi             angle = great-circle angle viewer-edge, in [0, pi]
//   score = cpu + ram + bw + geo; a remote edge is dropped when score <= 200, else score -= 200.
// (The clamps keep a bad report from producing negative parts or more than the weight.)
// Rejected, in this order of precedence (one reason per edge): MISSING_NODE_ID, NOT_REPORTED (known
// from EdgeEnrolled/EdgeDrainChanged but absent from the latest summary), STALE (the cluster's summary
// is older than 3 report intervals at `now`), DRAINING (summary flag or EdgeDrainChanged), NO_RAM_INFO
// (ram_max = 0), NO_BANDWIDTH (bw_available = 0), INVALID_METRICS (NaN/inf cpu or geo),
// PENALTY_DROPPED (remote, score <= 200).
// Order: score descending, then node_id ascending, then cluster_id ascending.
// limit: 0 means the default 10; above 100 it is clamped to 100.
#include <array>
#include <cstdint>
#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/value.hpp>

#include "fleetledger/events/result.hpp"
#include "fleetledger/projections/edges/snapshot.hpp"
#include "fleetledger/projections/view.hpp"

namespace fleetledger::projections::edges {

inline constexpr std::size_t default_score_limit = 10;
inline constexpr std::size_t max_score_limit = 100;
// Rejected edges listed in a result (all are counted in rejected_total and rejected_by_reason).
inline constexpr std::size_t default_rejected_listed = 20;

// The clusters whose edges a viewer may be routed to. The home cluster's edges are local; every other
// cluster's are remote. The home cluster listed among the remotes, and duplicates, count once.
struct scoring_pool {
  std::string home_cluster_id;
  std::vector<std::string> remote_cluster_ids;
};

struct score_request {
  double lat{0};  // viewer, decimal degrees in [-90, 90]
  double lon{0};  // viewer, decimal degrees in [-180, 180]
  time_point now{};
  std::size_t limit{default_score_limit};
  std::size_t max_rejected_listed{default_rejected_listed};
  // Passed to snapshot_cache::get (see there): lets a reader skip the per-cluster reads between
  // catch-ups of its secondary instance. Unset: every call checks the stored versions.
  std::optional<std::uint64_t> cache_generation;
};

enum class locality : std::uint8_t { local, remote };
[[nodiscard]] std::string_view to_string(locality l) noexcept;  // "local" | "remote"

struct score_parts {
  double cpu{0};
  double ram{0};
  double bw{0};
  double geo{0};
  double penalty{0};  // 200 for a remote edge, else 0
};

struct ranked_edge {
  std::string node_id;
  std::string cluster_id;
  std::string base_url;
  locality where{locality::local};
  double score{0};  // cpu + ram + bw + geo - penalty
  score_parts parts;
  double geo_lat{0};
  double geo_lon{0};
};

struct rejected_edge {
  std::string node_id;
  std::string cluster_id;
  locality where{locality::local};
  edge_rejection reason{edge_rejection::none};
  std::optional<double> score_before_penalty;  // set for PENALTY_DROPPED
};

// Per pool cluster: what the view holds for it.
struct pool_cluster {
  std::string cluster_id;
  locality where{locality::local};
  bool known{false};  // the edges view has a (non-deleted) state for it
  bool stale{true};
  std::optional<time_point> reported_at;
  std::optional<time_point> stale_at;
  std::size_t edges{0};
  std::shared_ptr<const cluster_snapshot> snapshot;  // what the view held (nullptr when not known)
};

struct edge_ranking {
  double lat{0};
  double lon{0};
  time_point evaluated_at{};
  std::size_t limit{default_score_limit};  // the effective limit
  std::vector<ranked_edge> items;           // best first, at most limit
  std::size_t total{0};                     // rankable edges before the limit
  std::vector<rejected_edge> rejected;      // pool order, then node_id; at most max_rejected_listed
  std::size_t rejected_total{0};
  std::array<std::size_t, 9> rejected_by_reason{};  // indexed by edge_rejection
  std::vector<pool_cluster> clusters;       // home first, then the remotes in pool order
};

// A pool cluster with its parsed snapshot (nullptr when the view knows nothing of it).
struct pool_member {
  std::string cluster_id;
  locality where{locality::local};
  std::shared_ptr<const cluster_snapshot> snapshot;
};

// errc::invalid_argument when lat/lon are not finite or out of range.
[[nodiscard]] events::result<void> validate_viewer(double lat, double lon);

// The effective limit for a requested one (0 -> default, above max -> max).
[[nodiscard]] std::size_t effective_limit(std::size_t requested) noexcept;

// The pool as members in order (home first, then remotes; duplicates and the home among the remotes
// removed), each with its snapshot from the cache (or read directly when cache is null).
[[nodiscard]] std::vector<pool_member> resolve_pool(const state_reader& edges, const scoring_pool& pool,
                                                    snapshot_cache* cache = nullptr,
                                                    std::optional<std::uint64_t> cache_generation = std::nullopt);

// Ranks the edges of pre-resolved pool members.
[[nodiscard]] events::result<edge_ranking> score_members(std::span<const pool_member> members,
                                                         const score_request& request);

// resolve_pool + score_members: one get per pool cluster, a parse only on a cache miss.
[[nodiscard]] events::result<edge_ranking> score_edges(const state_reader& edges, const scoring_pool& pool,
                                                       const score_request& request,
                                                       snapshot_cache* cache = nullptr);

// JSON (DESIGN.md section 6, GET /v1/edges/score):
// {"viewer":{"lat","lon"},"evaluated_at","limit","total",
//  "items":[{"node_id","cluster_id","base_url","locality","score",
//            "parts":{"cpu","ram","bw","geo","penalty"},"geo":{"lat","lon"}}],
//  "rejected":[{"node_id","cluster_id","locality","reason","score_before_penalty"?}],
//  "rejected_total","rejected_by_reason":{"STALE":n,...},
//  "clusters":[{"cluster_id","locality","known","stale","reported_at","edges"}]}
[[nodiscard]] boost::json::value to_json(const edge_ranking& r);
// The response body: the same bytes as boost::json::serialize(to_json(r)), written directly, with each
// "clusters" entry put together from texts its snapshot made once (most of to_json's time for a
// 100-cluster pool went to those entries).
[[nodiscard]] std::string serialize(const edge_ranking& r);
[[nodiscard]] boost::json::value to_json(const ranked_edge& e);
[[nodiscard]] boost::json::value to_json(const rejected_edge& e);

}  // namespace fleetledger::projections::edges

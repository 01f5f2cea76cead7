#pragma once
// Read side of the fleet view: what the HTTP reader serves under /v1/clusters and /v1/fleet
// (DESIGN.md section 6, Fleet). Every function reads a view's state through a state_reader (the
// reader's RocksDB secondary instance) and returns plain structs; to_json() renders them with the
// contract's field names, enums as unprefixed upper-case names and times as RFC 3339 UTC strings
// (events::format_rfc3339: "2024-05-01T12:00:00Z", fraction digits only when needed).
//
// Semantics decided at read time:
//   - Live cluster: registered, not deleted, and owning its name. Claims of a name are ordered by
//     (occurred_at, event_id); the earliest claim owns it; a later registration of the same name is
//     refused for good (not live: absent from lists, summary, health, capabilities, by-id and
//     by-name; listed by name_conflicts() with reason CLUSTER_ALREADY_EXISTS). A deleted cluster
//     releases its name for claims whose occurred_at is strictly after the deletion's occurred_at.
//   - Read-time state: a cluster never checked is UNKNOWN; a cluster whose last check is at least
//     3 check intervals older than `now` (HUB 15 s, SPOKE 30 s, EDGE 60 s, FAR_EDGE 120 s,
//     unspecified type: SPOKE's) is UNKNOWN with stale=true; otherwise the state its newest check
//     gave. A check dated after `now` (clock skew) counts as fresh.
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json/value.hpp>

#include "fleetledger/events/result.hpp"
#include "fleetledger/projections/view.hpp"
#include "fleetledger/v1/common.pb.h"

namespace fleetledger::projections::fleet {

using time_point = std::chrono::system_clock::time_point;

// ---- enums as the contract spells them ----

// Unprefixed upper-case names: "HUB", "PRODUCTION", "ONLINE", "OK", "KUBECONFIG", "UPF"...
// (the zero value is "UNSPECIFIED").
[[nodiscard]] std::string enum_name(v1::ClusterType v);
[[nodiscard]] std::string enum_name(v1::Platform v);
[[nodiscard]] std::string enum_name(v1::Environment v);
[[nodiscard]] std::string enum_name(v1::ClusterClass v);
[[nodiscard]] std::string enum_name(v1::ClusterState v);
[[nodiscard]] std::string enum_name(v1::CheckStatus v);
[[nodiscard]] std::string enum_name(v1::Connectivity v);
[[nodiscard]] std::string enum_name(v1::CnfType v);
[[nodiscard]] std::string enum_name(v1::AuthType v);

// Parse any case, with or without the prefix ("hub", "HUB", "cluster_type_hub"). UNSPECIFIED is
// not accepted as a filter value.
[[nodiscard]] std::optional<v1::ClusterType> parse_cluster_type(std::string_view s);
[[nodiscard]] std::optional<v1::Environment> parse_environment(std::string_view s);
[[nodiscard]] std::optional<v1::ClusterState> parse_cluster_state(std::string_view s);

// ---- results ----

struct endpoints_info {
  std::string prometheus_url;
  std::string tempo_url;
  std::string loki_url;
  std::string alertmanager_url;
};

struct geo_info {
  double latitude{0};
  double longitude{0};
  std::string country;
  std::string city;
};

struct capacity_info {
  std::int64_t max_streams{0};
  std::int64_t max_viewers{0};
  std::int64_t max_bandwidth_mbps{0};
};

// The latest ClusterCapabilitiesChanged (each one replaces the previous set). All false/empty and
// reported_at null when none was reported.
struct capabilities_info {
  bool has_gpu_nodes{false};
  std::int32_t gpu_count{0};
  std::vector<std::string> gpu_types;
  bool has_prometheus{false};
  bool has_thanos{false};
  bool has_tempo{false};
  bool has_loki{false};
  bool has_service_mesh{false};
  bool has_cnf_workloads{false};
  std::vector<v1::CnfType> cnf_types;
  std::optional<time_point> reported_at;
};

// Credential metadata only. The sealed secret is never stored in the view, so it cannot leak.
struct credentials_info {
  v1::AuthType auth_type{v1::AUTH_TYPE_UNSPECIFIED};
  std::string fingerprint;
  std::optional<time_point> expires_at;
};

struct cluster_info {
  std::string cluster_id;
  std::string name;
  std::string display_name;
  std::string owner_tenant_id;
  std::string api_server_url;
  v1::ClusterType cluster_type{v1::CLUSTER_TYPE_UNSPECIFIED};
  v1::Platform platform{v1::PLATFORM_UNSPECIFIED};
  std::string region;
  v1::Environment environment{v1::ENVIRONMENT_UNSPECIFIED};
  std::map<std::string, std::string> labels;
  endpoints_info endpoints;
  geo_info geo;
  v1::ClusterClass cluster_class{v1::CLUSTER_CLASS_UNSPECIFIED};
  capacity_info capacity;
  std::string domain;
  v1::ClusterState state{v1::CLUSTER_STATE_UNKNOWN};  // read-time state (see top of file)
  bool stale{false};                                 // checked before, but not for 3 intervals
  std::optional<std::int32_t> health_score;          // newest check's score (kept when stale); null if never checked
  std::optional<time_point> last_checked_at;
  capabilities_info capabilities;
  std::optional<credentials_info> credentials;
  time_point created_at{};
  time_point updated_at{};  // registration, update, capabilities and credential events (not health checks)
};

struct check_info {
  v1::CheckStatus status{v1::CHECK_STATUS_UNSPECIFIED};
  std::optional<double> latency_ms;
  std::string error;
  std::int32_t http_status{0};
};

struct health_checks {
  check_info api_server;
  check_info prometheus;
  check_info tempo;
  check_info loki;
};

struct status_change_info {
  time_point at{};
  v1::ClusterState old_state{v1::CLUSTER_STATE_UNSPECIFIED};
  v1::ClusterState new_state{v1::CLUSTER_STATE_UNSPECIFIED};
  std::int32_t health_score{0};
  std::string reason;
};

// GET /v1/clusters/{id}/status
struct cluster_status {
  std::string cluster_id;
  std::string name;
  v1::ClusterState state{v1::CLUSTER_STATE_UNKNOWN};  // read-time state
  bool stale{false};
  std::optional<std::int32_t> health_score;
  std::optional<time_point> last_checked_at;
  v1::Connectivity connectivity{v1::CONNECTIVITY_UNSPECIFIED};
  std::optional<health_checks> checks;                   // of the newest check
  std::optional<status_change_info> last_status_change;  // latest ClusterStatusChanged (informational)
};

// One entry of GET /v1/clusters/{id}/history: a health check or a reported status change.
struct history_entry {
  enum class kind { health_check, status_change };
  kind what{kind::health_check};
  time_point at{};  // checked_at, or the status change's occurred_at
  v1::ClusterState state{v1::CLUSTER_STATE_UNKNOWN};  // check: computed; status change: new_state
  std::int32_t health_score{0};                       // check: computed; status change: as reported
  v1::Connectivity connectivity{v1::CONNECTIVITY_UNSPECIFIED};  // checks only
  std::optional<health_checks> checks;                           // checks only
  std::optional<status_change_info> status_change;               // status changes only
};

struct page_request {
  std::int64_t page{1};        // from 1; values below 1 read as 1
  std::int64_t page_size{20};  // clamped to [1, 100]
};

template <typename T>
struct page {
  std::vector<T> items;
  std::int64_t total{0};
  std::int64_t page{1};
  std::int64_t page_size{20};
  std::int64_t total_pages{0};
};

// GET /v1/fleet/summary. Counts cover live clusters with their read-time state.
struct fleet_summary {
  std::int64_t total_clusters{0};
  std::map<v1::ClusterState, std::int64_t> by_state;  // UNKNOWN, ONLINE, DEGRADED, OFFLINE always present
  std::map<v1::ClusterType, std::int64_t> by_type;    // HUB..FAR_EDGE always present; UNSPECIFIED when > 0
  std::map<v1::Environment, std::int64_t> by_environment;  // PRODUCTION..LAB always; UNSPECIFIED when > 0
  std::int64_t total_gpu_count{0};
  std::int64_t clusters_with_cnf{0};
  // Mean of the newest score of every live cluster checked at least once. Stale clusters still
  // count (they were checked; their last score is the best evidence we have). Null when no live
  // cluster was ever checked.
  std::optional<double> avg_health_score;
};

// GET /v1/fleet/health: live clusters by read-time state.
struct fleet_health {
  std::int64_t total{0};
  std::int64_t healthy{0};   // ONLINE
  std::int64_t degraded{0};  // DEGRADED
  std::int64_t offline{0};   // OFFLINE
  std::int64_t unknown{0};   // never checked, or stale
  std::int64_t stale{0};     // the part of `unknown` that was checked but not for 3 intervals
};

// GET /v1/fleet/capabilities: over live clusters, from each one's latest capabilities report.
// JSON:
//   {"total_clusters": N, "clusters_reporting": R,
//    "clusters_with": {"gpu": a, "prometheus": b, "thanos": c, "tempo": d, "loki": e,
//                      "service_mesh": f, "cnf": g},
//    "total_gpu_count": G,
//    "gpu_types": {"nvidia-a100": 3, ...},   // clusters reporting that GPU type (once per cluster)
//    "cnf_types": {"UPF": 2, ...}}           // clusters running that CNF type (once per cluster)
// gpu_types and cnf_types are objects keyed like the summary's by_* objects, sorted by key.
struct fleet_capabilities {
  std::int64_t total_clusters{0};
  std::int64_t clusters_reporting{0};  // with at least one ClusterCapabilitiesChanged
  std::int64_t with_gpu{0};
  std::int64_t with_prometheus{0};
  std::int64_t with_thanos{0};
  std::int64_t with_tempo{0};
  std::int64_t with_loki{0};
  std::int64_t with_service_mesh{0};
  std::int64_t with_cnf{0};
  std::int64_t total_gpu_count{0};
  std::map<std::string, std::int64_t> gpu_types;
  std::map<v1::CnfType, std::int64_t> cnf_types;
};

// A registration refused because an earlier claim owned the name (DESIGN.md section 4).
struct name_conflict {
  std::string cluster_id;  // the refused registration
  std::string name;
  std::string event_id;
  time_point occurred_at{};
  std::string owner_cluster_id;  // the claim that owned the name at that moment
  time_point owner_claimed_at{};
  std::string reason;  // "CLUSTER_ALREADY_EXISTS: ..."
};

// ---- filters ----

// GET /v1/clusters filters; every set field must match (AND).
struct cluster_filter {
  std::optional<std::string> name_contains;  // case-insensitive substring of the name
  std::optional<v1::ClusterType> cluster_type;
  std::optional<v1::Environment> environment;
  std::optional<std::string> region;  // case-insensitive, whole value
  std::optional<v1::ClusterState> state;  // read-time state
  std::optional<bool> has_gpu;  // capabilities.has_gpu_nodes
  std::optional<bool> has_cnf;  // capabilities.has_cnf_workloads
  // label=k=v: the cluster has label k with value exactly v (case-sensitive, like Kubernetes
  // labels); label=k (no '='): the cluster has label k. Repeat the parameter for several labels.
  std::vector<std::pair<std::string, std::optional<std::string>>> labels;
};

// Builds a filter from decoded query parameters (name, cluster_type, environment, region, state,
// has_gpu, has_cnf, label; other parameters such as page are ignored). Enum values and booleans
// (true/false) accept any case; an empty value means "no filter". A bad value gives
// errc::invalid_argument with message "INVALID_ARGUMENT: ...".
[[nodiscard]] events::result<cluster_filter> parse_cluster_filter(
    const std::vector<std::pair<std::string, std::string>>& query);

// ---- queries ----

// GET /v1/clusters: live clusters matching the filter, ordered by name (unique among live
// clusters), then cluster id; one page of them and the total.
[[nodiscard]] page<cluster_info> list_clusters(const state_reader& state, const cluster_filter& filter,
                                               const page_request& paging, time_point now);

// GET /v1/clusters/{id} and /v1/clusters/by-name/{name}. errc::not_found with a message starting
// "CLUSTER_NOT_FOUND: " for unknown, deleted or refused (name conflict) clusters.
[[nodiscard]] events::result<cluster_info> read_cluster(const state_reader& state, std::string_view cluster_id,
                                                        time_point now);
[[nodiscard]] events::result<cluster_info> read_cluster_by_name(const state_reader& state, std::string_view name,
                                                                time_point now);

// GET /v1/clusters/{id}/status
[[nodiscard]] events::result<cluster_status> read_status(const state_reader& state, std::string_view cluster_id,
                                                         time_point now);

// GET /v1/clusters/{id}/history?since=: entries at or after `since` (all kept entries when unset),
// oldest first. Only the 7 days before the cluster's newest check are kept.
[[nodiscard]] events::result<page<history_entry>> read_history(const state_reader& state,
                                                               std::string_view cluster_id,
                                                               std::optional<time_point> since,
                                                               const page_request& paging);

[[nodiscard]] fleet_summary read_summary(const state_reader& state, time_point now);
[[nodiscard]] fleet_health read_health(const state_reader& state, time_point now);
[[nodiscard]] fleet_capabilities read_capabilities(const state_reader& state);

// Registrations refused for an already-owned name, ordered by (name, occurred_at, event_id).
[[nodiscard]] std::vector<name_conflict> name_conflicts(const state_reader& state);

// ---- JSON ----

// Cluster: {"cluster_id","name","display_name","owner_tenant_id","api_server_url","cluster_type",
// "platform","region","environment","labels":{},"endpoints":{},"geo":{},"cluster_class",
// "capacity":{},"domain","state","health_score"|null,"last_checked_at"|null,"stale",
// "capabilities":{...,"reported_at"|null},"credentials":{"auth_type","fingerprint","expires_at"|null}|null,
// "created_at","updated_at","deleted":false}
[[nodiscard]] boost::json::value to_json(const cluster_info& c);
// {"cluster_id","name","state","stale","health_score","last_checked_at","connectivity",
//  "checks":{"api_server":{"status","latency_ms","error","http_status"},...}|null,
//  "last_status_change":{"at","old_state","new_state","health_score","reason"}|null}
[[nodiscard]] boost::json::value to_json(const cluster_status& s);
// {"kind":"HEALTH_CHECK"|"STATUS_CHANGE","at","state","health_score",
//  "connectivity","checks"} for checks; {"kind","at","state","health_score","status_change"} otherwise.
[[nodiscard]] boost::json::value to_json(const history_entry& h);
// {"items":[...],"total","page","page_size","total_pages"}
[[nodiscard]] boost::json::value to_json(const page<cluster_info>& p);
[[nodiscard]] boost::json::value to_json(const page<history_entry>& p);
// {"total_clusters","by_state":{"ONLINE":n,...},"by_type":{...},"by_environment":{...},
//  "total_gpu_count","clusters_with_cnf","avg_health_score"|null}
[[nodiscard]] boost::json::value to_json(const fleet_summary& s);
// {"total","healthy","degraded","offline","unknown","stale"}
[[nodiscard]] boost::json::value to_json(const fleet_health& h);
[[nodiscard]] boost::json::value to_json(const fleet_capabilities& c);  // shape documented above
// {"cluster_id","name","event_id","occurred_at","owner_cluster_id","owner_claimed_at","reason"}
[[nodiscard]] boost::json::value to_json(const name_conflict& n);
[[nodiscard]] boost::json::value to_json(const std::vector<name_conflict>& list);  // {"items":[...],"total":N}

}  // namespace fleetledger::projections::fleet

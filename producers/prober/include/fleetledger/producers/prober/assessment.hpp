#pragma once
// Pure pieces of the prober: bearer tokens from stored secrets, capabilities from Kubernetes API
// answers, and health events from check results (scored by events/cluster_rules.hpp).
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "fleetledger/events/result.hpp"
#include "fleetledger/v1/envelope.pb.h"

namespace fleetledger::producers::prober {

// The bearer token in a decrypted secret. SERVICE_ACCOUNT / OIDC / unspecified: the secret is the
// token (surrounding whitespace trimmed). KUBECONFIG: the `token:` of the current context's user
// (or of the only/first user when there is no current-context); errc::not_found with the reason when
// the kubeconfig authenticates otherwise (client certificates, exec plugins).
[[nodiscard]] fleetledger::events::result<std::string> bearer_token(fleetledger::v1::AuthType type,
                                                                    std::string_view secret);

// Capabilities from the JSON bodies of GET /api/v1/nodes, /api/v1/namespaces and /api/v1/pods:
//  - GPUs: sum of status.capacity["nvidia.com/gpu"]; types from label nvidia.com/gpu.product;
//  - CNF: namespaces du-* VDU, cu-* VCU, upf-* UPF, amf-* AMF, smf-* SMF;
//  - observability: pods (name, app / app.kubernetes.io/name labels, containers) or namespaces named
//    after prometheus, thanos, tempo, loki; service mesh: istio / linkerd (incl. istio-proxy sidecars).
// pods_json may be empty (not readable): observability then comes from namespace names only.
// errc::decode_failed naming the document when nodes or namespaces are not a Kubernetes list.
[[nodiscard]] fleetledger::events::result<fleetledger::v1::ClusterCapabilitiesChanged> capabilities_from(
    const std::string& cluster_id, std::string_view nodes_json, std::string_view namespaces_json,
    std::string_view pods_json);

// Whether two capability sets are the same (cluster_id included).
[[nodiscard]] bool same_capabilities(const fleetledger::v1::ClusterCapabilitiesChanged& a,
                                     const fleetledger::v1::ClusterCapabilitiesChanged& b);

// One probe of one endpoint.
struct probe_result {
  fleetledger::v1::CheckStatus status{fleetledger::v1::CHECK_STATUS_NOT_CONFIGURED};
  std::chrono::milliseconds latency{0};
  int http_status{0};
  std::string error{};
};

// The ClusterHealthChecked for the four probes: per-check results, score and state by
// events::assess_health, connectivity (API down: DISCONNECTED; API up and another configured check
// failed: PARTIAL; else CONNECTED), checked_at.
[[nodiscard]] fleetledger::v1::ClusterHealthChecked health_event(
    const std::string& cluster_id, const probe_result& api_server, const probe_result& prometheus,
    const probe_result& tempo, const probe_result& loki, std::chrono::system_clock::time_point checked_at);

// Why the state is what it is, for ClusterStatusChanged.reason: the failed checks with their errors,
// or "all configured checks passed".
[[nodiscard]] std::string state_reason(const fleetledger::v1::ClusterHealthChecked& check);

// The unprefixed enum name ("ONLINE").
[[nodiscard]] std::string_view state_name(fleetledger::v1::ClusterState state) noexcept;

}  // namespace fleetledger::producers::prober

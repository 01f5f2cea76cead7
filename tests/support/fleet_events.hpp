#pragma once
// Hand-made fleetledger events for reader tests and benchmarks, stamped with the current time (so
// health checks and edge summaries are fresh when the reader judges staleness). Each builder sets the
// envelope actor the way a real producer would (the owner for approvals, the tenant for requests).
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "fleetledger/v1/envelope.pb.h"

namespace fleetledger::testing::fleet_events {

using fleetledger::v1::Envelope;

Envelope tenant_created(const std::string& tenant, const std::string& name, bool is_provider);
Envelope tier_changed(const std::string& tenant, int tier_level, const std::string& official_cluster);
Envelope preferred_set(const std::string& tenant, const std::string& cluster);

struct cluster_spec {
  std::string id;
  std::string name;
  std::string owner;
  fleetledger::v1::ClusterType type{fleetledger::v1::CLUSTER_TYPE_HUB};
  fleetledger::v1::Environment environment{fleetledger::v1::ENVIRONMENT_PRODUCTION};
  std::string region{"eu-west"};
  std::map<std::string, std::string> labels{};
  double lat{0};
  double lon{0};
  std::string country{"NL"};
  fleetledger::v1::ClusterClass cluster_class{fleetledger::v1::CLUSTER_CLASS_THIRD_PARTY_MARKETPLACE};
  std::string domain{};
  bool with_observability{true};  // prometheus/tempo/loki endpoints configured
};
Envelope cluster_registered(const cluster_spec& c);
Envelope cluster_deleted(const std::string& cluster, const std::string& owner);

// ok flags per check; the score and state follow DESIGN.md section 4 for configured endpoints.
Envelope health_checked(const std::string& cluster, bool api_ok, bool prometheus_ok, bool tempo_ok, bool loki_ok);
Envelope capabilities_changed(const std::string& cluster, int gpu_count, const std::vector<std::string>& gpu_types,
                              const std::vector<fleetledger::v1::CnfType>& cnf_types);
Envelope credentials_stored(const std::string& cluster, const std::string& owner, const std::string& fingerprint,
                            const std::string& nonce, const std::string& ciphertext, const std::string& tag);

struct marketplace_spec {
  fleetledger::v1::Visibility visibility{fleetledger::v1::VISIBILITY_PUBLIC};
  fleetledger::v1::PricingModel pricing{fleetledger::v1::PRICING_MODEL_FREE_UNMETERED};
  std::int64_t monthly_price_cents{0};
  int required_tier_level{0};
  bool requires_approval{false};
  std::string description{};
};
Envelope marketplace_updated(const std::string& cluster, const std::string& owner, const marketplace_spec& m);
Envelope invite_created(const std::string& cluster, const std::string& owner, const std::string& invite_id,
                        const std::string& token_sha256, const std::optional<std::string>& target_tenant);
Envelope invite_revoked(const std::string& cluster, const std::string& owner, const std::string& invite_id);

Envelope subscription_requested(const std::string& cluster, const std::string& subscription, const std::string& tenant,
                                const std::optional<std::string>& invite_token_sha256 = std::nullopt);
// actor = by (must be the owner for the event to apply).
Envelope subscription_approved(const std::string& cluster, const std::string& subscription, const std::string& by);
Envelope subscription_rejected(const std::string& cluster, const std::string& subscription, const std::string& by);
Envelope subscription_suspended(const std::string& cluster, const std::string& subscription, const std::string& by);
Envelope subscription_reinstated(const std::string& cluster, const std::string& subscription, const std::string& by);
Envelope subscription_cancelled(const std::string& cluster, const std::string& subscription, const std::string& tenant);
Envelope peering_activated(const std::string& cluster, const std::string& tenant, const std::string& stream);

struct edge_spec {
  std::string node_id;
  double lat{0};
  double lon{0};
  double cpu_percent{20};
  std::uint64_t ram_used{4ULL << 30};
  std::uint64_t ram_max{16ULL << 30};
  std::uint64_t bw_available{500'000'000};
  std::uint64_t bw_limit{1'250'000'000};
  bool draining{false};
};
// report_interval_seconds: staleness is judged at read time as 3 intervals (benchmarks use long ones).
Envelope edge_summary(const std::string& cluster, const std::vector<edge_spec>& edges, int report_interval_seconds = 15);

struct offering_spec {
  std::string provider;
  std::string id;
  std::string name;
  std::string product_type;
  std::string country{"DE"};
  double monthly_price{100};
  // Type-specific required fields are filled for the known types unless omit_required is true.
  bool omit_required{false};
};
Envelope offering_published(const offering_spec& o);

// Lower-case hex SHA-256 stand-in for tests (64 hex chars derived from text; not a real hash).
std::string fake_sha256(const std::string& text);

}  // namespace fleetledger::testing::fleet_events

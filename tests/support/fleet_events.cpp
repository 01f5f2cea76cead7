#include "support/fleet_events.hpp"

#include <chrono>
#include <functional>

#include "fleetledger/events/envelope.hpp"

namespace fleetledger::testing::fleet_events {
namespace {

namespace v1 = fleetledger::v1;

Envelope base(const std::string& actor) {
  return events::make_envelope({.producer = "reader-test", .actor = actor});
}

void set_now(google::protobuf::Timestamp* t, std::chrono::seconds offset = std::chrono::seconds(0)) {
  const auto now = std::chrono::system_clock::now() + offset;
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count();
  t->set_seconds(ns / 1'000'000'000);
  t->set_nanos(static_cast<int>(ns % 1'000'000'000));
}

void set_check(v1::CheckResult* c, bool ok) {
  c->set_status(ok ? v1::CHECK_STATUS_OK : v1::CHECK_STATUS_FAILED);
  c->mutable_latency()->set_nanos(12'000'000);
  if (!ok) {
    c->set_error("connection refused");
    c->set_http_status(0);
  } else {
    c->set_http_status(200);
  }
}

}  // namespace

Envelope tenant_created(const std::string& tenant, const std::string& name, bool is_provider) {
  auto e = base("operator");
  auto* p = e.mutable_tenant_created();
  p->set_tenant_id(tenant);
  p->set_name(name);
  p->set_is_provider(is_provider);
  return e;
}

Envelope tier_changed(const std::string& tenant, int tier_level, const std::string& official_cluster) {
  auto e = base("operator");
  auto* p = e.mutable_tenant_billing_tier_changed();
  p->set_tenant_id(tenant);
  p->set_tier_level(tier_level);
  p->set_official_cluster_id(official_cluster);
  return e;
}

Envelope preferred_set(const std::string& tenant, const std::string& cluster) {
  auto e = base(tenant);
  auto* p = e.mutable_preferred_cluster_set();
  p->set_tenant_id(tenant);
  p->set_cluster_id(cluster);
  return e;
}

Envelope cluster_registered(const cluster_spec& c) {
  auto e = base(c.owner);
  auto* p = e.mutable_cluster_registered();
  p->set_cluster_id(c.id);
  p->set_name(c.name);
  p->set_display_name("Cluster " + c.name);
  p->set_owner_tenant_id(c.owner);
  p->set_api_server_url("https://api." + c.name + ".example:6443");
  p->set_cluster_type(c.type);
  p->set_platform(v1::PLATFORM_OPENSHIFT);
  p->set_region(c.region);
  p->set_environment(c.environment);
  for (const auto& [k, v] : c.labels) (*p->mutable_labels())[k] = v;
  if (c.with_observability) {
    p->mutable_endpoints()->set_prometheus_url("https://prometheus." + c.name + ".example");
    p->mutable_endpoints()->set_tempo_url("https://tempo." + c.name + ".example");
    p->mutable_endpoints()->set_loki_url("https://loki." + c.name + ".example");
  }
  p->mutable_geo()->set_latitude(c.lat);
  p->mutable_geo()->set_longitude(c.lon);
  p->mutable_geo()->set_country(c.country);
  p->mutable_geo()->set_city("City of " + c.name);
  p->set_cluster_class(c.cluster_class);
  p->mutable_capacity()->set_max_streams(100);
  p->mutable_capacity()->set_max_viewers(10'000);
  p->mutable_capacity()->set_max_bandwidth_mbps(10'000);
  p->set_domain(c.domain);
  return e;
}

Envelope cluster_deleted(const std::string& cluster, const std::string& owner) {
  auto e = base(owner);
  auto* p = e.mutable_cluster_deleted();
  p->set_cluster_id(cluster);
  p->set_reason("decommissioned");
  return e;
}

Envelope health_checked(const std::string& cluster, bool api_ok, bool prometheus_ok, bool tempo_ok, bool loki_ok) {
  auto e = base("prober");
  auto* p = e.mutable_cluster_health_checked();
  p->set_cluster_id(cluster);
  set_check(p->mutable_api_server(), api_ok);
  set_check(p->mutable_prometheus(), prometheus_ok);
  set_check(p->mutable_tempo(), tempo_ok);
  set_check(p->mutable_loki(), loki_ok);
  int score = 100 - (api_ok ? 0 : 50) - (prometheus_ok ? 0 : 20) - (tempo_ok ? 0 : 15) - (loki_ok ? 0 : 15);
  p->set_health_score(std::max(score, 0));
  const bool others = prometheus_ok && tempo_ok && loki_ok;
  p->set_state(!api_ok ? v1::CLUSTER_STATE_OFFLINE : others ? v1::CLUSTER_STATE_ONLINE : v1::CLUSTER_STATE_DEGRADED);
  p->set_connectivity(api_ok ? v1::CONNECTIVITY_CONNECTED : v1::CONNECTIVITY_DISCONNECTED);
  set_now(p->mutable_checked_at());
  return e;
}

Envelope capabilities_changed(const std::string& cluster, int gpu_count, const std::vector<std::string>& gpu_types,
                              const std::vector<v1::CnfType>& cnf_types) {
  auto e = base("prober");
  auto* p = e.mutable_cluster_capabilities_changed();
  p->set_cluster_id(cluster);
  p->set_has_gpu_nodes(gpu_count > 0);
  p->set_gpu_count(gpu_count);
  for (const auto& g : gpu_types) p->add_gpu_types(g);
  p->set_has_prometheus(true);
  p->set_has_loki(true);
  p->set_has_cnf_workloads(!cnf_types.empty());
  for (const auto c : cnf_types) p->add_cnf_types(c);
  return e;
}

Envelope credentials_stored(const std::string& cluster, const std::string& owner, const std::string& fingerprint,
                            const std::string& nonce, const std::string& ciphertext, const std::string& tag) {
  auto e = base(owner);
  auto* p = e.mutable_cluster_credentials_stored();
  p->set_cluster_id(cluster);
  p->set_auth_type(v1::AUTH_TYPE_KUBECONFIG);
  p->set_fingerprint(fingerprint);
  set_now(p->mutable_expires_at(), std::chrono::hours(24 * 90));
  auto* s = p->mutable_secret();
  s->set_algorithm("AES-256-GCM");
  s->set_data_key_id("dk-test-1");
  s->set_nonce(nonce);
  s->set_ciphertext(ciphertext);
  s->set_tag(tag);
  return e;
}

Envelope marketplace_updated(const std::string& cluster, const std::string& owner, const marketplace_spec& m) {
  auto e = base(owner);
  auto* p = e.mutable_cluster_marketplace_updated();
  p->set_cluster_id(cluster);
  p->set_visibility(m.visibility);
  p->set_pricing_model(m.pricing);
  p->set_monthly_price_cents(m.monthly_price_cents);
  p->set_currency("USD");
  if (m.pricing == v1::PRICING_MODEL_METERED) {
    p->set_metered_price_per_gb_egress_cents(2.5);
    p->set_metered_price_per_viewer_hour_cents(0.5);
  }
  p->set_required_tier_level(m.required_tier_level);
  p->set_requires_approval(m.requires_approval);
  p->set_short_description(m.description.empty() ? "cluster " + cluster : m.description);
  return e;
}

Envelope invite_created(const std::string& cluster, const std::string& owner, const std::string& invite_id,
                        const std::string& token_sha256, const std::optional<std::string>& target_tenant) {
  auto e = base(owner);
  auto* p = e.mutable_cluster_invite_created();
  p->set_cluster_id(cluster);
  p->set_invite_id(invite_id);
  p->set_token_sha256(token_sha256);
  if (target_tenant) p->set_target_tenant_id(*target_tenant);
  set_now(p->mutable_expires_at(), std::chrono::hours(24 * 30));
  p->set_max_uses(5);
  return e;
}

Envelope invite_revoked(const std::string& cluster, const std::string& owner, const std::string& invite_id) {
  auto e = base(owner);
  auto* p = e.mutable_cluster_invite_revoked();
  p->set_cluster_id(cluster);
  p->set_invite_id(invite_id);
  p->set_reason("leaked");
  return e;
}

Envelope subscription_requested(const std::string& cluster, const std::string& subscription, const std::string& tenant,
                                const std::optional<std::string>& invite_token_sha256) {
  auto e = base(tenant);
  auto* p = e.mutable_subscription_requested();
  p->set_cluster_id(cluster);
  p->set_subscription_id(subscription);
  p->set_tenant_id(tenant);
  if (invite_token_sha256) p->set_invite_token_sha256(*invite_token_sha256);
  return e;
}

Envelope subscription_approved(const std::string& cluster, const std::string& subscription, const std::string& by) {
  auto e = base(by);
  auto* p = e.mutable_subscription_approved();
  p->set_cluster_id(cluster);
  p->set_subscription_id(subscription);
  p->set_approved_by(by);
  return e;
}

Envelope subscription_rejected(const std::string& cluster, const std::string& subscription, const std::string& by) {
  auto e = base(by);
  auto* p = e.mutable_subscription_rejected();
  p->set_cluster_id(cluster);
  p->set_subscription_id(subscription);
  p->set_rejected_by(by);
  p->set_reason("capacity");
  return e;
}

Envelope subscription_suspended(const std::string& cluster, const std::string& subscription, const std::string& by) {
  auto e = base(by);
  auto* p = e.mutable_subscription_suspended();
  p->set_cluster_id(cluster);
  p->set_subscription_id(subscription);
  p->set_reason("unpaid");
  p->set_suspended_by(by);
  return e;
}

Envelope subscription_reinstated(const std::string& cluster, const std::string& subscription, const std::string& by) {
  auto e = base(by);
  auto* p = e.mutable_subscription_reinstated();
  p->set_cluster_id(cluster);
  p->set_subscription_id(subscription);
  p->set_reinstated_by(by);
  return e;
}

Envelope subscription_cancelled(const std::string& cluster, const std::string& subscription, const std::string& tenant) {
  auto e = base(tenant);
  auto* p = e.mutable_subscription_cancelled();
  p->set_cluster_id(cluster);
  p->set_subscription_id(subscription);
  p->set_tenant_id(tenant);
  p->set_reason("no longer needed");
  return e;
}

Envelope peering_activated(const std::string& cluster, const std::string& tenant, const std::string& stream) {
  auto e = base(tenant);
  auto* p = e.mutable_peering_activated();
  p->set_cluster_id(cluster);
  p->set_tenant_id(tenant);
  p->set_stream_name(stream);
  return e;
}

Envelope edge_summary(const std::string& cluster, const std::vector<edge_spec>& edges, int report_interval_seconds) {
  auto e = base("edge-reporter");
  auto* p = e.mutable_edge_summary_reported();
  p->set_cluster_id(cluster);
  set_now(p->mutable_reported_at());
  p->mutable_report_interval()->set_seconds(report_interval_seconds);
  for (const auto& s : edges) {
    auto* n = p->add_edges();
    n->set_node_id(s.node_id);
    n->set_base_url("https://" + s.node_id + ".edges.example");
    n->set_geo_lat(s.lat);
    n->set_geo_lon(s.lon);
    n->set_bw_available_bytes_per_sec(s.bw_available);
    n->set_bw_limit_bytes_per_sec(s.bw_limit);
    n->set_cpu_percent(s.cpu_percent);
    n->set_ram_used(s.ram_used);
    n->set_ram_max(s.ram_max);
    n->set_viewers(10);
    n->set_streams(2);
    n->add_roles("edge");
    n->set_draining(s.draining);
  }
  return e;
}

Envelope offering_published(const offering_spec& o) {
  auto e = base(o.provider);
  auto* p = e.mutable_offering_published();
  p->set_offering_id(o.id);
  p->set_provider_id(o.provider);
  p->set_offer_name(o.name);
  p->set_product_type(o.product_type);
  p->set_currency("EUR");
  p->set_monthly_price(o.monthly_price);
  p->set_visibility("public");
  p->set_stock_status("in_stock");
  p->set_billing_interval("monthly");
  p->set_datacenter_country(o.country);
  p->set_datacenter_city("Somewhere");
  p->set_description("test offering " + o.id);
  if (!o.omit_required) {
    const auto& t = o.product_type;
    if (t == "colocation") p->set_rack_units(4);
    if (t == "validator") p->set_blockchain("ethereum");
    if (t == "gpu") {
      p->set_gpu_model("A100");
      p->set_gpu_count(8);
    }
    if (t == "saas") p->set_software_name("grafana");
    if (t == "container") p->set_container_runtime("containerd");
    if (t == "object_storage") p->set_storage_class("standard");
    if (t == "nas") p->set_nas_protocol("nfs");
    if (t == "kubernetes") p->set_k8s_version("1.29");
  }
  return e;
}

std::string fake_sha256(const std::string& text) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  std::size_t h = std::hash<std::string>{}(text);
  for (int i = 0; i < 64; ++i) {
    if (i % 16 == 0) h = std::hash<std::string>{}(text + std::to_string(h) + std::to_string(i));
    out += hex[(h >> ((i % 16) * 4)) & 0xf];
  }
  return out;
}

}  // namespace fleetledger::testing::fleet_events

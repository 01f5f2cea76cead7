#include "support/sample_events.hpp"

#include <random>
#include <string>

#include "fleetledger/events/envelope.hpp"

namespace fleetledger::testing {
namespace {

using fleetledger::v1::Envelope;

class generator {
public:
  explicit generator(const sample_mix& mix) : mix_(mix), rng_(mix.seed) {}

  std::vector<Envelope> run(std::size_t count) {
    std::vector<Envelope> out;
    out.reserve(count);
    for (int t = 0; t < mix_.tenants && out.size() < count; ++t) out.push_back(tenant_created(t));
    for (int c = 0; c < mix_.clusters && out.size() < count; ++c) out.push_back(cluster_registered(c));
    for (int c = 0; c < mix_.clusters && out.size() < count; ++c) out.push_back(marketplace_updated(c));
    for (int t = 0; t < mix_.tenants && out.size() < count; ++t) out.push_back(tier_changed(t));
    while (out.size() < count) out.push_back(next_stream_event());
    return out;
  }

private:
  // Deterministic event ids shaped like the producers' (version-7 UUIDs): the event's millisecond,
  // then random bits from the seeded generator.
  std::string next_uuid(std::int64_t ms) {
    static constexpr char hex[] = "0123456789abcdef";
    const std::uint64_t hi = (static_cast<std::uint64_t>(ms) << 16) | 0x7000 | (rng_() & 0x0fff);
    const std::uint64_t lo = (rng_() & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;
    std::string s(36, '-');
    int nibble = 0;
    for (int i = 0; i < 36; ++i) {
      if (i == 8 || i == 13 || i == 18 || i == 23) continue;
      const std::uint64_t word = nibble < 16 ? hi : lo;
      s[i] = hex[(word >> (60 - 4 * (nibble % 16))) & 0xf];
      ++nibble;
    }
    return s;
  }

  Envelope base(const std::string& actor) {
    Envelope e;
    clock_ms_ += 1 + static_cast<std::int64_t>(rng_() % 50);
    e.set_event_id(next_uuid(clock_ms_));
    e.mutable_occurred_at()->set_seconds(clock_ms_ / 1000);
    e.mutable_occurred_at()->set_nanos(static_cast<int>(clock_ms_ % 1000) * 1'000'000);
    e.set_producer("sample");
    e.set_actor(actor);
    e.set_correlation_id(e.event_id());
    return e;
  }

  static std::string tenant(int t) { return "tenant-" + std::to_string(t); }
  static std::string cluster(int c) { return "cluster-" + std::to_string(c); }
  std::string owner_of(int c) const { return tenant(c % mix_.tenants); }
  int pick(int n) { return static_cast<int>(rng_() % static_cast<std::uint64_t>(n)); }

  Envelope tenant_created(int t) {
    auto e = base("operator");
    auto* p = e.mutable_tenant_created();
    p->set_tenant_id(tenant(t));
    p->set_name("Tenant " + std::to_string(t));
    p->set_is_provider(t % 5 == 0);
    if (t % 3 == 0) p->set_max_owned_clusters(3);
    return e;
  }

  Envelope cluster_registered(int c) {
    auto e = base(owner_of(c));
    auto* p = e.mutable_cluster_registered();
    p->set_cluster_id(cluster(c));
    p->set_name("edge-" + std::to_string(c));
    p->set_display_name("Cluster " + std::to_string(c));
    p->set_owner_tenant_id(owner_of(c));
    p->set_api_server_url("https://api.cluster-" + std::to_string(c) + ".example:6443");
    p->set_cluster_type(static_cast<fleetledger::v1::ClusterType>(1 + c % 4));
    p->set_platform(static_cast<fleetledger::v1::Platform>(1 + c % 5));
    p->set_region(c % 2 == 0 ? "eu-west" : "us-east");
    p->set_environment(static_cast<fleetledger::v1::Environment>(1 + c % 4));
    (*p->mutable_labels())["tier"] = c % 3 == 0 ? "gold" : "silver";
    p->mutable_endpoints()->set_prometheus_url("https://prom.cluster-" + std::to_string(c) + ".example");
    p->mutable_geo()->set_latitude(-60.0 + (c * 7919 % 12000) / 100.0);
    p->mutable_geo()->set_longitude(-170.0 + (c * 104729 % 34000) / 100.0);
    p->set_cluster_class(c % 10 == 0 ? fleetledger::v1::CLUSTER_CLASS_PLATFORM_OFFICIAL
                                     : fleetledger::v1::CLUSTER_CLASS_THIRD_PARTY_MARKETPLACE);
    p->mutable_capacity()->set_max_streams(100 + c);
    p->mutable_capacity()->set_max_viewers(10'000 + 10 * c);
    p->mutable_capacity()->set_max_bandwidth_mbps(10'000);
    return e;
  }

  Envelope marketplace_updated(int c) {
    auto e = base(owner_of(c));
    auto* p = e.mutable_cluster_marketplace_updated();
    p->set_cluster_id(cluster(c));
    p->set_visibility(static_cast<fleetledger::v1::Visibility>(1 + c % 3));
    p->set_pricing_model(static_cast<fleetledger::v1::PricingModel>(1 + c % 5));
    p->set_monthly_price_cents(1000 * (c % 7));
    p->set_currency("USD");
    p->set_required_tier_level(c % 4);
    p->set_requires_approval(c % 2 == 0);
    p->set_short_description("Sample cluster " + std::to_string(c));
    return e;
  }

  Envelope tier_changed(int t) {
    auto e = base("operator");
    auto* p = e.mutable_tenant_billing_tier_changed();
    p->set_tenant_id(tenant(t));
    p->set_tier_level(t % 6);
    p->set_official_cluster_id(cluster((t * 10) % mix_.clusters));
    return e;
  }

  Envelope edge_summary() {
    const int c = pick(mix_.clusters);
    auto e = base("edge-reporter");
    auto* p = e.mutable_edge_summary_reported();
    p->set_cluster_id(cluster(c));
    *p->mutable_reported_at() = e.occurred_at();
    p->mutable_report_interval()->set_seconds(15);
    for (int n = 0; n < mix_.edges_per_cluster; ++n) {
      auto* edge = p->add_edges();
      edge->set_node_id(cluster(c) + "-edge-" + std::to_string(n));
      edge->set_base_url("https://edge-" + std::to_string(n) + ".cluster-" + std::to_string(c) + ".example");
      edge->set_geo_lat(-50.0 + pick(100));
      edge->set_geo_lon(-150.0 + pick(300));
      edge->set_bw_limit_bytes_per_sec(1'250'000'000);
      edge->set_bw_available_bytes_per_sec(static_cast<std::uint64_t>(pick(1'250'000)) * 1000);
      edge->set_cpu_percent(pick(1000) / 10.0);
      edge->set_ram_max(std::uint64_t{32} << 30);
      edge->set_ram_used(static_cast<std::uint64_t>(pick(32 << 10)) << 20);
      edge->set_viewers(static_cast<std::uint32_t>(pick(500)));
      edge->set_streams(static_cast<std::uint32_t>(pick(20)));
      edge->add_roles("edge");
    }
    return e;
  }

  Envelope health_check() {
    const int c = pick(mix_.clusters);
    auto e = base("prober");
    auto* p = e.mutable_cluster_health_checked();
    p->set_cluster_id(cluster(c));
    const bool api_ok = pick(20) != 0;
    p->mutable_api_server()->set_status(api_ok ? fleetledger::v1::CHECK_STATUS_OK : fleetledger::v1::CHECK_STATUS_FAILED);
    p->mutable_prometheus()->set_status(pick(10) != 0 ? fleetledger::v1::CHECK_STATUS_OK : fleetledger::v1::CHECK_STATUS_FAILED);
    p->mutable_tempo()->set_status(fleetledger::v1::CHECK_STATUS_NOT_CONFIGURED);
    p->mutable_loki()->set_status(fleetledger::v1::CHECK_STATUS_NOT_CONFIGURED);
    p->set_health_score(api_ok ? 100 : 50);
    p->set_state(api_ok ? fleetledger::v1::CLUSTER_STATE_ONLINE : fleetledger::v1::CLUSTER_STATE_OFFLINE);
    *p->mutable_checked_at() = e.occurred_at();
    return e;
  }

  Envelope subscription_event() {
    const int c = pick(mix_.clusters);
    const int t = pick(mix_.tenants);
    const std::string sub = "sub-" + std::to_string(c) + "-" + std::to_string(t);
    switch (pick(6)) {
      case 0:
      case 1: {
        auto e = base(tenant(t));
        auto* p = e.mutable_subscription_requested();
        p->set_cluster_id(cluster(c));
        p->set_subscription_id(sub + "-" + std::to_string(next_sub_++));
        p->set_tenant_id(tenant(t));
        return e;
      }
      case 2: {
        // Approval by the owner (valid when a pending request exists) or, sometimes, by someone else.
        const bool rogue = mix_.include_rule_breakers && pick(4) == 0;
        const std::string by = rogue ? tenant((c + 1) % mix_.tenants) : owner_of(c);
        auto e = base(by);
        auto* p = e.mutable_subscription_approved();
        p->set_cluster_id(cluster(c));
        p->set_subscription_id(sub + "-" + std::to_string(pick(next_sub_ + 1)));
        p->set_approved_by(by);
        return e;
      }
      case 3: {
        auto e = base(tenant(t));
        auto* p = e.mutable_preferred_cluster_set();
        p->set_tenant_id(tenant(t));
        p->set_cluster_id(cluster(c));
        return e;
      }
      case 4: {
        auto e = base(owner_of(c));
        auto* p = e.mutable_peering_activated();
        p->set_cluster_id(cluster(c));
        p->set_tenant_id(tenant(t));
        p->set_stream_name("stream-" + std::to_string(pick(5)));
        return e;
      }
      default: {
        auto e = base(owner_of(c));
        auto* p = e.mutable_cluster_invite_created();
        p->set_cluster_id(cluster(c));
        p->set_invite_id("inv-" + std::to_string(next_sub_++));
        p->set_token_sha256(std::string(64, 'a' + static_cast<char>(pick(6))));
        p->set_max_uses(3);
        p->mutable_expires_at()->set_seconds(clock_ms_ / 1000 + 3600);
        return e;
      }
    }
  }

  Envelope offering_event() {
    const int provider = pick(mix_.tenants / 5 + 1) * 5;
    auto e = base(tenant(provider));
    auto* p = e.mutable_offering_published();
    p->set_provider_id(tenant(provider));
    p->set_offering_id("off-" + std::to_string(pick(500)));
    static const char* types[] = {"compute", "gpu", "colocation", "kubernetes", "object_storage"};
    const std::string type = types[pick(5)];
    p->set_product_type(type);
    p->set_offer_name("Offer " + type);
    p->set_currency("EUR");
    p->set_monthly_price(10.0 + pick(500));
    p->set_datacenter_country(pick(2) == 0 ? "DE" : "US");
    if (type == "gpu") {
      p->set_gpu_model("A100");
      p->set_gpu_count(1 + pick(8));
    } else if (type == "colocation") {
      p->set_rack_units(1 + pick(42));
    } else if (type == "kubernetes") {
      p->set_k8s_version("1.29");
    } else if (type == "object_storage") {
      p->set_storage_class("standard");
    }
    return e;
  }

  Envelope rule_breaker() {
    // A second registration of an existing name under a new id (refused by the name rule).
    const int c = pick(mix_.clusters);
    auto e = cluster_registered(c);
    e.mutable_cluster_registered()->set_cluster_id("dup-" + std::to_string(next_sub_++));
    return e;
  }

  Envelope next_stream_event() {
    const int r = pick(100);
    if (r < mix_.edge_summary_percent) return edge_summary();
    if (r < mix_.edge_summary_percent + mix_.health_check_percent) return health_check();
    const int rest = pick(10);
    if (rest < 6) return subscription_event();
    if (rest < 9 || !mix_.include_rule_breakers) return offering_event();
    return rule_breaker();
  }

  sample_mix mix_;
  std::mt19937_64 rng_;
  std::int64_t clock_ms_{1'790'000'000'000};  // 2026-09-21, then forward in small steps
  int next_sub_{0};
};

}  // namespace

std::vector<Envelope> make_sample_events(std::size_t count, const sample_mix& mix) {
  return generator(mix).run(count);
}

}  // namespace fleetledger::testing

#pragma once
// A marketplace view on a real RocksDB in a temp dir, fed through projections::applier, plus
// builders for the events the marketplace tests use. Times are explicit (t0 + offsets) so expected
// values can be computed by hand.
#include <chrono>
#include <cstdio>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <boost/json/serialize.hpp>
#include <catch2/catch.hpp>

#include "fleetledger/events/codec.hpp"
#include "fleetledger/events/envelope.hpp"
#include "fleetledger/events/timestamps.hpp"
#include "fleetledger/events/topic_catalogue.hpp"
#include "fleetledger/projections/applier.hpp"
#include "fleetledger/projections/key_codec.hpp"
#include "fleetledger/projections/marketplace/invites.hpp"
#include "fleetledger/projections/marketplace/listing.hpp"
#include "fleetledger/projections/marketplace/marketplace_view.hpp"
#include "fleetledger/projections/marketplace/network.hpp"
#include "fleetledger/projections/marketplace/offerings.hpp"
#include "fleetledger/projections/marketplace/rejections.hpp"
#include "fleetledger/projections/marketplace/subscriptions.hpp"
#include "fleetledger/projections/view_store.hpp"
#include "runtime_records.pb.h"
#include "support/temp_dir.hpp"
#include "support/view_feed.hpp"

namespace marketplace_test {

namespace fp = fleetledger::projections;
namespace fm = fleetledger::projections::marketplace;
namespace fe = fleetledger::events;
namespace v1 = fleetledger::v1;
using namespace std::chrono_literals;
using time_point = std::chrono::system_clock::time_point;

// 2025-01-01T00:00:00Z
inline const time_point t0 = time_point(std::chrono::seconds(1'735'689'600));

// Deterministic UUIDs so tests control the (occurred_at, event_id) order: uuid(1) < uuid(2) < ...
inline std::string uuid(int n) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "00000000-0000-4000-8000-%012d", n);
  return buf;
}

inline v1::Envelope envelope(time_point at, const std::string& actor = "operator", const std::string& event_id = {}) {
  auto e = fe::make_envelope({.producer = "test", .actor = actor}, at);
  if (!event_id.empty()) e.set_event_id(event_id);
  return e;
}

// ---- cluster topic ----
inline v1::Envelope registered(const std::string& id, const std::string& owner, time_point at,
                               v1::ClusterClass cls = v1::CLUSTER_CLASS_THIRD_PARTY_MARKETPLACE,
                               const std::string& event_id = {}) {
  auto e = envelope(at, owner, event_id);
  auto* r = e.mutable_cluster_registered();
  r->set_cluster_id(id);
  r->set_name(id + "-name");
  r->set_display_name("Cluster " + id);
  r->set_owner_tenant_id(owner);
  r->set_region("eu-west");
  r->set_cluster_class(cls);
  r->mutable_capacity()->set_max_streams(100);
  r->mutable_capacity()->set_max_viewers(1000);
  r->mutable_capacity()->set_max_bandwidth_mbps(10000);
  return e;
}

inline v1::Envelope private_cluster(const std::string& id, const std::string& owner, time_point at,
                                    const std::string& event_id = {}) {
  auto e = envelope(at, owner, event_id);
  auto* p = e.mutable_private_cluster_created();
  p->set_cluster_id(id);
  p->set_owner_tenant_id(owner);
  p->set_name(id + "-name");
  p->set_display_name("Private " + id);
  p->set_region("us-east");
  p->set_bootstrap_token_sha256(std::string(64, 'a'));
  return e;
}

inline v1::Envelope deleted(const std::string& id, time_point at) {
  auto e = envelope(at);
  e.mutable_cluster_deleted()->set_cluster_id(id);
  return e;
}

struct market_settings {
  v1::Visibility visibility{v1::VISIBILITY_PUBLIC};
  v1::PricingModel pricing{v1::PRICING_MODEL_FREE_UNMETERED};
  int tier{0};
  bool approval{false};
  std::int64_t monthly_price_cents{0};
};

inline v1::Envelope marketplace(const std::string& id, const market_settings& s, time_point at) {
  auto e = envelope(at);
  auto* m = e.mutable_cluster_marketplace_updated();
  m->set_cluster_id(id);
  m->set_visibility(s.visibility);
  m->set_pricing_model(s.pricing);
  m->set_required_tier_level(s.tier);
  m->set_requires_approval(s.approval);
  m->set_monthly_price_cents(s.monthly_price_cents);
  m->set_currency("EUR");
  m->set_short_description("a cluster");
  return e;
}

inline v1::Envelope invite(const std::string& cluster, const std::string& invite_id, const std::string& token,
                           time_point at, std::optional<time_point> expires = {}, int max_uses = 0,
                           std::optional<std::string> target = {}) {
  auto e = envelope(at);
  auto* i = e.mutable_cluster_invite_created();
  i->set_cluster_id(cluster);
  i->set_invite_id(invite_id);
  i->set_token_sha256(token);
  if (expires) *i->mutable_expires_at() = fe::to_timestamp(*expires);
  i->set_max_uses(max_uses);
  if (target) i->set_target_tenant_id(*target);
  return e;
}

inline v1::Envelope revoke(const std::string& cluster, const std::string& invite_id, time_point at) {
  auto e = envelope(at);
  auto* r = e.mutable_cluster_invite_revoked();
  r->set_cluster_id(cluster);
  r->set_invite_id(invite_id);
  r->set_reason("leaked");
  return e;
}

inline v1::Envelope request(const std::string& cluster, const std::string& sub, const std::string& tenant,
                            time_point at, std::optional<std::string> token = {}) {
  auto e = envelope(at, tenant);
  auto* r = e.mutable_subscription_requested();
  r->set_cluster_id(cluster);
  r->set_subscription_id(sub);
  r->set_tenant_id(tenant);
  if (token) r->set_invite_token_sha256(*token);
  return e;
}

inline v1::Envelope approve(const std::string& cluster, const std::string& sub, const std::string& by,
                            const std::string& actor, time_point at) {
  auto e = envelope(at, actor);
  auto* a = e.mutable_subscription_approved();
  a->set_cluster_id(cluster);
  a->set_subscription_id(sub);
  a->set_approved_by(by);
  return e;
}

inline v1::Envelope reject(const std::string& cluster, const std::string& sub, const std::string& by,
                           const std::string& actor, time_point at) {
  auto e = envelope(at, actor);
  auto* r = e.mutable_subscription_rejected();
  r->set_cluster_id(cluster);
  r->set_subscription_id(sub);
  r->set_rejected_by(by);
  r->set_reason("not now");
  return e;
}

inline v1::Envelope suspend(const std::string& cluster, const std::string& sub, time_point at) {
  auto e = envelope(at);
  auto* s = e.mutable_subscription_suspended();
  s->set_cluster_id(cluster);
  s->set_subscription_id(sub);
  s->set_reason("unpaid");
  return e;
}

inline v1::Envelope reinstate(const std::string& cluster, const std::string& sub, time_point at) {
  auto e = envelope(at);
  auto* r = e.mutable_subscription_reinstated();
  r->set_cluster_id(cluster);
  r->set_subscription_id(sub);
  return e;
}

inline v1::Envelope cancel(const std::string& cluster, const std::string& sub, const std::string& tenant,
                           time_point at) {
  auto e = envelope(at, tenant);
  auto* c = e.mutable_subscription_cancelled();
  c->set_cluster_id(cluster);
  c->set_subscription_id(sub);
  c->set_tenant_id(tenant);
  return e;
}

inline v1::Envelope peering(const std::string& cluster, const std::string& tenant, const std::string& stream,
                            bool active, time_point at) {
  auto e = envelope(at);
  if (active) {
    auto* p = e.mutable_peering_activated();
    p->set_cluster_id(cluster);
    p->set_tenant_id(tenant);
    p->set_stream_name(stream);
  } else {
    auto* p = e.mutable_peering_deactivated();
    p->set_cluster_id(cluster);
    p->set_tenant_id(tenant);
    p->set_stream_name(stream);
  }
  return e;
}

// ---- tenant topic ----
inline v1::Envelope tenant_created(const std::string& tenant, bool provider, std::optional<int> max_owned,
                                   time_point at) {
  auto e = envelope(at);
  auto* t = e.mutable_tenant_created();
  t->set_tenant_id(tenant);
  t->set_name("Tenant " + tenant);
  t->set_is_provider(provider);
  if (max_owned) t->set_max_owned_clusters(*max_owned);
  return e;
}

inline v1::Envelope tier(const std::string& tenant, int level, const std::string& official, time_point at) {
  auto e = envelope(at);
  auto* t = e.mutable_tenant_billing_tier_changed();
  t->set_tenant_id(tenant);
  t->set_tier_level(level);
  t->set_official_cluster_id(official);
  return e;
}

inline v1::Envelope prefer(const std::string& tenant, const std::string& cluster, time_point at) {
  auto e = envelope(at, tenant);
  auto* p = e.mutable_preferred_cluster_set();
  p->set_tenant_id(tenant);
  p->set_cluster_id(cluster);
  return e;
}

// ---- edge topic ----
struct edge_sample {
  std::uint64_t bw_available;
  std::uint64_t bw_limit;
  std::uint32_t viewers;
  std::uint32_t streams;
};

inline v1::Envelope edge_summary(const std::string& cluster, time_point reported_at, std::vector<edge_sample> edges) {
  auto e = envelope(reported_at, "edge-reporter");
  auto* s = e.mutable_edge_summary_reported();
  s->set_cluster_id(cluster);
  *s->mutable_reported_at() = fe::to_timestamp(reported_at);
  s->mutable_report_interval()->set_seconds(15);
  int n = 0;
  for (const auto& x : edges) {
    auto* node = s->add_edges();
    node->set_node_id(cluster + "-edge-" + std::to_string(++n));
    node->set_bw_available_bytes_per_sec(x.bw_available);
    node->set_bw_limit_bytes_per_sec(x.bw_limit);
    node->set_viewers(x.viewers);
    node->set_streams(x.streams);
    node->set_ram_max(1);
  }
  return e;
}

// ---- offering topic ----
inline v1::Envelope published(const std::string& provider, const std::string& id, const std::string& type,
                              double monthly_price, time_point at) {
  auto e = envelope(at, provider);
  auto* o = e.mutable_offering_published();
  o->set_offering_id(id);
  o->set_provider_id(provider);
  o->set_offer_name("Offer " + id);
  o->set_product_type(type);
  o->set_currency("EUR");
  o->set_monthly_price(monthly_price);
  o->set_datacenter_country("NL");
  return e;
}

struct outcome {
  fp::verdict what{fp::verdict::applied};
  std::string reason;
};

inline std::ostream& operator<<(std::ostream& os, const outcome& o) {
  return os << static_cast<int>(o.what) << " " << o.reason;
}

// The marketplace view fed through the real applier. Each event goes to its routed topic, on the
// partition the test names, at the next offset of that partition.
class harness : public fleetledger::testing::view_feed<fm::marketplace_view> {
public:
  harness() : view_feed(fe::cluster_topic) {}

  // Applies one event on its own and says what the view decided.
  outcome apply(const v1::Envelope& e, int partition = 0) {
    const auto before = store().counters();
    const auto dead_before = dead_letters().size();
    add(e, partition);
    flush();
    const auto after = store().counters();
    if (after.rejected > before.rejected) return {fp::verdict::rejected, rejection_reason(e.event_id())};
    if (after.dead_lettered > before.dead_lettered) {
      return {fp::verdict::malformed, dead_letters().size() > dead_before ? dead_letters().back() : std::string()};
    }
    if (after.ignored > before.ignored) return {fp::verdict::ignored, {}};
    return {fp::verdict::applied, {}};
  }

  [[nodiscard]] std::string rejection_reason(const std::string& event_id) const {
    std::string reason;
    for (const auto& r : rejection_records()) {
      if (r.event_id() == event_id) reason = r.reason();
    }
    return reason;
  }

  // Status of one subscription, or UNSPECIFIED when the view has none.
  [[nodiscard]] v1::SubscriptionStatus status(const std::string& cluster, const std::string& sub) const {
    auto subs = fm::list_subscriptions(reader(), cluster, {});
    if (!subs) return v1::SUBSCRIPTION_STATUS_UNSPECIFIED;
    for (const auto& s : *subs) {
      if (s.subscription_id == sub) return s.status;
    }
    return v1::SUBSCRIPTION_STATUS_UNSPECIFIED;
  }

};

inline bool applied(const outcome& o) { return o.what == fp::verdict::applied; }
inline bool rejected_with(const outcome& o, std::string_view code) {
  return o.what == fp::verdict::rejected && o.reason.starts_with(code);
}

// The ids of a listing, in order.
inline std::vector<std::string> ids(const std::vector<fm::listing_entry>& entries) {
  std::vector<std::string> out;
  for (const auto& e : entries) out.push_back(e.cluster_id);
  return out;
}

}  // namespace marketplace_test

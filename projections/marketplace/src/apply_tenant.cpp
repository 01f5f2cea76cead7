// Tenant facts: creation (provider flag, owned-cluster cap), billing tier and official cluster,
// preferred cluster. Nothing here looks at cluster keys: cross-key answers are derived at read time.
#include <string>

#include "apply.hpp"
#include "keys.hpp"
#include "state.hpp"

namespace fleetledger::projections::marketplace::detail {
namespace {

TenantRecord load_tenant(const state_reader& s, const std::string& id) {
  auto t = load<TenantRecord>(s, keys::tenant(id));
  if (t) return *t;
  TenantRecord fresh;
  fresh.set_tenant_id(id);
  return fresh;
}

apply_outcome missing_tenant_id(std::string_view event_type) {
  return apply_outcome::malformed("MISSING_TENANT_ID: " + std::string(event_type) + " without tenant_id");
}

}  // namespace

apply_outcome apply_tenant_created(state_txn& s, const Envelope& e) {
  const auto& ev = e.tenant_created();
  if (ev.tenant_id().empty()) return missing_tenant_id("TenantCreated");
  TenantRecord t = load_tenant(s, ev.tenant_id());
  if (t.created()) return apply_outcome::rejected("TENANT_ALREADY_EXISTS: tenant " + ev.tenant_id() + " already exists");
  if (ev.has_max_owned_clusters() && ev.max_owned_clusters() < 0) {
    return apply_outcome::rejected("INVALID_MAX_OWNED_CLUSTERS: " + std::to_string(ev.max_owned_clusters()) +
                                   " is negative");
  }
  t.set_created(true);
  t.set_name(ev.name());
  t.set_is_provider(ev.is_provider());
  if (ev.has_max_owned_clusters()) t.set_max_owned_clusters(ev.max_owned_clusters());
  store(s, keys::tenant(t.tenant_id()), t);
  return apply_outcome::applied();
}

apply_outcome apply_tier_changed(state_txn& s, const Envelope& e) {
  const auto& ev = e.tenant_billing_tier_changed();
  if (ev.tenant_id().empty()) return missing_tenant_id("TenantBillingTierChanged");
  if (ev.tier_level() < 0 || ev.tier_level() > 5) {
    return apply_outcome::rejected("INVALID_TIER_LEVEL: tier_level " + std::to_string(ev.tier_level()) +
                                   " is not in 0-5");
  }
  TenantRecord t = load_tenant(s, ev.tenant_id());
  t.set_has_tier(true);
  t.set_tier_level(ev.tier_level());
  // An empty official_cluster_id keeps the current official cluster (a tier-only change).
  if (!ev.official_cluster_id().empty()) t.set_official_cluster_id(ev.official_cluster_id());
  store(s, keys::tenant(t.tenant_id()), t);
  return apply_outcome::applied();
}

apply_outcome apply_preferred_cluster_set(state_txn& s, const Envelope& e) {
  const auto& ev = e.preferred_cluster_set();
  if (ev.tenant_id().empty()) return missing_tenant_id("PreferredClusterSet");
  TenantRecord t = load_tenant(s, ev.tenant_id());
  t.set_preferred_cluster_id(ev.cluster_id());  // empty clears the preference
  store(s, keys::tenant(t.tenant_id()), t);
  return apply_outcome::applied();
}

}  // namespace fleetledger::projections::marketplace::detail

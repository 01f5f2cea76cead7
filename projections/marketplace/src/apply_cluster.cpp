// Cluster facts (registration, private-cluster creation, updates, deletion) and marketplace settings.
#include <string>

#include "apply.hpp"
#include "keys.hpp"
#include "state.hpp"

namespace fleetledger::projections::marketplace::detail {
namespace {

using fleetledger::v1::ClusterClass;
using fleetledger::v1::Visibility;

apply_outcome missing_cluster_id(std::string_view event_type) {
  return apply_outcome::malformed("MISSING_CLUSTER_ID: " + std::string(event_type) + " without cluster_id");
}

// Keeps the cluster's ownership claim in step with its class and owner: a TENANT_PRIVATE cluster with
// an owner holds exactly one claim under that owner, dated by the event that made it so.
void sync_claim(state_txn& s, ClusterRecord& rec, const Envelope& e, const record_context& ctx,
                std::string_view event_type) {
  const bool should_claim =
      rec.cluster_class() == fleetledger::v1::CLUSTER_CLASS_TENANT_PRIVATE && !rec.owner_tenant_id().empty();
  if (!rec.claim_key().empty()) {
    if (should_claim && rec.claim_key().starts_with(keys::claims_of(rec.owner_tenant_id()))) return;
    s.erase(rec.claim_key());
    rec.clear_claim_key();
  }
  if (!should_claim) return;
  OwnershipClaim claim;
  claim.set_cluster_id(rec.cluster_id());
  claim.set_owner_tenant_id(rec.owner_tenant_id());
  *claim.mutable_occurred_at() = e.occurred_at();
  claim.set_event_id(e.event_id());
  claim.set_event_type(std::string(event_type));
  claim.set_actor(e.actor());
  claim.set_topic(ctx.source.topic.value());
  claim.set_partition(ctx.source.partition.value());
  claim.set_offset(ctx.at.value());
  const std::string key = keys::claim(rec.owner_tenant_id(), to_ns(e.occurred_at()), e.event_id());
  store(s, key, claim);
  rec.set_claim_key(key);
}

ClusterRecord new_cluster(const std::string& id, const Envelope& e) {
  ClusterRecord rec;
  rec.set_cluster_id(id);
  rec.set_visibility(fleetledger::v1::VISIBILITY_PRIVATE);  // never on the marketplace: unlisted to strangers
  *rec.mutable_registered_at() = e.occurred_at();
  return rec;
}

}  // namespace

cluster_lookup require_cluster(const state_reader& s, std::string_view cluster_id, bool reject_deleted) {
  cluster_lookup out;
  out.cluster = load<ClusterRecord>(s, keys::cluster(cluster_id));
  if (!out.cluster) {
    out.refusal = apply_outcome::rejected("CLUSTER_NOT_FOUND: cluster " + std::string(cluster_id) +
                                          " is not registered");
  } else if (reject_deleted && out.cluster->deleted()) {
    out.refusal = apply_outcome::rejected("CLUSTER_DELETED: cluster " + std::string(cluster_id) + " is deleted");
  }
  return out;
}

apply_outcome apply_cluster_registered(state_txn& s, const Envelope& e, const record_context& ctx) {
  const auto& ev = e.cluster_registered();
  if (ev.cluster_id().empty()) return missing_cluster_id("ClusterRegistered");
  if (s.get(keys::cluster(ev.cluster_id()))) {
    return apply_outcome::rejected("CLUSTER_ALREADY_EXISTS: cluster " + ev.cluster_id() + " is already registered");
  }
  ClusterRecord rec = new_cluster(ev.cluster_id(), e);
  rec.set_owner_tenant_id(ev.owner_tenant_id());
  rec.set_name(ev.name());
  rec.set_display_name(ev.display_name());
  rec.set_region(ev.region());
  rec.set_cluster_class(ev.cluster_class());
  rec.set_max_streams(ev.capacity().max_streams());
  rec.set_max_viewers(ev.capacity().max_viewers());
  rec.set_max_bandwidth_mbps(ev.capacity().max_bandwidth_mbps());
  rec.set_domain(ev.domain());
  sync_claim(s, rec, e, ctx, "ClusterRegistered");
  store(s, keys::cluster(rec.cluster_id()), rec);
  return apply_outcome::applied();
}

apply_outcome apply_private_cluster_created(state_txn& s, const Envelope& e, const record_context& ctx) {
  const auto& ev = e.private_cluster_created();
  if (ev.cluster_id().empty()) return missing_cluster_id("PrivateClusterCreated");
  if (ev.owner_tenant_id().empty()) {
    return apply_outcome::malformed("MISSING_OWNER: PrivateClusterCreated without owner_tenant_id");
  }
  if (s.get(keys::cluster(ev.cluster_id()))) {
    return apply_outcome::rejected("CLUSTER_ALREADY_EXISTS: cluster " + ev.cluster_id() + " is already registered");
  }
  ClusterRecord rec = new_cluster(ev.cluster_id(), e);
  rec.set_owner_tenant_id(ev.owner_tenant_id());
  rec.set_name(ev.name());
  rec.set_display_name(ev.display_name());
  rec.set_region(ev.region());
  rec.set_cluster_class(fleetledger::v1::CLUSTER_CLASS_TENANT_PRIVATE);
  sync_claim(s, rec, e, ctx, "PrivateClusterCreated");
  store(s, keys::cluster(rec.cluster_id()), rec);
  return apply_outcome::applied();
}

apply_outcome apply_cluster_updated(state_txn& s, const Envelope& e, const record_context& ctx) {
  const auto& u = e.cluster_updated();
  if (u.cluster_id().empty()) return missing_cluster_id("ClusterUpdated");
  auto found = require_cluster(s, u.cluster_id(), true);
  if (found.refusal) return *found.refusal;
  ClusterRecord& rec = *found.cluster;

  // An empty mask means "every field set to a non-default value here".
  const bool implicit = u.update_mask().paths_size() == 0;
  auto in_mask = [&](std::string_view path) {
    for (const auto& p : u.update_mask().paths()) {
      if (p == path) return true;
    }
    return false;
  };
  auto wants = [&](std::string_view path, bool is_set) { return implicit ? is_set : in_mask(path); };

  if (wants("display_name", !u.display_name().empty())) rec.set_display_name(u.display_name());
  if (wants("owner_tenant_id", !u.owner_tenant_id().empty())) rec.set_owner_tenant_id(u.owner_tenant_id());
  if (wants("region", !u.region().empty())) rec.set_region(u.region());
  if (wants("cluster_class", u.cluster_class() != 0)) rec.set_cluster_class(u.cluster_class());
  if (wants("domain", !u.domain().empty())) rec.set_domain(u.domain());
  const auto& cap = u.capacity();
  const bool whole_capacity = !implicit && in_mask("capacity");
  if (whole_capacity || wants("capacity.max_streams", cap.max_streams() != 0)) rec.set_max_streams(cap.max_streams());
  if (whole_capacity || wants("capacity.max_viewers", cap.max_viewers() != 0)) rec.set_max_viewers(cap.max_viewers());
  if (whole_capacity || wants("capacity.max_bandwidth_mbps", cap.max_bandwidth_mbps() != 0)) {
    rec.set_max_bandwidth_mbps(cap.max_bandwidth_mbps());
  }
  sync_claim(s, rec, e, ctx, "ClusterUpdated");
  store(s, keys::cluster(rec.cluster_id()), rec);
  return apply_outcome::applied();
}

apply_outcome apply_cluster_deleted(state_txn& s, const Envelope& e) {
  const auto& ev = e.cluster_deleted();
  if (ev.cluster_id().empty()) return missing_cluster_id("ClusterDeleted");
  auto found = require_cluster(s, ev.cluster_id(), true);
  if (found.refusal) return *found.refusal;
  // The ownership claim stays: deleted clusters are skipped when the cap is counted.
  found.cluster->set_deleted(true);
  store(s, keys::cluster(ev.cluster_id()), *found.cluster);
  return apply_outcome::applied();
}

apply_outcome apply_marketplace_updated(state_txn& s, const Envelope& e) {
  const auto& ev = e.cluster_marketplace_updated();
  if (ev.cluster_id().empty()) return missing_cluster_id("ClusterMarketplaceUpdated");
  auto found = require_cluster(s, ev.cluster_id(), true);
  if (found.refusal) return *found.refusal;
  if (ev.required_tier_level() < 0 || ev.required_tier_level() > 5) {
    return apply_outcome::rejected("INVALID_TIER_LEVEL: required_tier_level " +
                                   std::to_string(ev.required_tier_level()) + " is not in 0-5");
  }
  if (!fleetledger::v1::Visibility_IsValid(ev.visibility())) {
    return apply_outcome::rejected("INVALID_VISIBILITY: unknown visibility " + std::to_string(ev.visibility()));
  }
  if (!fleetledger::v1::PricingModel_IsValid(ev.pricing_model())) {
    return apply_outcome::rejected("INVALID_PRICING_MODEL: unknown pricing_model " +
                                   std::to_string(ev.pricing_model()));
  }
  if (ev.monthly_price_cents() < 0 || ev.metered_price_per_gb_egress_cents() < 0 ||
      ev.metered_price_per_viewer_hour_cents() < 0) {
    return apply_outcome::rejected("INVALID_PRICE: prices must not be negative");
  }
  ClusterRecord& rec = *found.cluster;
  rec.set_on_marketplace(true);
  // UNSPECIFIED visibility / pricing model keep the current value; every other setting is replaced.
  if (ev.visibility() != fleetledger::v1::VISIBILITY_UNSPECIFIED) rec.set_visibility(ev.visibility());
  if (ev.pricing_model() != fleetledger::v1::PRICING_MODEL_UNSPECIFIED) rec.set_pricing_model(ev.pricing_model());
  rec.set_monthly_price_cents(ev.monthly_price_cents());
  rec.set_currency(ev.currency());
  rec.set_metered_price_per_gb_egress_cents(ev.metered_price_per_gb_egress_cents());
  rec.set_metered_price_per_viewer_hour_cents(ev.metered_price_per_viewer_hour_cents());
  rec.set_required_tier_level(ev.required_tier_level());
  rec.set_requires_approval(ev.requires_approval());
  rec.set_short_description(ev.short_description());
  store(s, keys::cluster(rec.cluster_id()), rec);
  return apply_outcome::applied();
}

}  // namespace fleetledger::projections::marketplace::detail

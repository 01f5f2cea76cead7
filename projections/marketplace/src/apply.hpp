#pragma once
// The marketplace view's rules, one function per event family (called by marketplace_view::apply).
// Each is a pure function of the state and the event; decisions use the event's occurred_at.
#include <optional>
#include <string>
#include <string_view>

#include "fleetledger/projections/record_cache.hpp"
#include "fleetledger/projections/view.hpp"
#include "marketplace_records.pb.h"

namespace fleetledger::projections::marketplace::detail {

using fleetledger::v1::Envelope;

// Cluster facts and marketplace settings (apply_cluster.cpp).
apply_outcome apply_cluster_registered(state_txn& s, const Envelope& e, const record_context& ctx);
apply_outcome apply_private_cluster_created(state_txn& s, const Envelope& e, const record_context& ctx);
apply_outcome apply_cluster_updated(state_txn& s, const Envelope& e, const record_context& ctx);
apply_outcome apply_cluster_deleted(state_txn& s, const Envelope& e);
apply_outcome apply_marketplace_updated(state_txn& s, const Envelope& e);

// Invites (apply_invites.cpp).
apply_outcome apply_invite_created(state_txn& s, const Envelope& e);
apply_outcome apply_invite_revoked(state_txn& s, const Envelope& e);

// Subscription lifecycle (apply_subscriptions.cpp).
apply_outcome apply_subscription_requested(state_txn& s, const Envelope& e);
apply_outcome apply_subscription_approved(state_txn& s, const Envelope& e);
apply_outcome apply_subscription_rejected(state_txn& s, const Envelope& e);
apply_outcome apply_subscription_suspended(state_txn& s, const Envelope& e);
apply_outcome apply_subscription_reinstated(state_txn& s, const Envelope& e);
apply_outcome apply_subscription_cancelled(state_txn& s, const Envelope& e);

// Tenants (apply_tenant.cpp).
apply_outcome apply_tenant_created(state_txn& s, const Envelope& e);
apply_outcome apply_tier_changed(state_txn& s, const Envelope& e);
apply_outcome apply_preferred_cluster_set(state_txn& s, const Envelope& e);

// Edge utilisation and peering (apply_edges.cpp).
// Utilisation records go through the view's cache (the only reader and writer of those keys in apply).
apply_outcome apply_edge_summary(state_txn& s, const Envelope& e, record_cache<ClusterUtilisation>& utilisation);
apply_outcome apply_peering_activated(state_txn& s, const Envelope& e);
apply_outcome apply_peering_deactivated(state_txn& s, const Envelope& e);

// Offerings (apply_offerings.cpp).
apply_outcome apply_offering_published(state_txn& s, const Envelope& e);
apply_outcome apply_offering_updated(state_txn& s, const Envelope& e);
apply_outcome apply_offering_retired(state_txn& s, const Envelope& e);

// Shared by the cluster-topic rules: the cluster a per-cluster event refers to must exist and, for
// new facts (invites, requests, settings), not be deleted. Returns the refusal when it cannot be used.
struct cluster_lookup {
  std::optional<ClusterRecord> cluster;
  std::optional<apply_outcome> refusal;
};
[[nodiscard]] cluster_lookup require_cluster(const state_reader& s, std::string_view cluster_id,
                                             bool reject_deleted);

}  // namespace fleetledger::projections::marketplace::detail

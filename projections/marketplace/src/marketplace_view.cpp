#include <algorithm>
#include "fleetledger/projections/marketplace/marketplace_view.hpp"

#include "apply.hpp"
#include "fleetledger/events/topic_catalogue.hpp"

namespace fleetledger::projections::marketplace {

std::vector<std::string_view> marketplace_view::topics() const {
  return {events::cluster_topic, events::tenant_topic, events::edge_topic, events::offering_topic};
}

// The event types apply() folds (health, credentials and edge enrolment are the fleet and edges views' business).
bool marketplace_view::wants(std::string_view payload_type) const {
  static constexpr std::string_view folded[] = {
      "ClusterRegistered",
      "PrivateClusterCreated",
      "ClusterUpdated",
      "ClusterDeleted",
      "ClusterMarketplaceUpdated",
      "ClusterInviteCreated",
      "ClusterInviteRevoked",
      "SubscriptionRequested",
      "SubscriptionApproved",
      "SubscriptionRejected",
      "SubscriptionSuspended",
      "SubscriptionReinstated",
      "SubscriptionCancelled",
      "PeeringActivated",
      "PeeringDeactivated",
      "TenantCreated",
      "TenantBillingTierChanged",
      "PreferredClusterSet",
      "EdgeSummaryReported",
      "OfferingPublished",
      "OfferingUpdated",
      "OfferingRetired",
  };
  return std::find(std::begin(folded), std::end(folded), payload_type) != std::end(folded);
}

apply_outcome marketplace_view::apply(state_txn& s, const fleetledger::v1::Envelope& e, const record_context& ctx) {
  using P = fleetledger::v1::Envelope::PayloadCase;
  using namespace detail;
  switch (e.payload_case()) {
    // fleet.cluster.v1
    case P::kClusterRegistered: return apply_cluster_registered(s, e, ctx);
    case P::kPrivateClusterCreated: return apply_private_cluster_created(s, e, ctx);
    case P::kClusterUpdated: return apply_cluster_updated(s, e, ctx);
    case P::kClusterDeleted: return apply_cluster_deleted(s, e);
    case P::kClusterMarketplaceUpdated: return apply_marketplace_updated(s, e);
    case P::kClusterInviteCreated: return apply_invite_created(s, e);
    case P::kClusterInviteRevoked: return apply_invite_revoked(s, e);
    case P::kSubscriptionRequested: return apply_subscription_requested(s, e);
    case P::kSubscriptionApproved: return apply_subscription_approved(s, e);
    case P::kSubscriptionRejected: return apply_subscription_rejected(s, e);
    case P::kSubscriptionSuspended: return apply_subscription_suspended(s, e);
    case P::kSubscriptionReinstated: return apply_subscription_reinstated(s, e);
    case P::kSubscriptionCancelled: return apply_subscription_cancelled(s, e);
    case P::kPeeringActivated: return apply_peering_activated(s, e);
    case P::kPeeringDeactivated: return apply_peering_deactivated(s, e);
    // fleet.tenant.v1
    case P::kTenantCreated: return apply_tenant_created(s, e);
    case P::kTenantBillingTierChanged: return apply_tier_changed(s, e);
    case P::kPreferredClusterSet: return apply_preferred_cluster_set(s, e);
    // fleet.edge.v1
    case P::kEdgeSummaryReported: return apply_edge_summary(s, e, *utilisation_);
    // fleet.offering.v1
    case P::kOfferingPublished: return apply_offering_published(s, e);
    case P::kOfferingUpdated: return apply_offering_updated(s, e);
    case P::kOfferingRetired: return apply_offering_retired(s, e);
    case P::PAYLOAD_NOT_SET: return apply_outcome::malformed("MISSING_PAYLOAD: envelope carries no event");
    default: return apply_outcome::ignored();  // health, capabilities, credentials, enrolment...
  }
}

marketplace_view::marketplace_view()
    : utilisation_(std::make_unique<record_cache<ClusterUtilisation>>(100'000)) {}
marketplace_view::~marketplace_view() = default;

void marketplace_view::flush(state_txn& state) { utilisation_->flush(state); }

void marketplace_view::discard() { utilisation_->clear(); }

}  // namespace fleetledger::projections::marketplace

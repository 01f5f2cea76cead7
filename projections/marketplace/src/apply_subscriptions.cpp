// Subscription lifecycle, per cluster in partition order (DESIGN.md section 4):
//   requested -> ACTIVE | PENDING_APPROVAL (cluster requires approval)
//   PENDING_APPROVAL -> ACTIVE (approved by the owner) | REJECTED (rejected by the owner)
//   ACTIVE -> SUSPENDED -> ACTIVE (reinstated)
//   PENDING_APPROVAL | ACTIVE | SUSPENDED -> CANCELLED (by the subscribing tenant)
#include <string>

#include "apply.hpp"
#include "json_util.hpp"
#include "keys.hpp"
#include "state.hpp"

namespace fleetledger::projections::marketplace::detail {
namespace {

using fleetledger::v1::SubscriptionStatus;
constexpr auto pending = fleetledger::v1::SUBSCRIPTION_STATUS_PENDING_APPROVAL;
constexpr auto active = fleetledger::v1::SUBSCRIPTION_STATUS_ACTIVE;
constexpr auto rejected = fleetledger::v1::SUBSCRIPTION_STATUS_REJECTED;
constexpr auto suspended = fleetledger::v1::SUBSCRIPTION_STATUS_SUSPENDED;
constexpr auto cancelled = fleetledger::v1::SUBSCRIPTION_STATUS_CANCELLED;

// Statuses that hold the tenant's place on the cluster: a new request is refused while one exists.
bool holds_place(SubscriptionStatus s) { return s == pending || s == active || s == suspended; }

apply_outcome invalid_transition(SubscriptionStatus from, SubscriptionStatus to) {
  return apply_outcome::rejected("INVALID_TRANSITION: " + name_of(from) + " -> " + name_of(to));
}

// A subscription event's target, loaded and checked for the fields every lifecycle event needs.
struct target {
  std::optional<apply_outcome> refusal;
  ClusterRecord cluster;
  SubscriptionRecord sub;
};

target load_target(const state_reader& s, const std::string& cluster_id, const std::string& subscription_id,
                   std::string_view event_type, bool reject_deleted_cluster) {
  target t;
  if (cluster_id.empty()) {
    t.refusal = apply_outcome::malformed("MISSING_CLUSTER_ID: " + std::string(event_type) + " without cluster_id");
    return t;
  }
  if (subscription_id.empty()) {
    t.refusal = apply_outcome::malformed("MISSING_SUBSCRIPTION_ID: " + std::string(event_type) +
                                         " without subscription_id");
    return t;
  }
  auto found = require_cluster(s, cluster_id, reject_deleted_cluster);
  if (found.refusal) {
    t.refusal = found.refusal;
    return t;
  }
  t.cluster = *found.cluster;
  auto sub = load<SubscriptionRecord>(s, keys::subscription(cluster_id, subscription_id));
  if (!sub) {
    t.refusal = apply_outcome::rejected("SUBSCRIPTION_NOT_FOUND: subscription " + subscription_id + " of cluster " +
                                        cluster_id);
    return t;
  }
  t.sub = std::move(*sub);
  return t;
}

// Only the owner decides: the named approver must be the owner, and so must the envelope's actor.
std::optional<apply_outcome> check_owner(const ClusterRecord& cluster, const std::string& named,
                                         std::string_view field, const std::string& actor) {
  const std::string& owner = cluster.owner_tenant_id();
  if (owner.empty()) {
    return apply_outcome::rejected("NOT_OWNER: cluster " + cluster.cluster_id() + " has no owner");
  }
  if (named != owner) {
    return apply_outcome::rejected("NOT_OWNER: " + std::string(field) + " '" + named + "' is not the owner " + owner +
                                   " of cluster " + cluster.cluster_id());
  }
  if (actor != owner) {
    return apply_outcome::rejected("NOT_OWNER: actor '" + actor + "' is not the owner " + owner + " of cluster " +
                                   cluster.cluster_id());
  }
  return std::nullopt;
}

// Stores the subscription with its new status and keeps the tenant's index in step.
apply_outcome save(state_txn& s, SubscriptionRecord& sub, SubscriptionStatus status, const Envelope& e) {
  sub.set_status(status);
  *sub.mutable_updated_at() = e.occurred_at();
  store(s, keys::subscription(sub.cluster_id(), sub.subscription_id()), sub);
  const std::string ref_key = keys::tenant_subscription(sub.tenant_id(), sub.cluster_id());
  auto ref = load<TenantSubscriptionRef>(s, ref_key);
  if (!ref || ref->subscription_id() == sub.subscription_id()) {
    TenantSubscriptionRef r;
    r.set_subscription_id(sub.subscription_id());
    r.set_status(status);
    store(s, ref_key, r);
  }
  return apply_outcome::applied();
}

// A PRIVATE cluster admits a request only through a valid invite; returns the invite to consume.
struct invite_check {
  std::optional<apply_outcome> refusal;
  std::optional<InviteRecord> invite;
};

invite_check check_invite(const state_reader& s, const fleetledger::v1::SubscriptionRequested& req,
                          const Envelope& e) {
  invite_check out;
  if (!req.has_invite_token_sha256() || req.invite_token_sha256().empty()) {
    out.refusal = apply_outcome::rejected("INVITE_REQUIRED: cluster " + req.cluster_id() + " is PRIVATE");
    return out;
  }
  auto invite_id = s.get(keys::invite_token(req.cluster_id(), to_lower(req.invite_token_sha256())));
  std::optional<InviteRecord> inv;
  if (invite_id) inv = load<InviteRecord>(s, keys::invite(req.cluster_id(), *invite_id));
  if (!inv) {
    out.refusal = apply_outcome::rejected("INVITE_NOT_FOUND: no invite of cluster " + req.cluster_id() +
                                          " has this token");
    return out;
  }
  const std::string& id = inv->invite_id();
  if (inv->revoked()) {
    out.refusal = apply_outcome::rejected("INVITE_REVOKED: invite " + id + " was revoked");
  } else if (inv->has_expires_at() && to_ns(e.occurred_at()) > to_ns(inv->expires_at())) {
    out.refusal = apply_outcome::rejected("INVITE_EXPIRED: invite " + id + " expired at " +
                                          rfc3339(to_time_point(inv->expires_at())));
  } else if (inv->has_target_tenant_id() && inv->target_tenant_id() != req.tenant_id()) {
    out.refusal = apply_outcome::rejected("INVITE_WRONG_TENANT: invite " + id + " is for another tenant");
  } else if (inv->max_uses() > 0 && inv->uses() >= inv->max_uses()) {
    out.refusal = apply_outcome::rejected("INVITE_EXHAUSTED: invite " + id + " has been used " +
                                          std::to_string(inv->uses()) + " of " + std::to_string(inv->max_uses()) +
                                          " times");
  } else {
    out.invite = std::move(inv);
  }
  return out;
}

}  // namespace

apply_outcome apply_subscription_requested(state_txn& s, const Envelope& e) {
  const auto& req = e.subscription_requested();
  if (req.cluster_id().empty()) return apply_outcome::malformed("MISSING_CLUSTER_ID: SubscriptionRequested without cluster_id");
  if (req.subscription_id().empty()) {
    return apply_outcome::malformed("MISSING_SUBSCRIPTION_ID: SubscriptionRequested without subscription_id");
  }
  if (req.tenant_id().empty()) return apply_outcome::malformed("MISSING_TENANT_ID: SubscriptionRequested without tenant_id");
  auto found = require_cluster(s, req.cluster_id(), true);
  if (found.refusal) return *found.refusal;
  const ClusterRecord& cluster = *found.cluster;

  const std::string key = keys::subscription(req.cluster_id(), req.subscription_id());
  if (s.get(key)) {
    return apply_outcome::rejected("DUPLICATE_SUBSCRIPTION: subscription " + req.subscription_id() + " already exists");
  }
  if (auto ref = load<TenantSubscriptionRef>(s, keys::tenant_subscription(req.tenant_id(), req.cluster_id()));
      ref && holds_place(ref->status())) {
    return apply_outcome::rejected("ALREADY_SUBSCRIBED: tenant " + req.tenant_id() + " has subscription " +
                                   ref->subscription_id() + " (" + name_of(ref->status()) + ") to cluster " +
                                   req.cluster_id());
  }

  // PRIVATE needs an invite, except for the owner; UNLISTED and PUBLIC need none (a token sent with
  // them is not consumed). Tier is never checked here: it lives on the tenant's key.
  std::optional<InviteRecord> invite;
  const bool is_owner = req.tenant_id() == cluster.owner_tenant_id();
  if (cluster.visibility() == fleetledger::v1::VISIBILITY_PRIVATE && !is_owner) {
    auto check = check_invite(s, req, e);
    if (check.refusal) return *check.refusal;
    invite = std::move(check.invite);
  }

  SubscriptionRecord sub;
  sub.set_subscription_id(req.subscription_id());
  sub.set_cluster_id(req.cluster_id());
  sub.set_tenant_id(req.tenant_id());
  *sub.mutable_requested_at() = e.occurred_at();
  if (invite) {
    invite->set_uses(invite->uses() + 1);
    store(s, keys::invite(invite->cluster_id(), invite->invite_id()), *invite);
    sub.set_invite_id(invite->invite_id());
  }
  return save(s, sub, cluster.requires_approval() ? pending : active, e);
}

apply_outcome apply_subscription_approved(state_txn& s, const Envelope& e) {
  const auto& ev = e.subscription_approved();
  auto t = load_target(s, ev.cluster_id(), ev.subscription_id(), "SubscriptionApproved", true);
  if (t.refusal) return *t.refusal;
  if (auto no = check_owner(t.cluster, ev.approved_by(), "approved_by", e.actor())) return *no;
  if (t.sub.status() != pending) return invalid_transition(t.sub.status(), active);
  t.sub.set_approved_by(ev.approved_by());
  return save(s, t.sub, active, e);
}

apply_outcome apply_subscription_rejected(state_txn& s, const Envelope& e) {
  const auto& ev = e.subscription_rejected();
  auto t = load_target(s, ev.cluster_id(), ev.subscription_id(), "SubscriptionRejected", false);
  if (t.refusal) return *t.refusal;
  if (auto no = check_owner(t.cluster, ev.rejected_by(), "rejected_by", e.actor())) return *no;
  if (t.sub.status() != pending) return invalid_transition(t.sub.status(), rejected);
  t.sub.set_reason(ev.reason());
  return save(s, t.sub, rejected, e);
}

apply_outcome apply_subscription_suspended(state_txn& s, const Envelope& e) {
  const auto& ev = e.subscription_suspended();
  auto t = load_target(s, ev.cluster_id(), ev.subscription_id(), "SubscriptionSuspended", false);
  if (t.refusal) return *t.refusal;
  if (t.sub.status() != active) return invalid_transition(t.sub.status(), suspended);
  t.sub.set_reason(ev.reason());
  return save(s, t.sub, suspended, e);
}

apply_outcome apply_subscription_reinstated(state_txn& s, const Envelope& e) {
  const auto& ev = e.subscription_reinstated();
  auto t = load_target(s, ev.cluster_id(), ev.subscription_id(), "SubscriptionReinstated", true);
  if (t.refusal) return *t.refusal;
  if (t.sub.status() != suspended) return invalid_transition(t.sub.status(), active);
  t.sub.clear_reason();
  return save(s, t.sub, active, e);
}

apply_outcome apply_subscription_cancelled(state_txn& s, const Envelope& e) {
  const auto& ev = e.subscription_cancelled();
  auto t = load_target(s, ev.cluster_id(), ev.subscription_id(), "SubscriptionCancelled", false);
  if (t.refusal) return *t.refusal;
  if (ev.tenant_id() != t.sub.tenant_id()) {
    return apply_outcome::rejected("NOT_SUBSCRIBER: tenant '" + ev.tenant_id() + "' does not hold subscription " +
                                   t.sub.subscription_id());
  }
  if (!holds_place(t.sub.status())) return invalid_transition(t.sub.status(), cancelled);
  t.sub.set_reason(ev.reason());
  return save(s, t.sub, cancelled, e);
}

}  // namespace fleetledger::projections::marketplace::detail

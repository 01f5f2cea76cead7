// Cluster invites: creation and revocation. Their use is part of a subscription request.
#include <string>

#include "apply.hpp"
#include "keys.hpp"
#include "state.hpp"

namespace fleetledger::projections::marketplace::detail {

apply_outcome apply_invite_created(state_txn& s, const Envelope& e) {
  const auto& ev = e.cluster_invite_created();
  if (ev.cluster_id().empty()) return apply_outcome::malformed("MISSING_CLUSTER_ID: ClusterInviteCreated without cluster_id");
  if (ev.invite_id().empty()) return apply_outcome::malformed("MISSING_INVITE_ID: ClusterInviteCreated without invite_id");
  if (ev.token_sha256().empty()) {
    return apply_outcome::malformed("MISSING_TOKEN_HASH: ClusterInviteCreated without token_sha256");
  }
  auto found = require_cluster(s, ev.cluster_id(), true);
  if (found.refusal) return *found.refusal;
  if (ev.max_uses() < 0) {
    return apply_outcome::rejected("INVALID_MAX_USES: max_uses " + std::to_string(ev.max_uses()) + " is negative");
  }
  const std::string key = keys::invite(ev.cluster_id(), ev.invite_id());
  if (s.get(key)) return apply_outcome::rejected("DUPLICATE_INVITE: invite " + ev.invite_id() + " already exists");
  const std::string token = to_lower(ev.token_sha256());
  const std::string token_key = keys::invite_token(ev.cluster_id(), token);
  if (s.get(token_key)) {
    return apply_outcome::rejected("DUPLICATE_INVITE_TOKEN: another invite of cluster " + ev.cluster_id() +
                                   " has the same token hash");
  }

  InviteRecord inv;
  inv.set_invite_id(ev.invite_id());
  inv.set_cluster_id(ev.cluster_id());
  inv.set_token_sha256(token);
  if (ev.has_target_tenant_id() && !ev.target_tenant_id().empty()) inv.set_target_tenant_id(ev.target_tenant_id());
  if (ev.has_expires_at()) *inv.mutable_expires_at() = ev.expires_at();
  inv.set_max_uses(ev.max_uses());
  *inv.mutable_created_at() = e.occurred_at();
  store(s, key, inv);
  s.put(token_key, inv.invite_id());
  if (inv.has_target_tenant_id()) s.put(keys::targeted_invite(inv.target_tenant_id(), ev.cluster_id(), ev.invite_id()), "");
  return apply_outcome::applied();
}

apply_outcome apply_invite_revoked(state_txn& s, const Envelope& e) {
  const auto& ev = e.cluster_invite_revoked();
  if (ev.cluster_id().empty()) return apply_outcome::malformed("MISSING_CLUSTER_ID: ClusterInviteRevoked without cluster_id");
  if (ev.invite_id().empty()) return apply_outcome::malformed("MISSING_INVITE_ID: ClusterInviteRevoked without invite_id");
  auto found = require_cluster(s, ev.cluster_id(), false);
  if (found.refusal) return *found.refusal;
  const std::string key = keys::invite(ev.cluster_id(), ev.invite_id());
  auto inv = load<InviteRecord>(s, key);
  if (!inv) return apply_outcome::rejected("INVITE_NOT_FOUND: invite " + ev.invite_id() + " of cluster " + ev.cluster_id());
  if (inv->revoked()) return apply_outcome::rejected("INVITE_ALREADY_REVOKED: invite " + ev.invite_id());
  inv->set_revoked(true);
  *inv->mutable_revoked_at() = e.occurred_at();
  inv->set_revoke_reason(ev.reason());
  store(s, key, *inv);
  // A revoked invite no longer lists the cluster to its target.
  if (inv->has_target_tenant_id()) s.erase(keys::targeted_invite(inv->target_tenant_id(), ev.cluster_id(), ev.invite_id()));
  return apply_outcome::applied();
}

}  // namespace fleetledger::projections::marketplace::detail

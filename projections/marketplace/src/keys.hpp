#pragma once
// Key layout of the marketplace view's state (default column family). Values are the messages of
// marketplace_records.proto. Per-cluster keys are written only by events of that cluster (one
// partition), per-tenant keys only by events of that tenant, so no key depends on interleaving.
//   cl\x1f<cluster>                      ClusterRecord
//   claim\x1f<owner>\x1f<ns><event_id>    OwnershipClaim (private cluster vs the owner's cap)
//   sub\x1f<cluster>\x1f<subscription>    SubscriptionRecord
//   ts\x1f<tenant>\x1f<cluster>           TenantSubscriptionRef (latest subscription of tenant to cluster)
//   inv\x1f<cluster>\x1f<invite>          InviteRecord
//   itok\x1f<cluster>\x1f<token_sha256>   invite_id
//   tinv\x1f<tenant>\x1f<cluster>\x1f<invite>  "" (invite targeted at tenant)
//   peer\x1f<cluster>\x1f<tenant>\x1f<stream>  "" (active peering)
//   tn\x1f<tenant>                       TenantRecord
//   util\x1f<cluster>                    ClusterUtilisation
//   off\x1f<provider>\x1f<offering>       OfferingRecord
//   rejection\x1f...                     written by the common runtime (applier.hpp)
#include <cstdint>
#include <string>
#include <string_view>

#include "fleetledger/projections/key_codec.hpp"

namespace fleetledger::projections::marketplace::keys {

inline std::string cluster(std::string_view id) { return join_key("cl", id); }
inline std::string cluster_prefix() { return join_key("cl", ""); }

inline std::string claim_prefix() { return join_key("claim", ""); }
inline std::string claims_of(std::string_view owner) { return join_key("claim", owner, ""); }
inline std::string claim(std::string_view owner, std::int64_t occurred_at_ns, std::string_view event_id) {
  std::string k = claims_of(owner);
  append_ordered_i64(k, occurred_at_ns);
  k += event_id;
  return k;
}

inline std::string subscription(std::string_view cluster_id, std::string_view subscription_id) {
  return join_key("sub", cluster_id, subscription_id);
}
inline std::string subscriptions_of(std::string_view cluster_id) { return join_key("sub", cluster_id, ""); }

inline std::string tenant_subscription(std::string_view tenant, std::string_view cluster_id) {
  return join_key("ts", tenant, cluster_id);
}
inline std::string tenant_subscriptions_of(std::string_view tenant) { return join_key("ts", tenant, ""); }

inline std::string invite(std::string_view cluster_id, std::string_view invite_id) {
  return join_key("inv", cluster_id, invite_id);
}
inline std::string invites_of(std::string_view cluster_id) { return join_key("inv", cluster_id, ""); }
inline std::string invite_token(std::string_view cluster_id, std::string_view token_sha256) {
  return join_key("itok", cluster_id, token_sha256);
}
inline std::string targeted_invite(std::string_view tenant, std::string_view cluster_id,
                                   std::string_view invite_id) {
  return join_key("tinv", tenant, cluster_id, invite_id);
}
inline std::string targeted_invites_of(std::string_view tenant) { return join_key("tinv", tenant, ""); }

inline std::string peering(std::string_view cluster_id, std::string_view tenant, std::string_view stream) {
  return join_key("peer", cluster_id, tenant, stream);
}
inline std::string peerings_of(std::string_view cluster_id, std::string_view tenant) {
  return join_key("peer", cluster_id, tenant, "");
}

inline std::string tenant(std::string_view id) { return join_key("tn", id); }
inline std::string utilisation(std::string_view cluster_id) { return join_key("util", cluster_id); }

inline std::string offering(std::string_view provider, std::string_view offering_id) {
  return join_key("off", provider, offering_id);
}
inline std::string offering_prefix() { return join_key("off", ""); }

// The index-th \x1f-separated segment of a key (segment("ts\x1ft1\x1fc1", 2) == "c1").
inline std::string_view segment(std::string_view key, std::size_t index) {
  for (std::size_t i = 0; i < index; ++i) {
    const auto p = key.find(key_sep);
    if (p == std::string_view::npos) return {};
    key.remove_prefix(p + 1);
  }
  return key.substr(0, key.find(key_sep));
}

}  // namespace fleetledger::projections::marketplace::keys

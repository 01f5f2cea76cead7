#include "ownership.hpp"

#include "keys.hpp"
#include "state.hpp"

namespace fleetledger::projections::marketplace::detail {

std::optional<std::int64_t> owned_cluster_cap(const std::optional<TenantRecord>& tenant) {
  if (!tenant || !tenant->created()) return 1;
  if (tenant->is_provider()) return std::nullopt;
  return tenant->has_max_owned_clusters() ? tenant->max_owned_clusters() : 1;
}

std::vector<over_cap_claim> ownership::over_cap_claims(std::string_view owner) const {
  std::vector<over_cap_claim> out;
  const auto cap = owned_cluster_cap(load<TenantRecord>(state_, keys::tenant(owner)));
  if (!cap) return out;
  std::int64_t live = 0;
  state_.scan(keys::claims_of(owner), [&](std::string_view key, std::string_view value) {
    OwnershipClaim claim;
    if (!claim.ParseFromArray(value.data(), static_cast<int>(value.size()))) return true;
    auto cluster = load<ClusterRecord>(state_, keys::cluster(claim.cluster_id()));
    // Count only claims their cluster still holds, and only while the cluster is not deleted.
    if (!cluster || cluster->deleted() || cluster->claim_key() != key) return true;
    if (live < *cap) {
      ++live;
    } else {
      out.push_back({std::move(claim), *cap});
    }
    return true;
  });
  return out;
}

bool ownership::is_live(const ClusterRecord& cluster) {
  if (cluster.claim_key().empty()) return true;
  const std::string& owner = cluster.owner_tenant_id();
  auto it = over_cap_by_owner_.find(owner);
  if (it == over_cap_by_owner_.end()) {
    std::set<std::string> ids;
    for (auto& c : over_cap_claims(owner)) ids.insert(c.claim.cluster_id());
    it = over_cap_by_owner_.emplace(owner, std::move(ids)).first;
  }
  return !it->second.contains(cluster.cluster_id());
}

std::vector<std::string> ownership::owners() const {
  std::vector<std::string> out;
  state_.scan(keys::claim_prefix(), [&](std::string_view key, std::string_view) {
    std::string owner(keys::segment(key, 1));
    if (out.empty() || out.back() != owner) out.push_back(std::move(owner));
    return true;
  });
  return out;
}

}  // namespace fleetledger::projections::marketplace::detail

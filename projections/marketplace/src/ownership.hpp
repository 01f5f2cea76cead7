#pragma once
// The owned-cluster cap, decided at read time (tenant facts and clusters live on different topics):
// a non-provider tenant owns at most max_owned_clusters TENANT_PRIVATE clusters (unset: 1; no
// TenantCreated yet: non-provider with cap 1); providers have no cap. The owner's claims are taken in
// (occurred_at, event_id) order, deleted clusters skipped; those beyond the cap are not live.
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "fleetledger/projections/view.hpp"
#include "marketplace_records.pb.h"

namespace fleetledger::projections::marketplace::detail {

// nullopt: no cap (a provider).
[[nodiscard]] std::optional<std::int64_t> owned_cluster_cap(const std::optional<TenantRecord>& tenant);

struct over_cap_claim {
  OwnershipClaim claim;
  std::int64_t cap{0};
};

class ownership {
public:
  explicit ownership(const state_reader& state) : state_(state) {}

  // A cluster is live unless it is a private cluster beyond its owner's cap.
  [[nodiscard]] bool is_live(const ClusterRecord& cluster);
  // The owner's non-deleted claims beyond the cap, in claim order.
  [[nodiscard]] std::vector<over_cap_claim> over_cap_claims(std::string_view owner) const;
  // Every owner that holds at least one claim.
  [[nodiscard]] std::vector<std::string> owners() const;

private:
  const state_reader& state_;
  std::map<std::string, std::set<std::string>, std::less<>> over_cap_by_owner_;  // cache per owner
};

}  // namespace fleetledger::projections::marketplace::detail

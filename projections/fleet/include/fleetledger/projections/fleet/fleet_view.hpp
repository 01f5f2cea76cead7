#pragma once
// The fleet view: clusters by id and name with health, status history, capabilities and credential
// metadata, folded from fleet.cluster.v1 (DESIGN.md sections 3 and 4). Queries live in queries.hpp.
//
// Events folded (everything else on the topic, e.g. ClusterMarketplaceUpdated, is ignored):
//   ClusterRegistered, PrivateClusterCreated (a TENANT_PRIVATE cluster)
//       name not a DNS label -> rejected INVALID_CLUSTER_NAME; id registered and not deleted ->
//       rejected CLUSTER_ALREADY_EXISTS. A deleted id may be registered again (a new cluster).
//       Each registration stores a name claim; name uniqueness is decided at read time.
//   ClusterUpdated       field mask as documented in cluster.proto (see apply_update in the .cpp);
//                        masks naming cluster_id or name -> rejected IMMUTABLE_FIELD.
//   ClusterDeleted       releases the name as of the deletion's occurred_at; drops the history.
//   ClusterHealthChecked score and state recomputed from the per-check results; history entry.
//   ClusterStatusChanged informational: remembered as the last status change and in the history.
//   ClusterCapabilitiesChanged replaces the capability set.
//   ClusterCredentialsStored/Rotated/Deleted: only auth_type, fingerprint and expires_at are kept,
//       never the sealed secret. A Deleted whose fingerprint names other credentials than the
//       current ones -> rejected CREDENTIALS_MISMATCH.
// Any of these (but registrations) for an unknown or deleted cluster -> rejected CLUSTER_NOT_FOUND.
// An event without a cluster_id, or with control characters in it -> malformed.
#include <memory>
#include <string_view>
#include <vector>

#include "fleetledger/projections/view.hpp"

namespace fleetledger::projections::fleet {

namespace detail {
class cluster_cache;
}

class fleet_view final : public view {
public:
  fleet_view();
  ~fleet_view() override;
  fleet_view(const fleet_view&) = delete;
  fleet_view& operator=(const fleet_view&) = delete;

  [[nodiscard]] std::string_view name() const override { return "fleet"; }
  [[nodiscard]] std::vector<std::string_view> topics() const override;
  [[nodiscard]] bool wants(std::string_view payload_type) const override;
  [[nodiscard]] apply_outcome apply(state_txn& state, const fleetledger::v1::Envelope& event,
                                    const record_context& ctx) override;
  void flush(state_txn& state) override;
  void discard() override;

private:
  std::unique_ptr<detail::cluster_cache> cache_;  // hot records, written back once per batch
};

}  // namespace fleetledger::projections::fleet

#pragma once
// The marketplace view: clusters as the marketplace sees them (owner, visibility, pricing, tier,
// capacity, utilisation), subscriptions and their lifecycle, invites, tenants (tier, official and
// preferred cluster, owned-cluster cap), peerings and the offerings catalogue. Rules: DESIGN.md
// section 4; design choices where the contract is silent: docs in each query header and
// projections/marketplace/README.md.
#include <memory>
#include <string_view>
#include <vector>

#include "fleetledger/projections/record_cache.hpp"
#include "fleetledger/projections/view.hpp"

namespace fleetledger::projections::marketplace {

class ClusterUtilisation;  // marketplace_records.proto

class marketplace_view final : public view {
public:
  marketplace_view();
  ~marketplace_view() override;
  marketplace_view(const marketplace_view&) = delete;
  marketplace_view& operator=(const marketplace_view&) = delete;

  [[nodiscard]] std::string_view name() const override { return "marketplace"; }
  // fleet.cluster.v1, fleet.tenant.v1, fleet.edge.v1 (utilisation only), fleet.offering.v1.
  [[nodiscard]] std::vector<std::string_view> topics() const override;
  [[nodiscard]] bool wants(std::string_view payload_type) const override;
  // Utilisation sums numbers of each edge; no edge text.
  [[nodiscard]] bool reads_edge_text() const override { return false; }
  [[nodiscard]] apply_outcome apply(state_txn& state, const fleetledger::v1::Envelope& event,
                                    const record_context& ctx) override;
  void flush(state_txn& state) override;
  void discard() override;

private:
  // Edge summaries are most of the stream: each cluster's utilisation stays parsed in memory.
  std::unique_ptr<record_cache<ClusterUtilisation>> utilisation_;
};

}  // namespace fleetledger::projections::marketplace

#include "view_registry.hpp"

#include "fleetledger/projections/edges/edges_view.hpp"
#include "fleetledger/projections/fleet/fleet_view.hpp"
#include "fleetledger/projections/marketplace/marketplace_view.hpp"

namespace fleetledger::projections {

std::unique_ptr<view> make_view(std::string_view name) {
  if (name == "fleet") return std::make_unique<fleet::fleet_view>();
  if (name == "marketplace") return std::make_unique<marketplace::marketplace_view>();
  if (name == "edges") return std::make_unique<edges::edges_view>();
  return nullptr;
}

std::string view_names() { return "fleet, marketplace, edges"; }

}  // namespace fleetledger::projections

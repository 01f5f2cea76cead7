#pragma once
// The views this binary can run, by name.
#include <memory>
#include <string>
#include <string_view>

#include "fleetledger/projections/view.hpp"

namespace fleetledger::projections {

// nullptr for an unknown name.
[[nodiscard]] std::unique_ptr<view> make_view(std::string_view name);
// "fleet, marketplace, edges"
[[nodiscard]] std::string view_names();

}  // namespace fleetledger::projections

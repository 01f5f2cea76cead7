#pragma once
// Enum names as the contract spells them in JSON (unprefixed upper case: "PENDING_APPROVAL") and
// parsing of filter values given in any case.
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/value.hpp>
#include <google/protobuf/descriptor.h>

#include "fleetledger/v1/common.pb.h"
#include "state.hpp"

namespace fleetledger::projections::marketplace::detail {

// "VISIBILITY_PUBLIC" -> "PUBLIC"; value 0 (UNSPECIFIED) and unknown numbers -> "".
[[nodiscard]] std::string enum_name(const google::protobuf::EnumDescriptor& d, int value);
// "public", "Public", "VISIBILITY_PUBLIC" -> 1; UNSPECIFIED and unknown names -> nullopt.
[[nodiscard]] std::optional<int> parse_enum(const google::protobuf::EnumDescriptor& d, std::string_view text);

[[nodiscard]] inline std::string name_of(fleetledger::v1::Visibility v) {
  return enum_name(*fleetledger::v1::Visibility_descriptor(), v);
}
[[nodiscard]] inline std::string name_of(fleetledger::v1::PricingModel v) {
  return enum_name(*fleetledger::v1::PricingModel_descriptor(), v);
}
[[nodiscard]] inline std::string name_of(fleetledger::v1::SubscriptionStatus v) {
  return enum_name(*fleetledger::v1::SubscriptionStatus_descriptor(), v);
}
[[nodiscard]] inline std::string name_of(fleetledger::v1::ClusterClass v) {
  return enum_name(*fleetledger::v1::ClusterClass_descriptor(), v);
}

// The enum's JSON value: its name, or null when unspecified.
template <typename Enum>
[[nodiscard]] boost::json::value enum_json(Enum v) {
  std::string n = name_of(v);
  if (n.empty()) return nullptr;
  return boost::json::value(n);
}

[[nodiscard]] boost::json::value optional_string_json(const std::optional<std::string>& s);
[[nodiscard]] boost::json::value time_json(const std::optional<time_point>& t);

}  // namespace fleetledger::projections::marketplace::detail

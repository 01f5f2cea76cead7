#include "json_util.hpp"

namespace fleetledger::projections::marketplace::detail {
namespace {

// The prefix every value of a buf-style enum shares: the zero value's name minus "UNSPECIFIED".
std::string_view prefix_of(const google::protobuf::EnumDescriptor& d) {
  const google::protobuf::EnumValueDescriptor* zero = d.FindValueByNumber(0);
  if (zero == nullptr) return {};
  std::string_view n = zero->name();
  constexpr std::string_view unspecified = "UNSPECIFIED";
  if (n.size() >= unspecified.size() && n.substr(n.size() - unspecified.size()) == unspecified) {
    return n.substr(0, n.size() - unspecified.size());
  }
  return {};
}

}  // namespace

std::string enum_name(const google::protobuf::EnumDescriptor& d, int value) {
  if (value == 0) return {};
  const google::protobuf::EnumValueDescriptor* v = d.FindValueByNumber(value);
  if (v == nullptr) return {};
  std::string_view n = v->name();
  const std::string_view prefix = prefix_of(d);
  if (n.substr(0, prefix.size()) == prefix) n.remove_prefix(prefix.size());
  return std::string(n);
}

std::optional<int> parse_enum(const google::protobuf::EnumDescriptor& d, std::string_view text) {
  const std::string upper = to_upper(text);
  const std::string_view prefix = prefix_of(d);
  for (int i = 0; i < d.value_count(); ++i) {
    const google::protobuf::EnumValueDescriptor& v = *d.value(i);
    if (v.number() == 0) continue;
    std::string_view full = v.name();
    std::string_view bare = full.substr(0, prefix.size()) == prefix ? full.substr(prefix.size()) : full;
    if (upper == full || upper == bare) return v.number();
  }
  return std::nullopt;
}

boost::json::value optional_string_json(const std::optional<std::string>& s) {
  if (!s) return nullptr;
  return boost::json::value(*s);
}

boost::json::value time_json(const std::optional<time_point>& t) {
  if (!t) return nullptr;
  return boost::json::value(rfc3339(*t));
}

}  // namespace fleetledger::projections::marketplace::detail

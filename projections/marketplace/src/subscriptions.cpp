#include "fleetledger/projections/marketplace/subscriptions.hpp"

#include <algorithm>

#include <boost/json/value.hpp>

#include "json_util.hpp"
#include "keys.hpp"
#include "marketplace_records.pb.h"
#include "state.hpp"

namespace fleetledger::projections::marketplace {

using namespace detail;

std::optional<fleetledger::v1::SubscriptionStatus> parse_subscription_status(std::string_view text) {
  if (iequals(text, "pending")) return fleetledger::v1::SUBSCRIPTION_STATUS_PENDING_APPROVAL;
  auto v = parse_enum(*fleetledger::v1::SubscriptionStatus_descriptor(), text);
  if (!v) return std::nullopt;
  return static_cast<fleetledger::v1::SubscriptionStatus>(*v);
}

std::optional<std::vector<subscription_entry>> list_subscriptions(const state_reader& s, std::string_view cluster_id,
                                                                  const subscription_filter& filter) {
  if (!s.get(keys::cluster(cluster_id))) return std::nullopt;
  std::vector<subscription_entry> out;
  s.scan(keys::subscriptions_of(cluster_id), [&](std::string_view, std::string_view value) {
    SubscriptionRecord r;
    if (!r.ParseFromArray(value.data(), static_cast<int>(value.size()))) return true;
    if (filter.status && r.status() != *filter.status) return true;
    if (filter.tenant_id && r.tenant_id() != *filter.tenant_id) return true;
    subscription_entry e;
    e.subscription_id = r.subscription_id();
    e.cluster_id = r.cluster_id();
    e.tenant_id = r.tenant_id();
    e.status = r.status();
    e.requested_at = to_time_point(r.requested_at());
    e.updated_at = to_time_point(r.updated_at());
    if (!r.invite_id().empty()) e.invite_id = r.invite_id();
    if (!r.approved_by().empty()) e.approved_by = r.approved_by();
    if (!r.reason().empty()) e.reason = r.reason();
    out.push_back(std::move(e));
    return true;
  });
  std::stable_sort(out.begin(), out.end(), [](const subscription_entry& a, const subscription_entry& b) {
    return std::tie(a.requested_at, a.subscription_id) < std::tie(b.requested_at, b.subscription_id);
  });
  return out;
}

boost::json::object to_json(const subscription_entry& e) {
  boost::json::object o;
  o["subscription_id"] = e.subscription_id;
  o["cluster_id"] = e.cluster_id;
  o["tenant_id"] = e.tenant_id;
  o["status"] = enum_json(e.status);
  o["requested_at"] = rfc3339(e.requested_at);
  o["updated_at"] = rfc3339(e.updated_at);
  o["invite_id"] = optional_string_json(e.invite_id);
  o["approved_by"] = optional_string_json(e.approved_by);
  o["reason"] = optional_string_json(e.reason);
  return o;
}

}  // namespace fleetledger::projections::marketplace

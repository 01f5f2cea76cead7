#include "fleetledger/projections/marketplace/invites.hpp"

#include <boost/json/value.hpp>

#include "json_util.hpp"
#include "keys.hpp"
#include "marketplace_records.pb.h"
#include "state.hpp"

namespace fleetledger::projections::marketplace {

using namespace detail;

std::optional<std::vector<invite_entry>> list_invites(const state_reader& s, std::string_view cluster_id,
                                                      std::chrono::system_clock::time_point now) {
  if (!s.get(keys::cluster(cluster_id))) return std::nullopt;
  std::vector<invite_entry> out;
  s.scan(keys::invites_of(cluster_id), [&](std::string_view, std::string_view value) {
    InviteRecord r;
    if (!r.ParseFromArray(value.data(), static_cast<int>(value.size()))) return true;
    invite_entry e;
    e.invite_id = r.invite_id();
    e.cluster_id = r.cluster_id();
    if (r.has_target_tenant_id()) e.target_tenant_id = r.target_tenant_id();
    if (r.has_expires_at()) e.expires_at = to_time_point(r.expires_at());
    e.max_uses = r.max_uses();
    e.uses = r.uses();
    e.revoked = r.revoked();
    e.expired = e.expires_at && now > *e.expires_at;
    e.created_at = to_time_point(r.created_at());
    if (r.has_revoked_at()) e.revoked_at = to_time_point(r.revoked_at());
    out.push_back(std::move(e));
    return true;
  });
  return out;
}

boost::json::object to_json(const invite_entry& e) {
  boost::json::object o;
  o["invite_id"] = e.invite_id;
  o["cluster_id"] = e.cluster_id;
  o["target_tenant_id"] = optional_string_json(e.target_tenant_id);
  o["expires_at"] = time_json(e.expires_at);
  o["max_uses"] = e.max_uses;
  o["uses"] = e.uses;
  o["revoked"] = e.revoked;
  o["expired"] = e.expired;
  o["created_at"] = rfc3339(e.created_at);
  o["revoked_at"] = time_json(e.revoked_at);
  return o;
}

}  // namespace fleetledger::projections::marketplace

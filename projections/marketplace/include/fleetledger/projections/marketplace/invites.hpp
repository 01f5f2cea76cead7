#pragma once
// GET /v1/marketplace/clusters/{id}/invites. The token hash never appears in a response.
//
// A request for a PRIVATE cluster must name a valid invite of that cluster by invite_token_sha256:
// not revoked, not expired at the request's occurred_at (expired when occurred_at > expires_at),
// target_tenant_id equal to the requester when set, uses < max_uses (0 = unlimited); it consumes one
// use. Refusals: INVITE_REQUIRED, INVITE_NOT_FOUND, INVITE_REVOKED, INVITE_EXPIRED,
// INVITE_WRONG_TENANT, INVITE_EXHAUSTED (checked in that order).
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "fleetledger/projections/view.hpp"

namespace fleetledger::projections::marketplace {

struct invite_entry {
  std::string invite_id;
  std::string cluster_id;
  std::optional<std::string> target_tenant_id;
  std::optional<std::chrono::system_clock::time_point> expires_at;  // nullopt: never expires
  std::int32_t max_uses{0};                                         // 0: unlimited
  std::int32_t uses{0};
  bool revoked{false};
  bool expired{false};  // at the read's `now`
  std::chrono::system_clock::time_point created_at;
  std::optional<std::chrono::system_clock::time_point> revoked_at;
};

// The cluster's invites ordered by invite_id; nullopt when the cluster is unknown to the view.
[[nodiscard]] std::optional<std::vector<invite_entry>> list_invites(const state_reader& state,
                                                                   std::string_view cluster_id,
                                                                   std::chrono::system_clock::time_point now);

[[nodiscard]] boost::json::object to_json(const invite_entry& entry);

}  // namespace fleetledger::projections::marketplace

// Rejections: the runtime's per-event entries merged with cross-key refusals decided at read time.
#include "fleetledger/projections/marketplace/rejections.hpp"

#include <algorithm>

#include <boost/json/value.hpp>

#include "fleetledger/projections/applier.hpp"
#include "fleetledger/projections/key_codec.hpp"
#include "keys.hpp"
#include "ownership.hpp"
#include "runtime_records.pb.h"
#include "state.hpp"

namespace fleetledger::projections::marketplace {

using namespace detail;

std::string reason_code(std::string_view reason) { return std::string(reason.substr(0, reason.find(':'))); }

std::vector<rejection_entry> list_rejections(const state_reader& s,
                                             std::optional<std::chrono::system_clock::time_point> since) {
  std::vector<rejection_entry> out;
  const auto since_ns = since ? std::optional<std::int64_t>(to_ns(to_timestamp(*since))) : std::nullopt;

  // Recorded when applied: "rejection\x1f" + ordered(occurred_at_ms) + ...; start the scan at `since`.
  const std::string prefix = join_key(rejection_prefix, "");
  std::string start;
  if (since) {
    start = prefix;
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(since->time_since_epoch()).count();
    append_ordered_i64(start, ms);
  }
  s.scan(
      prefix,
      [&](std::string_view, std::string_view value) {
        fleetledger::projections::Rejection r;
        if (!r.ParseFromArray(value.data(), static_cast<int>(value.size()))) return true;
        if (since_ns && to_ns(r.occurred_at()) < *since_ns) return true;  // same millisecond, earlier
        out.push_back({r.event_id(), r.event_type(), r.aggregate_id(), r.actor(), r.reason(),
                       to_time_point(r.occurred_at()), r.topic(), r.partition(), r.offset(), false});
        return true;
      },
      start);

  // Decided at read time: private clusters beyond their owner's cap.
  ownership owners(s);
  for (const std::string& owner : owners.owners()) {
    for (const auto& over : owners.over_cap_claims(owner)) {
      const OwnershipClaim& c = over.claim;
      if (since_ns && to_ns(c.occurred_at()) < *since_ns) continue;
      out.push_back({c.event_id(), c.event_type(), c.cluster_id(), c.actor(),
                     "OWNED_CLUSTER_LIMIT: tenant " + owner + " may own " + std::to_string(over.cap) +
                         " private cluster(s); " + c.cluster_id() + " is beyond the cap",
                     to_time_point(c.occurred_at()), c.topic(), c.partition(), c.offset(), true});
    }
  }

  std::stable_sort(out.begin(), out.end(), [](const rejection_entry& a, const rejection_entry& b) {
    return std::tie(a.occurred_at, a.event_id) < std::tie(b.occurred_at, b.event_id);
  });
  return out;
}

boost::json::object to_json(const rejection_entry& e) {
  boost::json::object o;
  o["event_id"] = e.event_id;
  o["event_type"] = e.event_type;
  o["aggregate_id"] = e.aggregate_id;
  o["actor"] = e.actor;
  o["code"] = reason_code(e.reason);
  o["reason"] = e.reason;
  o["occurred_at"] = rfc3339(e.occurred_at);
  o["topic"] = e.topic;
  o["partition"] = e.partition;
  o["offset"] = e.offset;
  o["decided_at"] = e.decided_at_read ? "read" : "apply";
  return o;
}

}  // namespace fleetledger::projections::marketplace

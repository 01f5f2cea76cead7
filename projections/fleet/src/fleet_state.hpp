#pragma once
// State layout of the fleet view, shared by the write side (fleet_view.cpp) and the queries.
// Keys (join_key, '\x1f' separated):
//   "c" <cluster_id>                                                    -> ClusterRecord
//   "n" <name> <ordered occurred_at ns><event_id>                       -> NameClaim
//   "h" <cluster_id> <ordered hour bucket><ordered at ns><kind byte>     -> HistoryEntry
//   "hb" <cluster_id>                                                   -> HistoryIndex
// Names are DNS labels and ids carry no control characters, so '\x1f' ends each text part, and
// claims of one name sort together, by name, then (occurred_at, event_id).
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <google/protobuf/timestamp.pb.h>

#include "fleet_records.pb.h"
#include "fleetledger/projections/key_codec.hpp"
#include "fleetledger/projections/view.hpp"

namespace fleetledger::projections::fleet::detail {

inline constexpr std::string_view cluster_ns = "c";
inline constexpr std::string_view claim_ns = "n";
inline constexpr std::string_view history_ns = "h";
inline constexpr std::string_view history_index_ns = "hb";

inline constexpr std::int64_t ns_per_second = 1'000'000'000;
inline constexpr std::int64_t history_bucket_ns = 3600 * ns_per_second;
inline constexpr char history_kind_check = 'c';
inline constexpr char history_kind_status = 's';

[[nodiscard]] inline std::int64_t to_ns(const google::protobuf::Timestamp& t) {
  return t.seconds() * ns_per_second + t.nanos();
}
[[nodiscard]] inline google::protobuf::Timestamp to_timestamp(std::int64_t ns) {
  google::protobuf::Timestamp t;
  std::int64_t s = ns / ns_per_second;
  std::int64_t n = ns % ns_per_second;
  if (n < 0) {
    n += ns_per_second;
    --s;
  }
  t.set_seconds(s);
  t.set_nanos(static_cast<std::int32_t>(n));
  return t;
}
[[nodiscard]] inline std::int64_t to_ns(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}
[[nodiscard]] inline std::chrono::system_clock::time_point to_time_point(std::int64_t ns) {
  return std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(std::chrono::nanoseconds(ns)));
}
[[nodiscard]] inline std::chrono::system_clock::time_point to_time_point(const google::protobuf::Timestamp& t) {
  return to_time_point(to_ns(t));
}
[[nodiscard]] inline std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

[[nodiscard]] inline std::string cluster_key(std::string_view id) { return join_key(cluster_ns, id); }
[[nodiscard]] inline std::string history_index_key(std::string_view id) { return join_key(history_index_ns, id); }

// "n\x1f<name>\x1f": every claim of one name.
[[nodiscard]] inline std::string claim_prefix(std::string_view name) {
  std::string k = join_key(claim_ns, name);
  k += key_sep;
  return k;
}
[[nodiscard]] inline std::string claim_key(std::string_view name, std::int64_t occurred_at_ns, std::string_view event_id) {
  std::string k = claim_prefix(name);
  append_ordered_i64(k, occurred_at_ns);
  k += event_id;
  return k;
}
// The name part of a claim key ("n\x1f<name>\x1f...").
[[nodiscard]] inline std::string_view claim_name(std::string_view key) {
  const std::string_view rest = key.substr(claim_ns.size() + 1);
  return rest.substr(0, rest.find(key_sep));
}

// "h\x1f<cluster_id>\x1f": a cluster's whole history.
[[nodiscard]] inline std::string history_prefix(std::string_view id) {
  std::string k = join_key(history_ns, id);
  k += key_sep;
  return k;
}
[[nodiscard]] inline std::int64_t history_bucket(std::int64_t at_ns) { return floor_div(at_ns, history_bucket_ns); }
[[nodiscard]] inline std::string history_bucket_prefix(std::string_view id, std::int64_t bucket) {
  std::string k = history_prefix(id);
  append_ordered_i64(k, bucket);
  return k;
}
// Seek position of the first entry at or after at_ns.
[[nodiscard]] inline std::string history_seek_key(std::string_view id, std::int64_t at_ns) {
  std::string k = history_bucket_prefix(id, history_bucket(at_ns));
  append_ordered_i64(k, at_ns);
  return k;
}
[[nodiscard]] inline std::string history_key(std::string_view id, std::int64_t at_ns, char kind) {
  std::string k = history_seek_key(id, at_ns);
  k += kind;
  return k;
}

// Deterministic serialization (map entries in key order): equal records give equal bytes, so the
// state digest does not depend on a map's insertion history.
[[nodiscard]] std::string serialize(const google::protobuf::MessageLite& m);

// The facts the fleet-wide queries need, derived from the full record.
[[nodiscard]] ClusterFacts facts_of(const ClusterRecord& r);
// The record's current name claim (key and value); both are functions of the record alone.
[[nodiscard]] NameClaim claim_of(const ClusterRecord& r);

[[nodiscard]] std::optional<ClusterRecord> load_record(const state_reader& state, std::string_view cluster_id);

// How a claim fares against the earlier claims of its name.
enum class claim_standing {
  live,      // owns the name and the cluster is not deleted
  released,  // owned the name, then the cluster was deleted
  refused,   // an earlier claim owned the name at this claim's occurred_at
};

// The claim that owns a name at some point of the walk.
struct claim_owner {
  std::string cluster_id;
  std::int64_t occurred_at_ns{0};
  bool released{false};
  std::int64_t released_at_ns{0};
};

struct claim_visit {
  std::string_view name;
  const NameClaim& claim;
  claim_standing standing;
  const claim_owner* owner;  // refused: the claim that owned the name then
};

// Walks claims under prefix (claim_ns + sep for all names, or claim_prefix(name)) in key order,
// deciding each claim's standing as it goes. fn returns false to stop.
void walk_claims(const state_reader& state, std::string_view prefix,
                 const std::function<bool(const claim_visit&)>& fn);

}  // namespace fleetledger::projections::fleet::detail

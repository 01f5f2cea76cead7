#include "fleet_state.hpp"

#include <algorithm>

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

namespace fleetledger::projections::fleet::detail {

std::string serialize(const google::protobuf::MessageLite& m) {
  // Sized first, then written into the string in one pass (a StringOutputStream grew the string in
  // steps: a fifth of the fleet projector's apply thread). Deterministic: map order is part of the
  // bytes the digest hashes.
  std::string out(m.ByteSizeLong(), '\0');
  google::protobuf::io::ArrayOutputStream stream(out.data(), static_cast<int>(out.size()));
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.SetSerializationDeterministic(true);
  m.SerializeWithCachedSizes(&coded);
  return out;
}

ClusterFacts facts_of(const ClusterRecord& r) {
  ClusterFacts f;
  f.set_cluster_type(r.cluster_type());
  f.set_environment(r.environment());
  f.set_region(r.region());
  if (r.has_last_check()) {
    f.set_checked(true);
    f.set_last_checked_ns(to_ns(r.last_check().checked_at()));
    f.set_health_score(r.last_check().health_score());
    f.set_state(r.last_check().state());
  }
  const CapabilitySet& c = r.capabilities();
  f.set_has_gpu_nodes(c.has_gpu_nodes());
  f.set_gpu_count(c.gpu_count());
  f.set_has_cnf_workloads(c.has_cnf_workloads());
  std::uint32_t bits = 0;
  if (c.has_prometheus()) bits |= 1u << 0;
  if (c.has_thanos()) bits |= 1u << 1;
  if (c.has_tempo()) bits |= 1u << 2;
  if (c.has_loki()) bits |= 1u << 3;
  if (c.has_service_mesh()) bits |= 1u << 4;
  if (c.has_reported_at()) bits |= 1u << 5;  // reported at least once
  f.set_capability_bits(bits);
  f.mutable_gpu_types()->CopyFrom(c.gpu_types());
  f.mutable_cnf_types()->CopyFrom(c.cnf_types());
  return f;
}

NameClaim claim_of(const ClusterRecord& r) {
  NameClaim c;
  c.set_cluster_id(r.cluster_id());
  c.set_event_id(r.registration_event_id());
  const std::int64_t claimed = to_ns(r.created_at());
  c.set_occurred_at_ns(claimed);
  if (r.deleted()) {
    c.set_released(true);
    c.set_released_at_ns(std::max(claimed, to_ns(r.deleted_at())));
  }
  *c.mutable_facts() = facts_of(r);
  return c;
}

std::optional<ClusterRecord> load_record(const state_reader& state, std::string_view cluster_id) {
  const auto bytes = state.get(cluster_key(cluster_id));
  if (!bytes) return std::nullopt;
  ClusterRecord r;
  if (!r.ParseFromString(*bytes)) return std::nullopt;
  return r;
}

void walk_claims(const state_reader& state, std::string_view prefix,
                 const std::function<bool(const claim_visit&)>& fn) {
  std::string current_name;
  bool have_owner = false;
  claim_owner owner;
  NameClaim claim;  // reused across entries: parsing reuses its buffers
  state.scan(prefix, [&](std::string_view key, std::string_view value) {
    const std::string_view name = claim_name(key);
    if (name != current_name) {
      current_name.assign(name);
      have_owner = false;
    }
    if (!claim.ParseFromArray(value.data(), static_cast<int>(value.size()))) return true;
    claim_standing standing;
    // Claims arrive in (occurred_at, event_id) order. The current owner blocks this claim unless
    // it was deleted strictly before the claim occurred.
    if (have_owner && (!owner.released || owner.released_at_ns >= claim.occurred_at_ns())) {
      standing = claim_standing::refused;
    } else {
      owner.cluster_id.assign(claim.cluster_id());
      owner.occurred_at_ns = claim.occurred_at_ns();
      owner.released = claim.released();
      owner.released_at_ns = claim.released_at_ns();
      have_owner = true;
      standing = claim.released() ? claim_standing::released : claim_standing::live;
    }
    return fn(claim_visit{name, claim, standing, standing == claim_standing::refused ? &owner : nullptr});
  });
}

}  // namespace fleetledger::projections::fleet::detail

#include "fleetledger/projections/applier.hpp"

#include <exception>
#include <map>

#include "fleetledger/events/codec.hpp"
#include "fleetledger/events/envelope.hpp"
#include "fleetledger/projections/key_codec.hpp"
#include "runtime_records.pb.h"

namespace fleetledger::projections {
namespace {

std::int64_t occurred_at_ms(const fleetledger::v1::Envelope& e) {
  return e.occurred_at().seconds() * 1000 + e.occurred_at().nanos() / 1'000'000;
}

std::string rejection_key(const fleetledger::v1::Envelope& e, const input_record& r) {
  std::string k(rejection_prefix);
  k += key_sep;
  append_ordered_i64(k, occurred_at_ms(e));
  k += r.source.topic.value();
  k += key_sep;
  append_ordered_i64(k, r.source.partition.value());
  append_ordered_i64(k, r.at.value());
  return k;
}

std::string rejection_value(const fleetledger::v1::Envelope& e, const input_record& r, const std::string& reason) {
  fleetledger::projections::Rejection rej;
  rej.set_event_id(e.event_id());
  rej.set_event_type(std::string(events::payload_type_name(e)));
  rej.set_aggregate_id(std::string(r.key));
  rej.set_actor(e.actor());
  rej.set_reason(reason);
  *rej.mutable_occurred_at() = e.occurred_at();
  rej.set_topic(r.source.topic.value());
  rej.set_partition(r.source.partition.value());
  rej.set_offset(r.at.value());
  return rej.SerializeAsString();
}

dead_letter make_dead_letter(const input_record& r, std::string reason) {
  return {r.source, r.at, std::string(r.key), std::string(r.value), std::move(reason)};
}

}  // namespace

std::unique_ptr<write_batch_txn> applier::stage(const std::vector<input_record>& records,
                                                std::vector<dead_letter>& dead_letters) {
  auto txn = store_.begin();
  // Next offset per partition as of this batch, so a redelivered record is skipped.
  std::map<events::topic_partition, std::int64_t> next;
  for (const auto& r : records) {
    auto it = next.find(r.source);
    if (it == next.end()) {
      const auto stored = store_.next_offset(r.source);
      it = next.emplace(r.source, stored ? stored->value() : 0).first;
    }
    if (r.at.value() < it->second) continue;  // already reflected by the stored state
    it->second = r.at.value() + 1;
    txn->set_next_offset(r.source, events::offset(it->second));

    auto decoded = events::decode(r.value);
    if (!decoded) {
      dead_letters.push_back(make_dead_letter(r, decoded.err().message));
      ++txn->counters().dead_lettered;
      continue;
    }
    const fleetledger::v1::Envelope& event = decoded.value();
    if (txn->seen(event.event_id())) {
      ++txn->counters().duplicates;
      continue;
    }
    txn->mark_seen(event.event_id());

    apply_outcome outcome;
    try {
      outcome = view_.apply(*txn, event, record_context{r.source, r.at, r.timestamp_ms});
    } catch (const std::exception& ex) {
      // A view must not throw on data; if one does, the record is parked rather than stopping the projector.
      outcome = apply_outcome::malformed(std::string("APPLY_FAILED: ") + ex.what());
    }
    switch (outcome.what) {
      case verdict::applied: ++txn->counters().applied; break;
      case verdict::ignored: ++txn->counters().ignored; break;
      case verdict::rejected:
        ++txn->counters().rejected;
        txn->put(rejection_key(event, r), rejection_value(event, r, outcome.reason));
        break;
      case verdict::malformed:
        dead_letters.push_back(make_dead_letter(r, outcome.reason));
        ++txn->counters().dead_lettered;
        break;
    }
  }
  return txn;
}

events::result<void> applier::apply(const std::vector<input_record>& records, std::vector<dead_letter>& dead_letters) {
  auto txn = stage(records, dead_letters);
  return commit(*txn);
}

}  // namespace fleetledger::projections

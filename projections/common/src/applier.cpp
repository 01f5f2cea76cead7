#include "fleetledger/projections/applier.hpp"

#include <algorithm>
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

shared_decode::shared_decode(const view& v, const std::vector<input_record>& records, decoded_batch& out,
                             const view_store* store)
    : view_(v), records_(records), out_(out), store_(store) {}

void shared_decode::prepare() {
  const std::size_t n = records_.size();
  out_.ids.resize(n);
  out_.id_stored.assign(n, 0);
  out_.has_id_stored = store_ != nullptr;
  out_.peeks.resize(n);
  out_.statuses.resize(n);
  out_.errors.resize(n);
  out_.events.assign(n, nullptr);
  if (out_.arena) {
    out_.arena->Reset();
  } else {
    google::protobuf::ArenaOptions options;
    options.start_block_size = 256 * 1024;
    options.max_block_size = 4 * 1024 * 1024;
    out_.arena = std::make_unique<google::protobuf::Arena>(options);
  }
  ready_.store(true, std::memory_order_release);
}

void shared_decode::run() {
  prepare();
  help();
}

void shared_decode::help() {
  if (!ready_.load(std::memory_order_acquire)) return;
  const std::size_t n = records_.size();
  std::vector<const dedup_id*> lookup;
  std::vector<std::size_t> at;
  std::vector<std::uint8_t> found;
  for (std::size_t begin = next_.fetch_add(chunk); begin < n; begin = next_.fetch_add(chunk)) {
    const std::size_t end = std::min(n, begin + chunk);
    decode_range(begin, end);
    if (store_ == nullptr) continue;
    lookup.clear();
    at.clear();
    for (std::size_t i = begin; i < end; ++i) {
      if (out_.statuses[i] != decoded_batch::status::decoded) continue;
      lookup.push_back(&out_.ids[i]);
      at.push_back(i);
    }
    found.assign(lookup.size(), 0);
    store_->ids_stored(lookup, found);
    for (std::size_t k = 0; k < at.size(); ++k) out_.id_stored[at[k]] = found[k];
  }
}

void shared_decode::decode_range(std::size_t begin, std::size_t end) {
  const bool edge_text = view_.reads_edge_text();
  for (std::size_t i = begin; i < end; ++i) {
    const auto& r = records_[i];
    // A type the view does not fold is not even decoded: the payload's field number on the wire
    // names it (what the record says it is, whatever its headers claim). Records whose payload
    // cannot be seen this way are decoded in full, which names the problem.
    out_.peeks[i] = events::peek_payload(r.value);
    if (!out_.peeks[i].type.empty() && !view_.wants(out_.peeks[i].type)) {
      out_.statuses[i] = decoded_batch::status::unwanted;
      continue;
    }
    // The arena is thread-safe: each thread allocates from its own blocks.
    out_.events[i] = google::protobuf::Arena::CreateMessage<fleetledger::v1::Envelope>(out_.arena.get());
    const auto decoded = edge_text ? events::decode_into(r.value, *out_.events[i])
                                   : events::decode_into_without_edge_text(r.value, out_.peeks[i], *out_.events[i]);
    if (!decoded) {
      out_.statuses[i] = decoded_batch::status::failed;
      out_.errors[i] = decoded.err().message;
      continue;
    }
    out_.statuses[i] = decoded_batch::status::decoded;
    out_.ids[i] = dedup_id::of(out_.events[i]->event_id());
  }
}

void decode_batch(const view& v, const std::vector<input_record>& records, decoded_batch& out,
                  const view_store* store) {
  shared_decode(v, records, out, store).run();
}

std::unique_ptr<write_batch_txn> applier::stage(const std::vector<input_record>& records,
                                                std::vector<dead_letter>& dead_letters) {
  decode_batch(view_, records, decoded_);
  return stage(records, decoded_, dead_letters);
}

std::unique_ptr<write_batch_txn> applier::stage(const std::vector<input_record>& records, const decoded_batch& decoded,
                                                std::vector<dead_letter>& dead_letters) {
  auto txn = store_.begin();
  // Next offset per partition as of this batch, so a redelivered record is skipped. Batches come
  // in runs of one partition, so the last partition looked up is checked first.
  struct partition_cursor {
    const events::topic_partition* where;
    std::int64_t next;
  };
  std::vector<partition_cursor> cursors;
  partition_cursor* last = nullptr;
  for (std::size_t i = 0; i < records.size(); ++i) {
    const auto& r = records[i];
    if (last == nullptr || *last->where != r.source) {
      last = nullptr;
      for (auto& c : cursors) {
        if (*c.where == r.source) last = &c;
      }
      if (last == nullptr) {
        const auto stored = store_.next_offset(r.source);
        cursors.push_back({&r.source, stored ? stored->value() : 0});
        last = &cursors.back();
      }
    }
    if (r.at.value() < last->next) continue;  // already reflected by the stored state
    last->next = r.at.value() + 1;

    switch (decoded.statuses[i]) {
      case decoded_batch::status::unwanted: ++txn->counters().ignored; continue;
      case decoded_batch::status::failed:
        dead_letters.push_back(make_dead_letter(r, decoded.errors[i]));
        ++txn->counters().dead_lettered;
        continue;
      case decoded_batch::status::decoded: break;
    }
    const fleetledger::v1::Envelope& event = *decoded.events[i];
    const dedup_id& id = decoded.ids[i];
    if (txn->seen(id, decoded.has_id_stored ? std::optional<bool>(decoded.id_stored[i] != 0) : std::nullopt)) {
      ++txn->counters().duplicates;
      continue;
    }
    txn->mark_seen(id);

    apply_outcome outcome;
    try {
      outcome = view_.apply(*txn, event, record_context{r.source, r.at, r.timestamp_ms, decoded.peeks[i].bytes});
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
  view_.flush(*txn);
  for (const auto& c : cursors) txn->set_next_offset(*c.where, events::offset(c.next));
  return txn;
}

events::result<void> applier::commit(write_batch_txn& batch) {
  auto r = store_.commit(batch);
  if (!r) view_.discard();
  return r;
}

events::result<void> applier::apply(const std::vector<input_record>& records, std::vector<dead_letter>& dead_letters) {
  auto txn = stage(records, dead_letters);
  return commit(*txn);
}

}  // namespace fleetledger::projections

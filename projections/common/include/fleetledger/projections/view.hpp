#pragma once
// What a projection is: a deterministic fold of events into key/value state. The runtime (consume
// loop, offsets in the same WriteBatch, duplicate and dead-letter handling, digest) is shared; each
// view only says which topics it reads and how one event changes its state.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fleetledger/events/ids.hpp"
#include "fleetledger/v1/envelope.pb.h"

namespace fleetledger::projections {

// Where the record being applied sits in the log.
struct record_context {
  events::topic_partition source;
  events::offset at;
  std::int64_t timestamp_ms{0};  // Kafka record timestamp; rules use the envelope's occurred_at instead
  // The payload message's bytes as the producer wrote them (empty when unknown): a view that
  // stores a payload whole can keep these instead of serializing the parsed message again.
  std::string_view payload_bytes{};
};

enum class verdict {
  applied,    // the state changed (or was confirmed) as the event asked
  rejected,   // the event broke a rule; listed in the view's rejections with the reason
  ignored,    // not relevant to this view
  malformed,  // cannot be applied at all (e.g. empty aggregate id); goes to the dead-letter topic
};

struct apply_outcome {
  verdict what{verdict::applied};
  std::string reason;  // machine-friendly code first, then detail: "NOT_OWNER: approved_by t2 is not ..."

  static apply_outcome applied() { return {verdict::applied, {}}; }
  static apply_outcome ignored() { return {verdict::ignored, {}}; }
  static apply_outcome rejected(std::string why) { return {verdict::rejected, std::move(why)}; }
  static apply_outcome malformed(std::string why) { return {verdict::malformed, std::move(why)}; }
};

// Visits (key, value) pairs in key order; return false to stop.
using visitor = std::function<bool(std::string_view key, std::string_view value)>;

// Read access to a view's state. Implemented over RocksDB (a primary's batch, or a secondary
// instance in the reader).
class state_reader {
public:
  virtual ~state_reader() = default;
  [[nodiscard]] virtual std::optional<std::string> get(std::string_view key) const = 0;
  // Keys that start with prefix, from the first key >= start (start empty: from the prefix itself).
  virtual void scan(std::string_view prefix, const visitor& fn, std::string_view start = {}) const = 0;
};

// Read-write access while one batch is applied. Reads see the batch's own writes; nothing is
// durable until the runtime commits the batch together with the offsets it consumed.
class state_txn : public state_reader {
public:
  virtual void put(std::string_view key, std::string_view value) = 0;
  virtual void erase(std::string_view key) = 0;
};

class view {
public:
  virtual ~view() = default;
  [[nodiscard]] virtual std::string_view name() const = 0;  // "fleet", "marketplace", "edges"
  [[nodiscard]] virtual std::vector<std::string_view> topics() const = 0;
  // Whether events of this payload type ("ClusterHealthChecked", as the payload's field on the wire
  // names it) can change the view. The runtime skips decoding the others and counts them as ignored,
  // so a view reading a busy topic for a few event types pays little for the rest. Default: every
  // type. wants() and reads_edge_text() are called by the decode threads while apply() runs on
  // another: they must be pure.
  [[nodiscard]] virtual bool wants(std::string_view payload_type) const {
    (void)payload_type;
    return true;
  }
  // Whether apply() reads an edge summary's per-edge text (node_id, base_url, roles) or its
  // envelope's producer, correlation_id or causation_id. A view that reads only the numbers (or the
  // summary's bytes, record_context::payload_bytes), the event id, time and actor says false, and its
  // summaries are decoded without copying that text (events::decode_into_without_edge_text).
  [[nodiscard]] virtual bool reads_edge_text() const { return true; }
  // Applies one decoded event. Must be a pure function of the state and the event (no clocks, no
  // randomness, no dependence on the order of other partitions), so every rebuild agrees.
  [[nodiscard]] virtual apply_outcome apply(state_txn& state, const fleetledger::v1::Envelope& event,
                                            const record_context& ctx) = 0;
  // Called after the last apply() of a batch, before the batch is committed. A view that keeps hot
  // records parsed in memory across events (instead of a get + parse + serialize + put per event)
  // writes the ones the batch changed here, so the batch commits them with its offsets.
  virtual void flush(state_txn& state) { (void)state; }
  // The staged batch will not be committed: forget anything held in memory, so the next batch
  // reads the store again.
  virtual void discard() {}
};

}  // namespace fleetledger::projections

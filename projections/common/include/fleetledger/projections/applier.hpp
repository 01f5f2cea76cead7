#pragma once
// Turns raw records into state: decode, skip what the store already reflects, drop duplicate
// event ids, apply through the view, and commit state + offsets + counters in one WriteBatch.
// The projector feeds it records from Kafka; tests and the replay tool feed it records directly.
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <google/protobuf/arena.h>

#include "fleetledger/events/codec.hpp"
#include "fleetledger/events/ids.hpp"
#include "fleetledger/events/result.hpp"
#include "fleetledger/projections/view.hpp"
#include "fleetledger/projections/view_store.hpp"

namespace fleetledger::projections {

struct input_record {
  events::topic_partition source;
  events::offset at;
  std::int64_t timestamp_ms{0};
  std::string_view key;
  std::string_view value;
};

// A record that could not be decoded or applied, to be published to fleet.deadletter.v1.
struct dead_letter {
  events::topic_partition source;
  events::offset at;
  std::string key;
  std::string value;
  std::string reason;
};

// What staging a batch needs from each record that depends on nothing but its bytes: its payload
// type read off the wire, and the decoded envelope or the decode error. Filled by decode_batch(),
// which only reads the view's wants() (and, if given, the store's dedup ids) and writes this batch,
// so the projector decodes the next batch on a second thread while the current one is applied.
// Reused across batches.
struct decoded_batch {
  enum class status : std::uint8_t { unwanted, decoded, failed };
  std::vector<events::payload_peek> peeks;
  std::vector<status> statuses;
  std::vector<fleetledger::v1::Envelope*> events;  // on arena, valid until the next decode_batch()
  std::vector<std::string> errors;                  // per record, set when failed
  std::vector<dedup_id> ids;                        // per decoded record
  // Per decoded record, when decode_batch() was given the store: whether it already held the id.
  std::vector<std::uint8_t> id_stored;
  bool has_id_stored{false};
  // The batch's envelopes live on one arena, dropped whole by the next decode: a parse costs
  // pointer bumps instead of a malloc and free per sub-message.
  std::unique_ptr<google::protobuf::Arena> arena;
};
// With a store: also looks each decoded id up in it (view_store::id_stored). That answer is only
// complete for the ids of batches written before this call; when the batch is staged, seen()
// checks the two batches committed just before it itself. So every batch older than those two
// must be written before this call: the projector's pipeline keeps to that (projector_runner.cpp).
void decode_batch(const view& v, const std::vector<input_record>& records, decoded_batch& out,
                  const view_store* store = nullptr);

// decode_batch() shared between threads: run() prepares out and decodes chunks of records (and
// looks their ids up) until none is left; help(), from another thread once run() has started,
// takes chunks too. The projector's decode thread runs it, and its main thread, instead of waiting
// for that decode, helps (on two cores the other one was otherwise idle for 10-25% of a replay).
// Each record is decoded by one thread into its own slots of out; the arena takes allocations
// from several threads. Done when run() has returned and every help() call has.
class shared_decode {
public:
  shared_decode(const view& v, const std::vector<input_record>& records, decoded_batch& out,
                const view_store* store);
  shared_decode(const shared_decode&) = delete;
  shared_decode& operator=(const shared_decode&) = delete;

  void run();
  void help();

private:
  static constexpr std::size_t chunk = 256;
  void prepare();
  void decode_range(std::size_t begin, std::size_t end);

  const view& view_;
  const std::vector<input_record>& records_;
  decoded_batch& out_;
  const view_store* store_;
  std::atomic<bool> ready_{false};
  std::atomic<std::size_t> next_{0};
};

class applier {
public:
  // A view instance may have folded into another store before: it forgets what it holds in memory.
  applier(view& v, view_store& store) : view_(v), store_(store) { view_.discard(); }

  // Applies records into a new batch (not yet durable). Records at offsets the store already
  // reflects are skipped, so redelivery after a crash applies nothing twice.
  [[nodiscard]] std::unique_ptr<write_batch_txn> stage(const std::vector<input_record>& records,
                                                       std::vector<dead_letter>& dead_letters);
  // The same with the records already decoded by decode_batch() (same records, same order).
  [[nodiscard]] std::unique_ptr<write_batch_txn> stage(const std::vector<input_record>& records,
                                                       const decoded_batch& decoded,
                                                       std::vector<dead_letter>& dead_letters);
  // Makes a staged batch durable. Callers publish its dead letters first, so none is lost.
  [[nodiscard]] events::result<void> commit(write_batch_txn& batch);

  // stage + commit, for callers with nowhere to send dead letters but the returned list.
  [[nodiscard]] events::result<void> apply(const std::vector<input_record>& records,
                                           std::vector<dead_letter>& dead_letters);

private:
  view& view_;
  view_store& store_;
  decoded_batch decoded_;  // for stage() without a decoded batch; reused
};

// Key of the rejection entries every view keeps in its state:
// "rejection\x1f" + ordered(occurred_at_ms) + topic + ordered(partition) + ordered(offset)
inline constexpr std::string_view rejection_prefix = "rejection";

}  // namespace fleetledger::projections

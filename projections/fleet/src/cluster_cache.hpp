#pragma once
// The fleet view's working set: cluster records and history indexes parsed once and kept across
// the events of a batch (and across batches), written back once per batch by flush(). A health
// check then costs no get + parse + serialize of its cluster's record, and a cluster checked five
// times in a batch is written once. The cache only ever holds what the store holds plus this
// batch's changes, so dropping it (clear()) is always safe after a flush.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "fleet_state.hpp"
#include "fleetledger/projections/view.hpp"

namespace fleetledger::projections::fleet::detail {

class cluster_cache {
public:
  // At most max_entries between batches (a batch's own working set may be larger). Counted in
  // entries, this bounds bytes too: a parsed record with its index is about 1.7 KB in the bench.
  explicit cluster_cache(std::size_t max_entries = 10'000) : max_entries_(max_entries) {}

  // The cluster's record as of this batch, or nullptr when it was never registered. The pointer
  // stays valid until flush(); call record_changed() after changing it.
  [[nodiscard]] ClusterRecord* find(const state_txn& state, const std::string& id);
  // A registration: the record replaces whatever was stored under its id (a deleted incarnation).
  ClusterRecord& replace(state_txn& state, ClusterRecord fresh);
  // Marks the record for writing at flush(); with_claim: its name claim changes too.
  void record_changed(const std::string& id, bool with_claim);

  // The cluster's history index (empty when it has none), loaded on first use.
  [[nodiscard]] HistoryIndex& index(const state_txn& state, const std::string& id);
  void index_changed(const std::string& id);
  void index_erased(const std::string& id);  // the index key is deleted at flush()

  // Writes everything changed since the last flush into state.
  void flush(state_txn& state);
  void clear() { entries_.clear(); changed_.clear(); }

private:
  enum class index_write { none, put, erase };
  struct entry {
    bool record_loaded{false};
    bool exists{false};
    ClusterRecord record;
    bool record_dirty{false};
    bool claim_dirty{false};
    bool index_loaded{false};
    HistoryIndex history;
    index_write index_state{index_write::none};
    std::uint64_t used_in{0};  // the last batch (flush count) that read or wrote it
  };
  entry& slot(const std::string& id);
  void load_record(const state_txn& state, const std::string& id, entry& e);
  void mark(const std::string& id, entry& e);

  std::size_t max_entries_;
  std::unordered_map<std::string, entry> entries_;
  std::vector<std::string> changed_;  // ids with something to write, in first-change order
  std::uint64_t batch_{0};            // flushes so far
};

}  // namespace fleetledger::projections::fleet::detail

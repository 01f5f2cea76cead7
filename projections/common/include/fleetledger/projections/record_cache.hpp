#pragma once
// Hot records of a view kept parsed across the events of a batch and across batches, written
// back once per batch from view::flush(). A record updated by every few events (a cluster's edge
// summary, its utilisation) then costs a parse when first read and a serialize per batch, instead
// of a get + parse + serialize + put per event.
//
// Only the view that owns the keys may use it, and every read and write of those keys in apply()
// must go through it. It holds what the store holds plus this batch's changes, so clear() is safe
// after flush() (the next batch reads the store again) and required when a batch is discarded.
#include <cstddef>
#include <string>
#include <unordered_map>
#include <vector>

#include "fleetledger/projections/view.hpp"

namespace fleetledger::projections {

template <typename Record>
class record_cache {
public:
  explicit record_cache(std::size_t max_entries) : max_entries_(max_entries) {}

  // The record stored under key, parsed on first use; a default record when there is none (then
  // *stored is false). The reference stays valid until flush() or clear().
  Record& get(const state_txn& state, const std::string& key, bool* stored = nullptr) {
    auto [it, inserted] = entries_.try_emplace(key);
    entry& e = it->second;
    if (inserted) {
      if (const auto bytes = state.get(key)) e.stored = e.record.ParseFromString(*bytes);
      if (!e.stored) e.record.Clear();  // an unreadable value reads as absent, as before
    }
    if (stored != nullptr) *stored = e.stored;
    return e.record;
  }

  // The record under key changed (after get()): it is written at flush().
  void changed(const std::string& key) {
    entry& e = entries_.at(key);
    if (!e.dirty) changed_.push_back(&*entries_.find(key));
    e.dirty = true;
    e.stored = true;
  }

  void flush(state_txn& state) {
    std::string bytes;
    for (auto* kv : changed_) {
      bytes.clear();
      (void)kv->second.record.AppendToString(&bytes);
      state.put(kv->first, bytes);
      kv->second.dirty = false;
    }
    changed_.clear();
    // Bounded by configuration: everything is clean now, so starting over is only a read per key.
    if (entries_.size() > max_entries_) entries_.clear();
  }

  void clear() {
    entries_.clear();
    changed_.clear();
  }

private:
  struct entry {
    Record record;
    bool stored{false};
    bool dirty{false};
  };
  std::size_t max_entries_;
  std::unordered_map<std::string, entry> entries_;
  std::vector<typename std::unordered_map<std::string, entry>::value_type*> changed_;
};

}  // namespace fleetledger::projections

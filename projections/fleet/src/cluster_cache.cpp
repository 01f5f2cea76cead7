#include "cluster_cache.hpp"

namespace fleetledger::projections::fleet::detail {

cluster_cache::entry& cluster_cache::slot(const std::string& id) {
  entry& e = entries_[id];
  e.used_in = batch_;
  return e;
}

void cluster_cache::load_record(const state_txn& state, const std::string& id, entry& e) {
  if (e.record_loaded) return;
  e.record_loaded = true;
  if (const auto bytes = state.get(cluster_key(id))) e.exists = e.record.ParseFromString(*bytes);
}

void cluster_cache::mark(const std::string& id, entry& e) {
  if (!e.record_dirty && !e.claim_dirty && e.index_state == index_write::none) changed_.push_back(id);
}

ClusterRecord* cluster_cache::find(const state_txn& state, const std::string& id) {
  entry& e = slot(id);
  load_record(state, id, e);
  return e.exists ? &e.record : nullptr;
}

ClusterRecord& cluster_cache::replace(state_txn& state, ClusterRecord fresh) {
  const std::string id = fresh.cluster_id();
  entry& e = slot(id);
  load_record(state, id, e);
  // The replaced incarnation's claim lives under its own key: write its last change now, before
  // the record that names it is gone.
  if (e.exists && e.claim_dirty) state.put(e.record.claim_key(), serialize(claim_of(e.record)));
  mark(id, e);
  e.record = std::move(fresh);
  e.exists = true;
  e.record_dirty = true;
  e.claim_dirty = true;
  return e.record;
}

void cluster_cache::record_changed(const std::string& id, bool with_claim) {
  entry& e = slot(id);
  mark(id, e);
  e.record_dirty = true;
  e.claim_dirty = e.claim_dirty || with_claim;
}

HistoryIndex& cluster_cache::index(const state_txn& state, const std::string& id) {
  entry& e = slot(id);
  if (!e.index_loaded) {
    e.index_loaded = true;
    if (const auto bytes = state.get(history_index_key(id))) (void)e.history.ParseFromString(*bytes);
  }
  return e.history;
}

void cluster_cache::index_changed(const std::string& id) {
  entry& e = slot(id);
  mark(id, e);
  e.index_state = index_write::put;
}

void cluster_cache::index_erased(const std::string& id) {
  entry& e = slot(id);
  mark(id, e);
  e.history.Clear();
  e.index_loaded = true;
  e.index_state = index_write::erase;
}

void cluster_cache::flush(state_txn& state) {
  for (const auto& id : changed_) {
    entry& e = entries_.at(id);
    if (e.record_dirty) state.put(cluster_key(id), serialize(e.record));
    if (e.claim_dirty) state.put(e.record.claim_key(), serialize(claim_of(e.record)));
    if (e.index_state == index_write::put) state.put(history_index_key(id), serialize(e.history));
    if (e.index_state == index_write::erase) state.erase(history_index_key(id));
    e.record_dirty = false;
    e.claim_dirty = false;
    e.index_state = index_write::none;
  }
  changed_.clear();
  // Bounded by configuration, not by the number of clusters ever seen: everything is clean now,
  // so dropping an entry only costs a read if it is used again. Past the bound, the entries this
  // batch did not use go (each registration under a new id adds one, used once); the clusters
  // checked every batch stay parsed.
  if (entries_.size() > max_entries_) std::erase_if(entries_, [&](const auto& kv) { return kv.second.used_in != batch_; });
  ++batch_;
}

}  // namespace fleetledger::projections::fleet::detail

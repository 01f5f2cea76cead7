#pragma once
// One view's RocksDB directory. Column families:
//   default - the view's state (what the digest covers)
//   meta    - consumed offsets and counters, written in the same WriteBatch as the state
//   dedup   - event ids already applied (duplicates are ignored); keys as dedup_id::key(), and the
//             journal of recent batches' ids (see src/id_journal.hpp)
// The projector opens it read-write; the reader opens it as a secondary instance and catches up.
#include <array>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "fleetledger/events/ids.hpp"
#include "fleetledger/events/result.hpp"
#include "fleetledger/projections/dedup_id.hpp"
#include "fleetledger/projections/view.hpp"

namespace rocksdb {
class DB;
class Status;
class ColumnFamilyHandle;
class Cache;
}  // namespace rocksdb

namespace fleetledger::projections {

namespace detail {
class background_task;
class id_journal;
}

// Applied/rejected/... counts a projector keeps with its state.
struct view_counters {
  std::int64_t applied{0};
  std::int64_t rejected{0};
  std::int64_t ignored{0};
  std::int64_t duplicates{0};
  std::int64_t dead_lettered{0};
  friend bool operator==(const view_counters&, const view_counters&) = default;
};

// A hash over every state key and value, and the offsets it reflects.
struct state_digest {
  std::string sha256_hex;
  std::int64_t keys{0};
  events::offset_vector offsets;
};

struct store_options {
  bool sync_writes{false};           // fsync per batch; the WAL is on either way
  std::size_t block_cache_bytes{32u << 20};
  // Recent event ids are journaled, one RocksDB value per batch, and kept in memory (about 32 bytes
  // each); this many are then sealed into one table file of the dedup column family.
  std::size_t dedup_seal_ids{262'144};
};

class view_store;

// Hashing std::string keys by string_view, so lookups never build a temporary std::string.
struct key_hash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};
using key_value_map = std::unordered_map<std::string, std::optional<std::string>, key_hash, std::equal_to<>>;

// What one batch writes besides the offsets and counters. Handed whole to the background writer,
// which builds the WriteBatch from it, and read (never changed) by the next batch meanwhile.
struct staged_writes {
  key_value_map state;  // std::nullopt marks a deletion
  dedup_id_set ids;
};

// The writes of one batch: reads see this batch's writes first, then the batch being written in
// the background, then RocksDB.
class write_batch_txn final : public state_txn {
public:
  explicit write_batch_txn(view_store& store) : store_(store) {}
  [[nodiscard]] std::optional<std::string> get(std::string_view key) const override;
  void scan(std::string_view prefix, const visitor& fn, std::string_view start = {}) const override;
  void put(std::string_view key, std::string_view value) override;
  void erase(std::string_view key) override;

  // Duplicate detection within and across batches.
  // Whether the id was applied before: by this batch, by the two batches before it (which RocksDB
  // may not have yet), or as stored. stored_hint: what view_store::id_stored() answered for it
  // after every batch older than those two was written (saves the lookup here).
  [[nodiscard]] bool seen(const dedup_id& event_id, std::optional<bool> stored_hint = std::nullopt) const;
  void mark_seen(const dedup_id& event_id);

  void set_next_offset(const events::topic_partition& tp, events::offset next);
  view_counters& counters() { return counters_; }
  [[nodiscard]] bool empty() const { return pending_->state.empty() && offsets_.empty(); }

private:
  friend class view_store;
  view_store& store_;
  // Unordered: point reads and writes dominate; scans sort what they need.
  std::shared_ptr<staged_writes> pending_ = std::make_shared<staged_writes>();
  std::map<events::topic_partition, events::offset> offsets_;
  view_counters counters_;  // deltas of this batch
};

class view_store {
public:
  ~view_store();
  view_store(const view_store&) = delete;
  view_store& operator=(const view_store&) = delete;

  // Opens (creating if missing) the primary instance at dir.
  [[nodiscard]] static events::result<std::unique_ptr<view_store>> open(
      const std::filesystem::path& dir, const store_options& options = {});
  // Opens a read-only secondary instance following the primary at dir; secondary_dir holds its
  // own info log. Call catch_up() to see the primary's newer writes.
  [[nodiscard]] static events::result<std::unique_ptr<view_store>> open_secondary(
      const std::filesystem::path& dir, const std::filesystem::path& secondary_dir);
  [[nodiscard]] events::result<void> catch_up();

  [[nodiscard]] std::unique_ptr<write_batch_txn> begin();
  // Writes state, dedup ids, offsets and counters in one atomic WriteBatch, and waits for it.
  [[nodiscard]] events::result<void> commit(write_batch_txn& txn);
  // The same WriteBatch, written by a background thread while the caller stages the next batch.
  // The batch's writes are visible to later batches at once (through the hot cache); at most one
  // write is in flight, so this first waits for the previous one and returns its error, if any.
  [[nodiscard]] events::result<void> commit_async(write_batch_txn& txn);
  // Waits until every batch handed to commit_async() is durable (in the WAL) or failed.
  [[nodiscard]] events::result<void> wait_for_writes() const;

  [[nodiscard]] const state_reader& reader() const;
  // Offsets of what is written to RocksDB (waits for an in-flight write first).
  [[nodiscard]] events::offset_vector offsets() const;
  // Next offset to apply per partition, including batches still being written.
  [[nodiscard]] std::optional<events::offset> next_offset(const events::topic_partition& tp) const;
  // Whether RocksDB holds the id in the dedup column family (written batches only). Safe to call
  // from another thread while batches are staged and written: the projector asks it for the next
  // batch while the current one is applied.
  [[nodiscard]] bool id_stored(const dedup_id& event_id) const;
  // id_stored() for a batch: found[i] = 1 when RocksDB holds *ids[i]. One MultiGet, which batches
  // the memtable and bloom filter probes of all the ids, instead of one Get per id.
  void ids_stored(const std::vector<const dedup_id*>& ids, std::vector<std::uint8_t>& found) const;
  [[nodiscard]] view_counters counters() const;
  // RocksDB's memory, in bytes, for the projector's stop line: memtables (all column families,
  // mutable and immutable), the block cache's content (pinned index and filter blocks included)
  // and table readers outside it.
  struct memory_use {
    std::uint64_t memtables{0};
    std::uint64_t block_cache{0};
    std::uint64_t table_readers{0};
  };
  [[nodiscard]] memory_use memory() const;
  [[nodiscard]] state_digest digest() const;
  [[nodiscard]] const std::filesystem::path& path() const { return dir_; }
  [[nodiscard]] bool is_secondary() const { return secondary_; }

private:
  friend class write_batch_txn;
  view_store() = default;
  class db_reader;

  std::filesystem::path dir_;
  bool secondary_{false};
  store_options options_;
  std::unique_ptr<rocksdb::DB> db_;
  std::array<rocksdb::ColumnFamilyHandle*, 3> cf_{};  // default, meta, dedup (owned by db_)
  std::unique_ptr<db_reader> reader_;
  std::map<events::topic_partition, events::offset> offsets_;  // including the batch in flight
  view_counters counters_;                                     // including the batch in flight
  // The last batch handed to the writer: read by the next batch until RocksDB has it (after that it
  // only repeats what RocksDB says). Views keep their hot aggregates parsed in memory themselves.
  std::shared_ptr<const staged_writes> inflight_;
  // The batch written before it, kept one batch longer for its ids: a stored_hint for a batch is
  // taken while this one may still be being written (see write_batch_txn::seen).
  std::shared_ptr<const staged_writes> previous_;

  // The background writer: one WriteBatch in flight at most.
  struct write_job;
  [[nodiscard]] events::result<void> write(write_job& work);
  std::unique_ptr<detail::id_journal> journal_;  // the primary's recent ids (see id_journal.hpp)
  std::unique_ptr<detail::background_task> writer_;
  std::optional<events::error> write_failure_;  // of a batch written in the background
};

}  // namespace fleetledger::projections

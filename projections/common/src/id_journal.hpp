#pragma once
// The event ids of recent batches, kept out of the dedup column family's memtable.
//
// Every applied event id must be remembered for good (duplicates are ignored however late they come).
// Written as one RocksDB key per id, their memtable inserts were two thirds of the writer thread's
// CPU. Instead, each batch writes its ids as one journal value (key 0x02 + batch number) in the
// dedup column family, in the same WriteBatch as its state and offsets, and this journal keeps them
// in memory for lookups. Once it holds `seal_after` ids, they are written, sorted, to one table file
// that is ingested into the dedup column family (where ids live as dedup_id::key() keys, as before),
// and the journal values are deleted.
//
// Crash safety: a batch's ids are durable with its state (same WriteBatch). A kill after the
// ingestion but before the journal values are deleted leaves ids in both places; they are loaded
// again at start and sealed once more, which writes the same keys again (harmless). A table file
// left half-written is deleted at start.
//
// Threads: the store's writer thread appends, commits and seals; the projector's decode and apply
// threads look ids up at the same time (contains*), so the in-memory set is guarded by a mutex.
// A lookup must ask the journal before RocksDB: a sealed id is ingested before it leaves the journal.
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

#include "fleetledger/events/result.hpp"
#include "fleetledger/projections/dedup_id.hpp"

namespace rocksdb {
class ColumnFamilyHandle;
class DB;
class WriteBatch;
}  // namespace rocksdb

namespace fleetledger::projections::detail {

class id_journal {
public:
  id_journal(rocksdb::DB& db, rocksdb::ColumnFamilyHandle& cf, std::filesystem::path dir, std::size_t seal_after)
      : db_(db), cf_(cf), dir_(std::move(dir)), seal_after_(seal_after) {}

  // Reads the journal values left by the last run (and removes a table file a kill left behind).
  [[nodiscard]] events::result<void> load();

  // Adds the batch's ids to its WriteBatch as one journal value (writer thread, before the write).
  void append(rocksdb::WriteBatch& batch, const dedup_id_set& ids);
  // After that WriteBatch is written: its ids are now found by lookups.
  void committed(const dedup_id_set& ids);
  // Moves the journal into the dedup column family once it holds seal_after ids (writer thread).
  [[nodiscard]] events::result<void> seal_if_full();
  [[nodiscard]] events::result<void> seal();

  [[nodiscard]] bool contains(const dedup_id& id) const;
  // found[i] = 1 when the journal holds *ids[i]; entries already 1 are left alone.
  void contains_each(const std::vector<const dedup_id*>& ids, std::vector<std::uint8_t>& found) const;
  [[nodiscard]] std::size_t size() const;

private:
  rocksdb::DB& db_;
  rocksdb::ColumnFamilyHandle& cf_;
  std::filesystem::path dir_;
  std::size_t seal_after_;
  std::uint64_t next_number_{0};        // of the next journal value
  std::vector<std::uint64_t> numbers_;  // of the journal values held (writer thread only)
  mutable std::mutex mutex_;            // guards ids_
  dedup_id_set ids_;
};

}  // namespace fleetledger::projections::detail

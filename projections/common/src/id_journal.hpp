#pragma once
// The event ids of recent batches, kept out of the dedup column family's memtable.
//
// Every applied event id must be remembered for good (duplicates are ignored however late they come).
// Written as one RocksDB key per id, their memtable inserts were two thirds of the writer thread's
// CPU. Instead, each batch writes its ids as one journal value (key 0x02 + batch number) in the
// dedup column family, in the same WriteBatch as its state and offsets, and this journal keeps them
// in memory for lookups. Once it holds `seal_after` ids, they are written, sorted, to one table file
// that is ingested into the dedup column family (where ids live as dedup_id::key() keys, as before),
// and the journal values are deleted. Sealing runs on its own thread (fl-seal): the writer hands
// it the ids and journal values held so far and goes on journaling later batches into a fresh set
// (a seal took the writer 80-110 ms, during which the whole pipeline waited).
//
// Crash safety: a batch's ids are durable with its state (same WriteBatch). A kill after the
// ingestion but before the journal values are deleted leaves ids in both places; they are loaded
// again at start and sealed once more, which writes the same keys again (harmless). A table file
// left half-written is deleted at start.
//
// Threads: the store's writer thread appends, commits and starts seals; the sealing thread reads
// the set it was handed and empties it once ingested; the projector's decode and apply threads
// look ids up at the same time (contains*, in both sets), so the sets are guarded by a mutex.
// A lookup must ask the journal before RocksDB: a sealed id is ingested before it leaves the journal.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "background_task.hpp"
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
  // Once the journal holds seal_after ids, hands them to the sealing thread, which moves them into
  // the dedup column family (writer thread; waits for the previous seal first). Reports a failed
  // seal at the first call after it failed, so the batch after it fails too.
  [[nodiscard]] events::result<void> seal_if_full();
  // Waits for a seal in progress; its failure, if it failed. Before the database closes.
  [[nodiscard]] events::result<void> wait_for_seal();

  [[nodiscard]] bool contains(const dedup_id& id) const;
  // found[i] = 1 when the journal holds *ids[i]; entries already 1 are left alone.
  void contains_each(const std::vector<const dedup_id*>& ids, std::vector<std::uint8_t>& found) const;

private:
  // Writes sealing_ to a table, ingests it and deletes the journal values sealing_numbers_
  // (sealing thread).
  [[nodiscard]] events::result<void> seal();

  rocksdb::DB& db_;
  rocksdb::ColumnFamilyHandle& cf_;
  std::filesystem::path dir_;
  std::size_t seal_after_;
  std::uint64_t next_number_{0};        // of the next journal value
  std::vector<std::uint64_t> numbers_;  // of the journal values in ids_ (writer thread only)
  mutable std::mutex mutex_;            // guards ids_, seal_failure_, and sealing_ while it is emptied or refilled
  dedup_id_set ids_;                    // not handed to a seal yet
  dedup_id_set sealing_;                // handed to the seal in progress (or to a failed one)
  std::vector<std::uint64_t> sealing_numbers_;  // their journal values (the seal's, while it runs)
  std::optional<events::error> seal_failure_;   // set by the sealing thread
  std::unique_ptr<background_task> sealer_;     // last: joined before the rest goes
};

}  // namespace fleetledger::projections::detail

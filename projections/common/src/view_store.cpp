#include "fleetledger/projections/view_store.hpp"

#include <openssl/evp.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/options.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/table.h>
#include <rocksdb/utilities/options_util.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "fleetledger/events/log.hpp"
#include "fleetledger/projections/key_codec.hpp"

#include "background_task.hpp"
#include "id_journal.hpp"
#include "rocks_error.hpp"

namespace fleetledger::projections {

using detail::rocks_error;
using events::errc;
using events::make_error;

namespace {
constexpr std::size_t cf_default = 0;
constexpr std::size_t cf_meta = 1;
constexpr std::size_t cf_dedup = 2;
constexpr std::string_view counters_key = "counters";
// The layout version of the meta and dedup column families. 2: dedup keys are dedup_id::key().
// 3: recent ids in the dedup journal (id_journal.hpp); a version 2 store is read as it is (its
// journal is empty) and marked 3, since a build that writes 2 would not read the journal.
constexpr std::string_view format_key = "format";
constexpr std::string_view format_version = "3";
constexpr std::string_view format_version_without_journal = "2";
constexpr std::string_view offset_prefix = "offset\x1f";

std::string offset_key(const events::topic_partition& tp) {
  std::string k(offset_prefix);
  k += tp.topic.value();
  k += key_sep;
  append_ordered_i64(k, tp.partition.value());
  return k;
}

std::string encode_i64(std::int64_t v) {
  std::string s;
  append_ordered_i64(s, v);
  return s;
}

std::string encode_counters(const view_counters& c) {
  std::string s;
  for (std::int64_t v : {c.applied, c.rejected, c.ignored, c.duplicates, c.dead_lettered}) append_ordered_i64(s, v);
  return s;
}

view_counters decode_counters(std::string_view s) {
  view_counters c;
  std::int64_t* fields[] = {&c.applied, &c.rejected, &c.ignored, &c.duplicates, &c.dead_lettered};
  for (std::size_t i = 0; i < 5 && s.size() >= (i + 1) * 8; ++i) *fields[i] = read_ordered_i64(s.substr(i * 8));
  return c;
}

rocksdb::Options base_options(const store_options& so) {
  rocksdb::Options o;
  o.create_if_missing = true;
  o.create_missing_column_families = true;
  o.max_background_jobs = 2;
  // Memory is bounded by configuration, not by how many events were replayed: at most two
  // memtables per column family and a fixed block cache (the views bound their own caches).
  o.write_buffer_size = 32u << 20;
  o.max_write_buffer_number = 2;
  // Flushes and L0->L1 compactions run while the projector catches up, on the same two cores:
  // those levels are written uncompressed (they are small), deeper ones with LZ4, the last with ZSTD.
  o.compression_per_level = {rocksdb::kNoCompression, rocksdb::kNoCompression, rocksdb::kLZ4Compression,
                             rocksdb::kLZ4Compression, rocksdb::kLZ4Compression, rocksdb::kLZ4Compression,
                             rocksdb::kLZ4Compression};
  o.bottommost_compression = rocksdb::kZSTD;
  o.keep_log_file_num = 3;
  o.max_log_file_size = 8u << 20;
  rocksdb::BlockBasedTableOptions t;
  t.block_cache = rocksdb::NewLRUCache(so.block_cache_bytes);
  t.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10, false));
  // Index and filter blocks live in the block cache too (L0's pinned there): left outside it, they
  // are kept for every open table and grow with the data, the one memory use configuration did
  // not bound (seen as a projector's peak RSS still rising between 1 and 2 million events).
  t.cache_index_and_filter_blocks = true;
  t.cache_index_and_filter_blocks_with_high_priority = true;
  t.pin_l0_filter_and_index_blocks_in_cache = true;
  // Partitioned: a large table's filter and index are cut into 4 KB blocks under a small pinned
  // top level, so a lookup loads one partition. With one whole filter per table (about 1 MB for a
  // 64 MB dedup table), a replay of 4M events outgrew the cache: every id lookup reread and
  // checksummed a megabyte filter (the marketplace decode thread spent minutes in XXH3 and reads).
  t.index_type = rocksdb::BlockBasedTableOptions::kTwoLevelIndexSearch;
  t.partition_filters = true;
  t.metadata_block_size = 4096;
  t.pin_top_level_index_and_filter = true;
  o.table_factory.reset(rocksdb::NewBlockBasedTableFactory(t));
  return o;
}

// The memtable insert hint's prefix: a key up to its second separator ("family\x1fid"), so the
// versions of one record, or the entries of one cluster's history, share a hint. The hints live in
// the memtable's arena, so their memory is bounded by write_buffer_size like the entries'.
class insert_hint_prefix final : public rocksdb::SliceTransform {
public:
  const char* Name() const override { return "fleetledger.insert_hint_prefix"; }
  rocksdb::Slice Transform(const rocksdb::Slice& key) const override {
    const std::string_view k(key.data(), key.size());
    const auto first = k.find(key_sep);
    const auto second = first == std::string_view::npos ? first : k.find(key_sep, first + 1);
    return rocksdb::Slice(key.data(), second == std::string_view::npos ? key.size() : second);
  }
  bool InDomain(const rocksdb::Slice&) const override { return true; }
};

std::vector<rocksdb::ColumnFamilyDescriptor> column_families(const rocksdb::Options& base) {
  rocksdb::ColumnFamilyOptions state(base);
  // Each batch overwrites the same hot records (a cluster's edge state, utilisation, record) and
  // appends to per-cluster histories: with a hint per record family + first id, an insert starts at
  // the previous insert of that prefix (just before the record's older version, or just after the
  // cluster's last history entry) instead of searching the whole skip list, which had every
  // version of every hot record to compare against (10-25% of the writer thread's time).
  state.memtable_insert_with_hint_prefix_extractor = std::make_shared<insert_hint_prefix>();
  rocksdb::ColumnFamilyOptions meta(base);
  meta.write_buffer_size = 4u << 20;
  rocksdb::ColumnFamilyOptions dedup(base);
  // Its memtable holds only the journal (one value per batch, see id_journal.hpp): the ids
  // themselves arrive as ingested tables. 4 MiB is about one seal's worth of journal values, so a
  // flush writes at most that much that is deleted again at the next seal.
  dedup.write_buffer_size = 4u << 20;
  // Random 16-byte ids do not compress: do not spend CPU trying.
  dedup.compression_per_level.clear();
  dedup.compression = rocksdb::kNoCompression;
  dedup.bottommost_compression = rocksdb::kNoCompression;
  // Most lookups are for ids never seen: bloom filters in the tables answer those without touching
  // data blocks (and in the memtable, which has a few journal values only).
  dedup.memtable_prefix_bloom_size_ratio = 0.05;
  dedup.memtable_whole_key_filtering = true;
  return {{rocksdb::kDefaultColumnFamilyName, state}, {"meta", meta}, {"dedup", dedup}};
}

// Iterates keys with prefix starting at start, calling fn until it returns false.
void iterate(rocksdb::DB& db, rocksdb::ColumnFamilyHandle* cf, std::string_view prefix,
             std::string_view start, const visitor& fn) {
  rocksdb::ReadOptions ro;
  ro.total_order_seek = true;
  std::unique_ptr<rocksdb::Iterator> it(db.NewIterator(ro, cf));
  const std::string_view from = start.empty() || start < prefix ? prefix : start;
  for (it->Seek(rocksdb::Slice(from.data(), from.size())); it->Valid(); it->Next()) {
    const auto k = it->key();
    const std::string_view key(k.data(), k.size());
    if (key.substr(0, prefix.size()) != prefix) break;
    const auto v = it->value();
    if (!fn(key, std::string_view(v.data(), v.size()))) break;
  }
}
}  // namespace

// What the writer thread gets for one batch.
struct view_store::write_job {
  std::shared_ptr<const staged_writes> writes;
  std::vector<std::pair<std::string, std::string>> meta;  // offsets and counters, encoded
  std::shared_ptr<const staged_writes> retire;  // the batch before: freed there, off the consume loop
};

// Builds and writes one batch's WriteBatch (on the writer thread, so the consume loop only stages).
events::result<void> view_store::write(write_job& work) {
  work.retire.reset();
  // Keys go in sorted: the memtable's skip list keeps the last insert position, so an insert
  // just after the previous one skips most of the search.
  rocksdb::WriteBatch batch;
  std::vector<const key_value_map::value_type*> state;
  state.reserve(work.writes->state.size());
  for (const auto& entry : work.writes->state) state.push_back(&entry);
  std::sort(state.begin(), state.end(), [](const auto* a, const auto* b) { return a->first < b->first; });
  for (const auto* entry : state) {
    if (entry->second) {
      batch.Put(cf_[cf_default], entry->first, *entry->second);
    } else {
      batch.Delete(cf_[cf_default], entry->first);
    }
  }
  // The batch's event ids: one journal value (see id_journal.hpp), not a key per id.
  journal_->append(batch, work.writes->ids);
  for (const auto& [k, v] : work.meta) batch.Put(cf_[cf_meta], k, v);
  rocksdb::WriteOptions wo;
  wo.sync = options_.sync_writes;
  if (const auto s = db_->Write(wo, &batch); !s.ok()) return rocks_error("commit batch to " + dir_.string(), s);
  journal_->committed(work.writes->ids);
  work.writes.reset();  // the consume loop may still hold it (inflight_); else it is freed here
  return journal_->seal_if_full();
}

// Reads straight from RocksDB (committed state only).
class view_store::db_reader final : public state_reader {
public:
  explicit db_reader(view_store& s) : store_(s) {}
  std::optional<std::string> get(std::string_view key) const override {
    std::string v;
    const auto s = store_.db_->Get(rocksdb::ReadOptions(), store_.cf_[cf_default],
                                   rocksdb::Slice(key.data(), key.size()), &v);
    if (s.IsNotFound()) return std::nullopt;
    if (!s.ok()) {
      events::log::error("rocksdb get failed", {{"error", s.ToString()}});
      return std::nullopt;
    }
    return v;
  }
  void scan(std::string_view prefix, const visitor& fn, std::string_view start) const override {
    iterate(*store_.db_, store_.cf_[cf_default], prefix, start, fn);
  }

private:
  view_store& store_;
};

view_store::~view_store() {
  writer_.reset();  // finishes the write in flight
  if (journal_) (void)journal_->wait_for_seal();  // a seal in progress uses the database
  if (db_) {
    for (auto* h : cf_) {
      if (h != nullptr && h != db_->DefaultColumnFamily()) db_->DestroyColumnFamilyHandle(h);
    }
    if (!secondary_) (void)db_->Close();
  }
}

events::result<std::unique_ptr<view_store>> view_store::open(const std::filesystem::path& dir,
                                                            const store_options& options) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return make_error(errc::io_error, "cannot create " + dir.string() + ": " + ec.message());
  const auto opts = base_options(options);
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  const auto s = rocksdb::DB::Open(rocksdb::DBOptions(opts), dir.string(), column_families(opts), &handles, &raw);
  if (!s.ok()) return rocks_error("cannot open view store " + dir.string(), s);
  std::unique_ptr<view_store> store(new view_store());
  store->dir_ = dir;
  store->options_ = options;
  store->db_.reset(raw);
  for (std::size_t i = 0; i < 3; ++i) store->cf_[i] = handles[i];
  store->reader_ = std::make_unique<db_reader>(*store);
  // Load offsets and counters once; afterwards this process is their only writer.
  iterate(*store->db_, store->cf_[cf_meta], offset_prefix, {}, [&](std::string_view k, std::string_view v) {
    const auto rest = k.substr(offset_prefix.size());
    const auto sep = rest.find(key_sep);
    if (sep == std::string_view::npos || rest.size() < sep + 9) return true;
    const events::topic_partition tp{events::topic_name(std::string(rest.substr(0, sep))),
                                     events::partition_id(static_cast<std::int32_t>(read_ordered_i64(rest.substr(sep + 1))))};
    store->offsets_[tp] = events::offset(read_ordered_i64(v));
    return true;
  });
  std::string counters;
  if (store->db_->Get(rocksdb::ReadOptions(), store->cf_[cf_meta], rocksdb::Slice(counters_key.data(), counters_key.size()), &counters).ok()) {
    store->counters_ = decode_counters(counters);
  }
  // A store written with another dedup layout would apply old events again: refuse it by name.
  std::string format;
  const rocksdb::Slice fk(format_key.data(), format_key.size());
  if (store->db_->Get(rocksdb::ReadOptions(), store->cf_[cf_meta], fk, &format).ok()) {
    if (format == format_version_without_journal) {
      if (const auto w = store->db_->Put(rocksdb::WriteOptions(), store->cf_[cf_meta], fk,
                                         rocksdb::Slice(format_version.data(), format_version.size()));
          !w.ok()) {
        return rocks_error("cannot write the layout version of " + dir.string(), w);
      }
    } else if (format != format_version) {
      return make_error(errc::invalid_argument, "view store " + dir.string() + " has layout version " + format +
                                                    ", this build writes " + std::string(format_version) +
                                                    ": rebuild it (--rebuild)");
    }
  } else if (!store->offsets_.empty()) {
    return make_error(errc::invalid_argument, "view store " + dir.string() +
                                                  " was written by an older fleetledger (layout version 1): rebuild it "
                                                  "(--rebuild)");
  } else if (const auto w = store->db_->Put(rocksdb::WriteOptions(), store->cf_[cf_meta], fk,
                                            rocksdb::Slice(format_version.data(), format_version.size()));
             !w.ok()) {
    return rocks_error("cannot write the layout version of " + dir.string(), w);
  }
  store->journal_ = std::make_unique<detail::id_journal>(*store->db_, *store->cf_[cf_dedup], dir,
                                                         std::max<std::size_t>(options.dedup_seal_ids, 1));
  if (auto r = store->journal_->load(); !r) return r.err();
  return store;
}

events::result<std::unique_ptr<view_store>> view_store::open_secondary(const std::filesystem::path& dir,
                                                                      const std::filesystem::path& secondary_dir) {
  std::error_code ec;
  std::filesystem::create_directories(secondary_dir, ec);
  if (ec) return make_error(errc::io_error, "cannot create " + secondary_dir.string() + ": " + ec.message());
  auto opts = base_options({});
  opts.create_if_missing = false;
  opts.max_open_files = -1;  // required for secondary instances
  // Every TryCatchUpWithPrimary builds a Version and loads its table handlers with this many threads,
  // created and joined on each call even when nothing changed (16 by default: ~1,200 thread
  // creations/s for the reader's three views at 50 ms, each exit's munmap interrupting the serving
  // threads). The secondary's tables are few and already open: load them on the calling thread.
  opts.max_file_opening_threads = 1;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  const auto s = rocksdb::DB::OpenAsSecondary(rocksdb::DBOptions(opts), dir.string(), secondary_dir.string(),
                                              column_families(opts), &handles, &raw);
  if (!s.ok()) return rocks_error("cannot open view store " + dir.string() + " as secondary", s);
  std::unique_ptr<view_store> store(new view_store());
  store->dir_ = dir;
  store->secondary_ = true;
  store->db_.reset(raw);
  for (std::size_t i = 0; i < 3; ++i) store->cf_[i] = handles[i];
  store->reader_ = std::make_unique<db_reader>(*store);
  return store;
}

events::result<void> view_store::catch_up() {
  if (!secondary_) return {};
  const auto s = db_->TryCatchUpWithPrimary();
  if (!s.ok()) return rocks_error("catch up with primary " + dir_.string(), s);
  return {};
}

std::unique_ptr<write_batch_txn> view_store::begin() { return std::make_unique<write_batch_txn>(*this); }

events::result<void> view_store::wait_for_writes() const {
  if (!writer_) return {};
  writer_->wait();
  if (write_failure_) return *write_failure_;  // a failed write fails every later wait
  return {};
}

events::result<void> view_store::commit(write_batch_txn& txn) {
  if (auto r = commit_async(txn); !r) return r;
  return wait_for_writes();
}

events::result<void> view_store::commit_async(write_batch_txn& txn) {
  if (secondary_) return make_error(errc::internal, "commit on a read-only secondary view store");
  // One write in flight at most: from here on, everything before this batch is in RocksDB.
  if (auto r = wait_for_writes(); !r) return r;
  write_job work;
  for (const auto& [tp, next] : txn.offsets_) work.meta.emplace_back(offset_key(tp), encode_i64(next.value()));
  view_counters total = counters_;
  total.applied += txn.counters_.applied;
  total.rejected += txn.counters_.rejected;
  total.ignored += txn.counters_.ignored;
  total.duplicates += txn.counters_.duplicates;
  total.dead_lettered += txn.counters_.dead_lettered;
  work.meta.emplace_back(counters_key, encode_counters(total));

  // Later batches read this one's writes and ids from inflight_ until RocksDB has them.
  counters_ = total;
  for (const auto& [tp, next] : txn.offsets_) offsets_[tp] = next;
  work.retire = std::move(previous_);
  previous_ = std::move(inflight_);
  inflight_ = txn.pending_;
  work.writes = std::move(txn.pending_);
  txn.pending_ = std::make_shared<staged_writes>();
  txn.offsets_.clear();
  txn.counters_ = {};

  if (!writer_) writer_ = std::make_unique<detail::background_task>("fl-writer");
  // The failure is set on the writer thread and read after wait(), which orders the two.
  writer_->run([this, work = std::move(work)]() mutable {
    if (auto r = write(work); !r) write_failure_ = std::move(r.err());
  });
  return {};
}

const state_reader& view_store::reader() const { return *reader_; }

events::offset_vector view_store::offsets() const {
  events::offset_vector out;
  if (!secondary_) {
    (void)wait_for_writes();  // report only what is durable
    for (const auto& [tp, next] : offsets_) out.push_back({tp, next});
    return out;
  }
  iterate(*db_, cf_[cf_meta], offset_prefix, {}, [&](std::string_view k, std::string_view v) {
    const auto rest = k.substr(offset_prefix.size());
    const auto sep = rest.find(key_sep);
    if (sep == std::string_view::npos || rest.size() < sep + 9) return true;
    out.push_back({{events::topic_name(std::string(rest.substr(0, sep))),
                    events::partition_id(static_cast<std::int32_t>(read_ordered_i64(rest.substr(sep + 1))))},
                   events::offset(read_ordered_i64(v))});
    return true;
  });
  return out;
}

std::optional<events::offset> view_store::next_offset(const events::topic_partition& tp) const {
  if (!secondary_) {
    if (const auto it = offsets_.find(tp); it != offsets_.end()) return it->second;
    return std::nullopt;
  }
  std::string v;
  if (!db_->Get(rocksdb::ReadOptions(), cf_[cf_meta], offset_key(tp), &v).ok()) return std::nullopt;
  return events::offset(read_ordered_i64(v));
}

view_store::memory_use view_store::memory() const {
  memory_use m;
  for (auto* cf : cf_) {
    std::uint64_t v = 0;
    if (cf == nullptr) continue;
    if (db_->GetIntProperty(cf, rocksdb::DB::Properties::kSizeAllMemTables, &v)) m.memtables += v;
    if (db_->GetIntProperty(cf, rocksdb::DB::Properties::kEstimateTableReadersMem, &v)) m.table_readers += v;
  }
  std::uint64_t v = 0;
  if (db_->GetIntProperty(rocksdb::DB::Properties::kBlockCacheUsage, &v)) m.block_cache = v;
  return m;
}

view_counters view_store::counters() const {
  if (!secondary_) return counters_;
  std::string v;
  if (!db_->Get(rocksdb::ReadOptions(), cf_[cf_meta], rocksdb::Slice(counters_key.data(), counters_key.size()), &v).ok()) return {};
  return decode_counters(v);
}

state_digest view_store::digest() const {
  (void)wait_for_writes();
  state_digest d;
  // Read state and offsets from one snapshot so the digest names exactly the offsets it reflects.
  // A secondary instance has no snapshots (it only moves in catch_up(), which the caller controls).
  const rocksdb::Snapshot* snap = secondary_ ? nullptr : db_->GetSnapshot();
  rocksdb::ReadOptions ro;
  ro.snapshot = snap;
  ro.total_order_seek = true;
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr);
  auto feed = [&](std::string_view bytes) {
    const std::uint64_t n = bytes.size();
    unsigned char len[8];
    for (int i = 0; i < 8; ++i) len[i] = static_cast<unsigned char>(n >> (56 - 8 * i));
    EVP_DigestUpdate(ctx.get(), len, sizeof len);
    EVP_DigestUpdate(ctx.get(), bytes.data(), bytes.size());
  };
  {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, cf_[cf_default]));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      feed(std::string_view(it->key().data(), it->key().size()));
      feed(std::string_view(it->value().data(), it->value().size()));
      ++d.keys;
    }
  }
  {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, cf_[cf_meta]));
    const rocksdb::Slice prefix(offset_prefix.data(), offset_prefix.size());
    for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
      const std::string_view rest(it->key().data() + prefix.size(), it->key().size() - prefix.size());
      const auto sep = rest.find(key_sep);
      if (sep == std::string_view::npos || rest.size() < sep + 9) continue;
      d.offsets.push_back({{events::topic_name(std::string(rest.substr(0, sep))),
                            events::partition_id(static_cast<std::int32_t>(read_ordered_i64(rest.substr(sep + 1))))},
                           events::offset(read_ordered_i64(std::string_view(it->value().data(), it->value().size())))});
    }
  }
  if (snap != nullptr) db_->ReleaseSnapshot(snap);
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx.get(), out, &len);
  static constexpr char hex[] = "0123456789abcdef";
  d.sha256_hex.reserve(len * 2);
  for (unsigned int i = 0; i < len; ++i) {
    d.sha256_hex += hex[out[i] >> 4];
    d.sha256_hex += hex[out[i] & 0xf];
  }
  return d;
}

// ---- write_batch_txn ----

std::optional<std::string> write_batch_txn::get(std::string_view key) const {
  if (const auto it = pending_->state.find(key); it != pending_->state.end()) return it->second;
  if (store_.inflight_) {
    if (const auto it = store_.inflight_->state.find(key); it != store_.inflight_->state.end()) return it->second;
  }
  return store_.reader().get(key);
}

void write_batch_txn::scan(std::string_view prefix, const visitor& fn, std::string_view start) const {
  // Streams committed keys and merges in the writes RocksDB does not have yet (this batch's, and
  // the one being written in the background; sorted here: scans are rare in apply(), point reads
  // are not), the newest winning on equal keys, so a visitor that stops early costs only what it
  // visited.
  const std::string_view from = start.empty() || start < prefix ? prefix : start;
  auto in_range = [&](std::string_view k) { return k.substr(0, prefix.size()) == prefix && k >= from; };
  std::map<std::string_view, const std::optional<std::string>*> staged;
  if (store_.inflight_) {
    for (const auto& [k, v] : store_.inflight_->state) {
      if (in_range(k)) staged[k] = &v;
    }
  }
  for (const auto& [k, v] : pending_->state) {
    if (in_range(k)) staged[k] = &v;
  }
  // Copies: the visitor may write to this batch, which can rehash pending_.
  std::vector<std::pair<std::string, std::optional<std::string>>> merged_in;
  merged_in.reserve(staged.size());
  for (const auto& [k, v] : staged) merged_in.emplace_back(std::string(k), *v);
  rocksdb::ReadOptions ro;
  ro.total_order_seek = true;
  std::unique_ptr<rocksdb::Iterator> it(store_.db_->NewIterator(ro, store_.cf_[cf_default]));
  it->Seek(rocksdb::Slice(from.data(), from.size()));
  auto in_prefix = [&](std::string_view k) { return k.substr(0, prefix.size()) == prefix; };
  auto p = merged_in.begin();
  while (true) {
    const bool has_c = it->Valid() && in_prefix(std::string_view(it->key().data(), it->key().size()));
    const bool has_p = p != merged_in.end();
    if (!has_p && !has_c) return;
    const std::string_view ck = has_c ? std::string_view(it->key().data(), it->key().size()) : std::string_view();
    if (has_p && (!has_c || std::string_view(p->first) <= ck)) {
      if (has_c && std::string_view(p->first) == ck) it->Next();
      const auto& entry = *p;
      ++p;
      if (entry.second && !fn(entry.first, *entry.second)) return;
    } else {
      const std::string key(ck);
      const std::string value(it->value().data(), it->value().size());
      it->Next();
      if (!fn(key, value)) return;
    }
  }
}

void write_batch_txn::put(std::string_view key, std::string_view value) {
  auto& state = pending_->state;
  if (const auto it = state.find(key); it != state.end()) {
    // A hot key is rewritten often in one batch: reuse its key and, when it has one, its buffer.
    if (it->second) {
      it->second->assign(value);
    } else {
      it->second.emplace(value);
    }
  } else {
    state.emplace(std::string(key), std::string(value));
  }
}

void write_batch_txn::erase(std::string_view key) {
  auto& state = pending_->state;
  if (const auto it = state.find(key); it != state.end()) {
    it->second.reset();
  } else {
    state.emplace(std::string(key), std::nullopt);
  }
}

bool write_batch_txn::seen(const dedup_id& event_id, std::optional<bool> stored_hint) const {
  if (pending_->ids.contains(event_id)) return true;
  if (store_.inflight_ && store_.inflight_->ids.contains(event_id)) return true;
  if (store_.previous_ && store_.previous_->ids.contains(event_id)) return true;
  if (stored_hint) return *stored_hint;
  return store_.id_stored(event_id);
}

bool view_store::id_stored(const dedup_id& event_id) const {
  if (journal_ && journal_->contains(event_id)) return true;  // first: see id_journal.hpp
  rocksdb::PinnableSlice ignored;
  if (event_id.is_uuid()) {  // the key on the stack: no allocation per lookup
    std::array<char, dedup_id::uuid_key_size> key{};
    dedup_id::uuid_key(event_id.uuid_bytes(), key);
    return db_->Get(rocksdb::ReadOptions(), cf_[cf_dedup], rocksdb::Slice(key.data(), key.size()), &ignored).ok();
  }
  const std::string key = event_id.key();
  return db_->Get(rocksdb::ReadOptions(), cf_[cf_dedup], rocksdb::Slice(key), &ignored).ok();
}

void view_store::ids_stored(const std::vector<const dedup_id*>& ids, std::vector<std::uint8_t>& found) const {
  if (ids.empty()) return;
  std::fill(found.begin(), found.begin() + static_cast<std::ptrdiff_t>(ids.size()), std::uint8_t{0});
  if (journal_) journal_->contains_each(ids, found);  // first: see id_journal.hpp
  // The keys in one buffer, handed to MultiGet in key order: sorting them here by their bytes is
  // much cheaper than MultiGet's own sort (a virtual comparator per step; 12% of the decode thread).
  std::string buffer;
  std::vector<std::pair<std::size_t, std::size_t>> spans;  // offset and size in buffer
  std::vector<std::size_t> asked;                          // the index in ids
  buffer.reserve(ids.size() * dedup_id::uuid_key_size);
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (found[i] != 0) continue;
    const auto at = buffer.size();
    ids[i]->append_key(buffer);
    spans.emplace_back(at, buffer.size() - at);
    asked.push_back(i);
  }
  if (asked.empty()) return;
  auto key_of = [&](std::size_t j) { return std::string_view(buffer.data() + spans[j].first, spans[j].second); };
  std::vector<std::size_t> order(asked.size());
  for (std::size_t j = 0; j < order.size(); ++j) order[j] = j;
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return key_of(a) < key_of(b); });
  std::vector<rocksdb::Slice> slices;
  slices.reserve(order.size());
  for (const auto j : order) slices.emplace_back(key_of(j).data(), key_of(j).size());
  std::vector<rocksdb::PinnableSlice> values(slices.size());
  std::vector<rocksdb::Status> statuses(slices.size());
  db_->MultiGet(rocksdb::ReadOptions(), cf_[cf_dedup], slices.size(), slices.data(), values.data(), statuses.data(),
                /*sorted_input=*/true);
  for (std::size_t k = 0; k < order.size(); ++k) found[asked[order[k]]] = statuses[k].ok() ? 1 : 0;
}

void write_batch_txn::mark_seen(const dedup_id& event_id) { pending_->ids.insert(event_id); }

void write_batch_txn::set_next_offset(const events::topic_partition& tp, events::offset next) { offsets_[tp] = next; }

}  // namespace fleetledger::projections

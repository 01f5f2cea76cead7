#include "id_journal.hpp"

#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/sst_file_writer.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <memory>

#include "fleetledger/events/wire_writer.hpp"

#include "rocks_error.hpp"

namespace fleetledger::projections::detail {

using events::errc;
using events::make_error;

namespace {
// Journal keys sort after every id key (0x00 UUIDs, 0x01 other ids), so a sealed table's key range
// never overlaps them and its ingestion never has to flush the memtable holding them.
constexpr char journal_tag = '\2';
constexpr std::size_t journal_key_size = 9;
constexpr std::string_view unsealed_file = "fleetledger-sealing-ids.sst";

std::array<char, journal_key_size> journal_key(std::uint64_t number) {
  std::array<char, journal_key_size> k{};
  k[0] = journal_tag;
  for (std::size_t i = 0; i < 8; ++i) k[1 + i] = static_cast<char>(number >> (56 - 8 * i));
  return k;
}

// A journal value: per id, 0x00 + 16 bytes, or 0x01 + varint length + the text.
std::string encode_ids(const dedup_id_set& ids) {
  std::string out;
  out.reserve(ids.size() * dedup_id::uuid_key_size);
  ids.for_each_uuid([&](const dedup_id_set::uuid_bytes& bytes) {
    out += '\0';
    out.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  });
  for (const auto& other : ids.others()) {
    out += '\1';
    events::wire::put_varint(out, other.size());
    out += other;
  }
  return out;
}

bool decode_ids(std::string_view in, dedup_id_set& ids) {
  while (!in.empty()) {
    const char tag = in.front();
    in.remove_prefix(1);
    if (tag == '\0') {
      if (in.size() < 16) return false;
      dedup_id_set::uuid_bytes bytes;
      std::memcpy(bytes.data(), in.data(), bytes.size());
      ids.insert(bytes);
      in.remove_prefix(16);
    } else if (tag == '\1') {
      std::uint64_t n = 0;
      for (int shift = 0;; shift += 7) {
        if (in.empty() || shift > 28) return false;
        const auto byte = static_cast<unsigned char>(in.front());
        in.remove_prefix(1);
        n |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
        if (byte < 0x80) break;
      }
      if (in.size() < n) return false;
      ids.insert_other(std::string(in.substr(0, n)));
      in.remove_prefix(n);
    } else {
      return false;
    }
  }
  return true;
}
}  // namespace

events::result<void> id_journal::load() {
  std::error_code ec;
  std::filesystem::remove(dir_ / unsealed_file, ec);
  const auto first = journal_key(0);
  rocksdb::ReadOptions ro;
  ro.total_order_seek = true;
  std::unique_ptr<rocksdb::Iterator> it(db_.NewIterator(ro, &cf_));
  std::lock_guard lock(mutex_);
  for (it->Seek(rocksdb::Slice(first.data(), first.size())); it->Valid(); it->Next()) {
    const auto key = it->key();
    if (key.size() != journal_key_size || key[0] != journal_tag) {
      return make_error(errc::internal, "dedup column family of " + dir_.string() + " has a malformed journal key");
    }
    std::uint64_t number = 0;
    for (std::size_t i = 1; i < journal_key_size; ++i) number = number << 8 | static_cast<unsigned char>(key[i]);
    if (!decode_ids(std::string_view(it->value().data(), it->value().size()), ids_)) {
      return make_error(errc::internal, "dedup journal value " + std::to_string(number) + " of " + dir_.string() +
                                            " is malformed: rebuild the view (--rebuild)");
    }
    numbers_.push_back(number);
    next_number_ = number + 1;
  }
  if (!it->status().ok()) return rocks_error("read the dedup journal of " + dir_.string(), it->status());
  return {};
}

void id_journal::append(rocksdb::WriteBatch& batch, const dedup_id_set& ids) {
  if (ids.empty()) return;
  const auto key = journal_key(next_number_);
  batch.Put(&cf_, rocksdb::Slice(key.data(), key.size()), encode_ids(ids));
}

void id_journal::committed(const dedup_id_set& ids) {
  if (ids.empty()) return;
  numbers_.push_back(next_number_++);
  std::lock_guard lock(mutex_);
  ids.for_each_uuid([&](const dedup_id_set::uuid_bytes& bytes) { ids_.insert(bytes); });
  for (const auto& other : ids.others()) ids_.insert_other(other);
}

events::result<void> id_journal::seal_if_full() {
  {
    // A failed seal stays failed: its ids are still journaled, and the next start seals them.
    std::lock_guard lock(mutex_);
    if (seal_failure_) return *seal_failure_;
    if (ids_.size() < seal_after_) return {};
  }
  if (auto r = wait_for_seal(); !r) return r;
  {
    // The set handed over keeps being found by lookups until its table is ingested.
    std::lock_guard lock(mutex_);
    std::swap(ids_, sealing_);
    ids_.clear();
  }
  sealing_numbers_ = std::move(numbers_);
  numbers_.clear();
  if (!sealer_) sealer_ = std::make_unique<background_task>("fl-seal");
  sealer_->run([this] {
    if (auto r = seal(); !r) {
      std::lock_guard lock(mutex_);
      seal_failure_ = std::move(r.err());
    }
  });
  return {};
}

events::result<void> id_journal::wait_for_seal() {
  if (!sealer_) return {};
  sealer_->wait();
  std::lock_guard lock(mutex_);
  if (seal_failure_) return *seal_failure_;
  return {};
}

events::result<void> id_journal::seal() {
  if (sealing_numbers_.empty()) return {};
  // Nobody changes sealing_ while this runs: reading it without the lock is safe here.
  std::vector<std::array<char, dedup_id::uuid_key_size>> uuid_keys;
  uuid_keys.reserve(sealing_.size());
  sealing_.for_each_uuid([&](const dedup_id_set::uuid_bytes& bytes) { dedup_id::uuid_key(bytes, uuid_keys.emplace_back()); });
  // Bytewise, as RocksDB orders keys (std::array<char>'s operator< compares signed chars).
  std::sort(uuid_keys.begin(), uuid_keys.end(),
            [](const auto& a, const auto& b) { return std::memcmp(a.data(), b.data(), a.size()) < 0; });
  std::vector<std::string> other_keys;
  for (const auto& other : sealing_.others()) other_keys.push_back(dedup_id::other_key(other));
  std::sort(other_keys.begin(), other_keys.end());

  if (!uuid_keys.empty() || !other_keys.empty()) {
    const auto file = (dir_ / unsealed_file).string();
    // The dedup column family's own table options: the same bloom filters and block layout as a flush.
    // Its pages stay cached: the next lookups read its filters and index.
    rocksdb::SstFileWriter writer(rocksdb::EnvOptions(), db_.GetOptions(&cf_), &cf_, /*invalidate_page_cache=*/false);
    auto s = writer.Open(file);
    for (const auto& k : uuid_keys) {
      if (!s.ok()) break;
      s = writer.Put(rocksdb::Slice(k.data(), k.size()), rocksdb::Slice());
    }
    for (const auto& k : other_keys) {
      if (!s.ok()) break;
      s = writer.Put(k, rocksdb::Slice());
    }
    if (s.ok()) s = writer.Finish();
    if (!s.ok()) return rocks_error("write sealed event ids to " + file, s);
    rocksdb::IngestExternalFileOptions io;
    io.move_files = true;           // a hard link, no copy
    io.write_global_seqno = false;  // only older RocksDB versions need it in the file
    s = db_.IngestExternalFile(&cf_, {file}, io);
    if (!s.ok()) return rocks_error("ingest sealed event ids into " + dir_.string(), s);
  }
  rocksdb::WriteBatch drop;
  for (const auto number : sealing_numbers_) {
    const auto key = journal_key(number);
    drop.Delete(&cf_, rocksdb::Slice(key.data(), key.size()));
  }
  if (const auto s = db_.Write(rocksdb::WriteOptions(), &drop); !s.ok()) {
    return rocks_error("delete the sealed dedup journal of " + dir_.string(), s);
  }
  sealing_numbers_.clear();
  std::lock_guard lock(mutex_);
  sealing_.clear();
  return {};
}

bool id_journal::contains(const dedup_id& id) const {
  std::lock_guard lock(mutex_);
  return ids_.contains(id) || sealing_.contains(id);
}

void id_journal::contains_each(const std::vector<const dedup_id*>& ids, std::vector<std::uint8_t>& found) const {
  std::lock_guard lock(mutex_);
  if (ids_.empty() && sealing_.empty()) return;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (found[i] == 0 && (ids_.contains(*ids[i]) || sealing_.contains(*ids[i]))) found[i] = 1;
  }
}

}  // namespace fleetledger::projections::detail

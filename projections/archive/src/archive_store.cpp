#include "fleetledger/archive/archive_store.hpp"

#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/write_batch.h>

#include <system_error>

namespace fleetledger::archive {

using events::errc;
using events::make_error;

namespace {

constexpr std::uint8_t record_format = 1;
constexpr std::uint64_t sign_bit = 0x8000000000000000ULL;

void put_be(std::string& out, std::uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

std::uint64_t get_be(std::string_view in, std::size_t at, int bytes) {
  std::uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | static_cast<std::uint8_t>(in[at + static_cast<std::size_t>(i)]);
  return v;
}

void put_varint(std::string& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

// A bounds-checked reader over an encoded record.
struct reader {
  std::string_view in;
  std::size_t at{0};
  bool ok{true};

  std::uint64_t varint() {
    std::uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (at >= in.size()) break;
      const auto b = static_cast<std::uint8_t>(in[at++]);
      v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) return v;
    }
    ok = false;
    return 0;
  }
  std::optional<std::string> nullable() {
    const std::uint64_t n = varint();  // 0: null, else length + 1
    if (!ok || n == 0) return std::nullopt;
    if (n - 1 > in.size() - at) {
      ok = false;
      return std::nullopt;
    }
    std::string s(in.substr(at, n - 1));
    at += n - 1;
    return s;
  }
};

void put_nullable(std::string& out, const std::optional<std::string>& s) {
  if (!s) {
    put_varint(out, 0);
    return;
  }
  put_varint(out, s->size() + 1);
  out += *s;
}

std::string partition_prefix(std::string_view topic, std::int32_t partition) {
  std::string k(topic);
  k.push_back('\0');
  put_be(k, static_cast<std::uint32_t>(partition), 4);
  return k;
}

std::string time_key(std::int64_t ts, std::string_view topic, std::int32_t partition, std::int64_t offset) {
  std::string k;
  put_be(k, static_cast<std::uint64_t>(ts) ^ sign_bit, 8);
  k += record_key(topic, partition, offset);
  return k;
}

events::error rocks_error(const std::string& what, const rocksdb::Status& s) {
  return make_error(errc::io_error, what + ": " + s.ToString());
}

rocksdb::Options base_options() {
  rocksdb::Options o;
  o.create_if_missing = true;
  o.create_missing_column_families = true;
  o.compression = rocksdb::kLZ4Compression;
  return o;
}

std::vector<rocksdb::ColumnFamilyDescriptor> families(const rocksdb::Options& o) {
  rocksdb::ColumnFamilyOptions cf(o);
  return {{rocksdb::kDefaultColumnFamilyName, cf}, {"records", cf}, {"time", cf}, {"offsets", cf}};
}

// Splits a records key into (topic, partition, offset); false when malformed.
bool split_key(std::string_view key, std::string& topic, std::int32_t& partition, std::int64_t& offset) {
  const auto nul = key.find('\0');
  if (nul == std::string_view::npos || key.size() != nul + 1 + 4 + 8) return false;
  topic.assign(key.substr(0, nul));
  partition = static_cast<std::int32_t>(get_be(key, nul + 1, 4));
  offset = static_cast<std::int64_t>(get_be(key, nul + 5, 8));
  return true;
}

bool topic_selected(const std::vector<std::string>& topics, std::string_view t) {
  if (topics.empty()) return true;
  for (const auto& x : topics)
    if (x == t) return true;
  return false;
}

}  // namespace

events::result<sync_policy> parse_sync_policy(std::string_view text) {
  if (text == "per-batch") return sync_policy::per_batch;
  if (text == "none") return sync_policy::none;
  return make_error(errc::invalid_argument, "--sync wants per-batch or none, got '" + std::string(text) + "'");
}

std::string record_key(std::string_view topic, std::int32_t partition, std::int64_t offset) {
  std::string k = partition_prefix(topic, partition);
  put_be(k, static_cast<std::uint64_t>(offset), 8);
  return k;
}

std::string encode_record(const archived_record& r) {
  std::string out;
  out.reserve(32 + (r.key ? r.key->size() : 0) + (r.value ? r.value->size() : 0));
  out.push_back(static_cast<char>(record_format));
  put_be(out, static_cast<std::uint64_t>(r.timestamp_ms), 8);
  put_varint(out, static_cast<std::uint32_t>(r.timestamp_type));
  put_nullable(out, r.key);
  put_nullable(out, r.value);
  put_varint(out, r.headers.size());
  for (const auto& h : r.headers) {
    put_varint(out, h.name.size());
    out += h.name;
    put_nullable(out, h.value);
  }
  return out;
}

events::result<archived_record> decode_record(std::string_view key, std::string_view value) {
  archived_record r;
  if (!split_key(key, r.topic, r.partition, r.offset)) {
    return make_error(errc::invalid_argument, "malformed archive key");
  }
  if (value.size() < 9 || static_cast<std::uint8_t>(value[0]) != record_format) {
    return make_error(errc::invalid_argument, "unknown archive record format at " + r.topic + ":" +
                                                  std::to_string(r.partition) + ":" + std::to_string(r.offset));
  }
  r.timestamp_ms = static_cast<std::int64_t>(get_be(value, 1, 8));
  reader rd{value, 9};
  r.timestamp_type = static_cast<std::int32_t>(rd.varint());
  r.key = rd.nullable();
  r.value = rd.nullable();
  const std::uint64_t n = rd.varint();
  for (std::uint64_t i = 0; rd.ok && i < n; ++i) {
    archived_header h;
    const std::uint64_t len = rd.varint();
    if (!rd.ok || len > value.size() - rd.at) {
      rd.ok = false;
      break;
    }
    h.name.assign(value.substr(rd.at, len));
    rd.at += len;
    h.value = rd.nullable();
    r.headers.push_back(std::move(h));
  }
  if (!rd.ok) {
    return make_error(errc::invalid_argument, "truncated archive record at " + r.topic + ":" +
                                                  std::to_string(r.partition) + ":" + std::to_string(r.offset));
  }
  return r;
}

bool archive_store::exists(const std::filesystem::path& dir) {
  std::error_code ec;
  return std::filesystem::exists(dir / "CURRENT", ec);
}

events::result<std::unique_ptr<archive_store>> archive_store::open(const std::filesystem::path& dir,
                                                                   store_options options) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return make_error(errc::io_error, "cannot create " + dir.string() + ": " + ec.message());
  const auto o = base_options();
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  const auto s = rocksdb::DB::Open(rocksdb::DBOptions(o), dir.string(), families(o), &handles, &raw);
  if (!s.ok()) return rocks_error("cannot open the archive " + dir.string(), s);
  std::unique_ptr<archive_store> a(new archive_store());
  a->dir_ = dir;
  a->options_ = options;
  a->db_.reset(raw);
  raw->DestroyColumnFamilyHandle(handles[0]);
  for (std::size_t i = 0; i < 3; ++i) a->cf_[i] = handles[i + 1];
  return a;
}

events::result<std::unique_ptr<archive_store>> archive_store::open_secondary(
    const std::filesystem::path& dir, const std::filesystem::path& secondary_dir) {
  if (!exists(dir)) return make_error(errc::not_found, "no archive at " + dir.string());
  std::error_code ec;
  std::filesystem::create_directories(secondary_dir, ec);
  if (ec) return make_error(errc::io_error, "cannot create " + secondary_dir.string() + ": " + ec.message());
  auto o = base_options();
  o.create_if_missing = false;
  o.create_missing_column_families = false;
  o.max_open_files = -1;  // required for secondary instances
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  const auto s = rocksdb::DB::OpenAsSecondary(rocksdb::DBOptions(o), dir.string(), secondary_dir.string(),
                                              families(o), &handles, &raw);
  if (!s.ok()) return rocks_error("cannot open the archive " + dir.string() + " as secondary", s);
  std::unique_ptr<archive_store> a(new archive_store());
  a->dir_ = dir;
  a->secondary_ = true;
  a->db_.reset(raw);
  raw->DestroyColumnFamilyHandle(handles[0]);
  for (std::size_t i = 0; i < 3; ++i) a->cf_[i] = handles[i + 1];
  return a;
}

archive_store::~archive_store() {
  if (db_) {
    for (auto* h : cf_)
      if (h != nullptr) db_->DestroyColumnFamilyHandle(h);
    db_.reset();
  }
}

events::result<void> archive_store::catch_up() {
  if (!secondary_) return {};
  const auto s = db_->TryCatchUpWithPrimary();
  if (!s.ok()) return rocks_error("archive catch-up with primary " + dir_.string(), s);
  return {};
}

events::result<void> archive_store::write(const std::vector<archived_record>& records,
                                          const std::map<partition_key, std::int64_t>& next_offsets) {
  if (secondary_) return make_error(errc::invalid_argument, "the archive is open read-only");
  rocksdb::WriteBatch batch;
  for (const auto& r : records) {
    const std::string k = record_key(r.topic, r.partition, r.offset);
    batch.Put(cf_[0], k, encode_record(r));
    batch.Put(cf_[1], time_key(r.timestamp_ms, r.topic, r.partition, r.offset), rocksdb::Slice());
  }
  for (const auto& [tp, next] : next_offsets) {
    std::string v;
    put_be(v, static_cast<std::uint64_t>(next), 8);
    batch.Put(cf_[2], partition_prefix(tp.first, tp.second), v);
  }
  rocksdb::WriteOptions wo;
  wo.sync = options_.sync == sync_policy::per_batch;
  const auto s = db_->Write(wo, &batch);
  if (!s.ok()) return rocks_error("archive write", s);
  return {};
}

events::result<std::map<partition_key, std::int64_t>> archive_store::offsets() const {
  std::map<partition_key, std::int64_t> out;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf_[2]));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const std::string_view k(it->key().data(), it->key().size());
    const auto nul = k.find('\0');
    if (nul == std::string_view::npos || k.size() != nul + 5 || it->value().size() != 8) continue;
    out[{std::string(k.substr(0, nul)), static_cast<std::int32_t>(get_be(k, nul + 1, 4))}] =
        static_cast<std::int64_t>(get_be(std::string_view(it->value().data(), 8), 0, 8));
  }
  if (!it->status().ok()) return rocks_error("archive offsets", it->status());
  return out;
}

events::result<void> archive_store::scan_partition(std::string_view topic, std::int32_t partition,
                                                   std::int64_t from, std::int64_t to,
                                                   const record_visitor& visit) const {
  const std::string lower = record_key(topic, partition, std::max<std::int64_t>(from, 0));
  const std::string upper = record_key(topic, partition, to);
  rocksdb::ReadOptions ro;
  rocksdb::Slice ub(upper);
  ro.iterate_upper_bound = &ub;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, cf_[0]));
  for (it->Seek(lower); it->Valid(); it->Next()) {
    auto r = decode_record(std::string_view(it->key().data(), it->key().size()),
                           std::string_view(it->value().data(), it->value().size()));
    if (!r) return r.err();
    if (!visit(*r)) return {};
  }
  if (!it->status().ok()) return rocks_error("archive scan", it->status());
  return {};
}

events::result<void> archive_store::scan_all(const std::vector<std::string>& topics,
                                             const record_visitor& visit) const {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf_[0]));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const std::string_view k(it->key().data(), it->key().size());
    if (!topics.empty() && !topic_selected(topics, k.substr(0, k.find('\0')))) continue;
    auto r = decode_record(k, std::string_view(it->value().data(), it->value().size()));
    if (!r) return r.err();
    if (!visit(*r)) return {};
  }
  if (!it->status().ok()) return rocks_error("archive scan", it->status());
  return {};
}

events::result<void> archive_store::scan_time(std::int64_t since_ms, std::int64_t until_ms,
                                              const std::vector<std::string>& topics,
                                              const record_visitor& visit) const {
  std::string lower;
  put_be(lower, static_cast<std::uint64_t>(since_ms) ^ sign_bit, 8);
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf_[1]));
  std::string topic;
  std::int32_t partition = 0;
  std::int64_t offset = 0;
  std::string value;
  for (it->Seek(lower); it->Valid(); it->Next()) {
    const std::string_view k(it->key().data(), it->key().size());
    if (k.size() < 8) continue;
    const auto ts = static_cast<std::int64_t>(get_be(k, 0, 8) ^ sign_bit);
    if (ts > until_ms) break;
    if (!split_key(k.substr(8), topic, partition, offset)) continue;
    if (!topic_selected(topics, topic)) continue;
    const std::string rk(k.substr(8));
    const auto s = db_->Get(rocksdb::ReadOptions(), cf_[0], rk, &value);
    if (s.IsNotFound()) continue;
    if (!s.ok()) return rocks_error("archive read", s);
    auto r = decode_record(rk, value);
    if (!r) return r.err();
    if (!visit(*r)) return {};
  }
  if (!it->status().ok()) return rocks_error("archive time scan", it->status());
  return {};
}

events::result<std::optional<std::pair<std::int64_t, std::int64_t>>> archive_store::range(
    std::string_view topic, std::int32_t partition) const {
  const std::string prefix = partition_prefix(topic, partition);
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf_[0]));
  it->Seek(prefix);
  if (!it->Valid() || !it->key().starts_with(prefix)) {
    if (!it->status().ok()) return rocks_error("archive range", it->status());
    return std::optional<std::pair<std::int64_t, std::int64_t>>{};
  }
  const auto first = static_cast<std::int64_t>(get_be(std::string_view(it->key().data(), it->key().size()),
                                                      prefix.size(), 8));
  it->SeekForPrev(record_key(topic, partition, INT64_MAX));
  const auto last = static_cast<std::int64_t>(get_be(std::string_view(it->key().data(), it->key().size()),
                                                     prefix.size(), 8));
  return std::optional<std::pair<std::int64_t, std::int64_t>>{std::pair{first, last}};
}

}  // namespace fleetledger::archive

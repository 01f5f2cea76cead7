#pragma once
// The archive: every record of the event topics, unchanged, in RocksDB (docs/HISTORY.md).
//
// Column families:
//   records  key topic '\0' be32(partition) be64(offset)  -> encoded archived_record (key with its
//            null-ness, value, headers, timestamp and timestamp type)
//   time     key be64(timestamp ^ sign bit) topic '\0' be32(partition) be64(offset) -> "" (time index)
//   offsets  key topic '\0' be32(partition)                -> be64(next offset to archive)
// Records, index entries and the archived offsets of one batch go in one WriteBatch, so the archive
// never holds a record its offsets do not cover, nor the reverse.
//
// One primary (the archiver, or the dev broker's built-in archiver) writes; any number of readers
// open it as RocksDB secondary instances (open_secondary + catch_up) at the same time.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fleetledger/events/result.hpp"

namespace rocksdb {
class DB;
class ColumnFamilyHandle;
}  // namespace rocksdb

namespace fleetledger::archive {

struct archived_header {
  std::string name;
  std::optional<std::string> value;  // nullopt: a header with a null value
  friend bool operator==(const archived_header&, const archived_header&) = default;
};

struct archived_record {
  std::string topic;
  std::int32_t partition{0};
  std::int64_t offset{0};
  std::int64_t timestamp_ms{-1};  // -1: the record had no timestamp
  std::int32_t timestamp_type{1};  // rd_kafka_timestamp_type_t: 0 none, 1 CreateTime, 2 LogAppendTime
  std::optional<std::string> key;    // nullopt: null key
  std::optional<std::string> value;  // nullopt: null value (tombstone)
  std::vector<archived_header> headers;
  friend bool operator==(const archived_record&, const archived_record&) = default;
};

// The position of one partition in the archive.
using partition_key = std::pair<std::string, std::int32_t>;  // (topic, partition)

enum class sync_policy {
  per_batch,  // every WriteBatch is fsynced before write() returns (default)
  none,       // the OS decides when to write back; a machine crash can lose the latest batches
};

[[nodiscard]] events::result<sync_policy> parse_sync_policy(std::string_view text);

struct store_options {
  sync_policy sync{sync_policy::per_batch};
};

// Encoding helpers (exposed for tests and the benchmark).
[[nodiscard]] std::string record_key(std::string_view topic, std::int32_t partition, std::int64_t offset);
[[nodiscard]] std::string encode_record(const archived_record& r);
// Decodes a records-CF entry (key and value) back into the record.
[[nodiscard]] events::result<archived_record> decode_record(std::string_view key, std::string_view value);

// A callback over records; return false to stop the scan.
using record_visitor = std::function<bool(const archived_record&)>;

class archive_store {
 public:
  // Opens (creating if needed) the archive as the one writer.
  [[nodiscard]] static events::result<std::unique_ptr<archive_store>> open(const std::filesystem::path& dir,
                                                                          store_options options = {});
  // Opens an existing archive read-only beside its writer; secondary_dir is this reader's own
  // scratch directory (RocksDB secondary instance). Call catch_up() to see newer writes.
  [[nodiscard]] static events::result<std::unique_ptr<archive_store>> open_secondary(
      const std::filesystem::path& dir, const std::filesystem::path& secondary_dir);
  // True when dir holds an archive (a RocksDB CURRENT file).
  [[nodiscard]] static bool exists(const std::filesystem::path& dir);

  ~archive_store();
  archive_store(const archive_store&) = delete;
  archive_store& operator=(const archive_store&) = delete;

  [[nodiscard]] events::result<void> catch_up();

  // Writes records, their time index entries and the next offsets in one WriteBatch (synced per
  // the options). next_offsets: (topic, partition) -> next offset to archive.
  [[nodiscard]] events::result<void> write(const std::vector<archived_record>& records,
                                           const std::map<partition_key, std::int64_t>& next_offsets);

  // The next offset to archive per partition, as stored.
  [[nodiscard]] events::result<std::map<partition_key, std::int64_t>> offsets() const;

  // Records of one partition with offsets in [from, to), in offset order.
  [[nodiscard]] events::result<void> scan_partition(std::string_view topic, std::int32_t partition,
                                                    std::int64_t from, std::int64_t to,
                                                    const record_visitor& visit) const;
  // Every record in key order (topic, partition, offset); only the given topics when not empty.
  [[nodiscard]] events::result<void> scan_all(const std::vector<std::string>& topics,
                                              const record_visitor& visit) const;
  // Records with since_ms <= timestamp <= until_ms through the time index, in (timestamp, topic,
  // partition, offset) order; only the given topics when not empty.
  [[nodiscard]] events::result<void> scan_time(std::int64_t since_ms, std::int64_t until_ms,
                                               const std::vector<std::string>& topics,
                                               const record_visitor& visit) const;
  // Lowest and highest archived offset of a partition (nullopt when it has none).
  [[nodiscard]] events::result<std::optional<std::pair<std::int64_t, std::int64_t>>> range(
      std::string_view topic, std::int32_t partition) const;

  [[nodiscard]] const std::filesystem::path& dir() const { return dir_; }
  // The RocksDB handle and the records column family (the benchmark iterates them raw).
  [[nodiscard]] rocksdb::DB& raw_db() const { return *db_; }
  [[nodiscard]] rocksdb::ColumnFamilyHandle* records_family() const { return cf_[0]; }

 private:
  archive_store() = default;
  std::filesystem::path dir_;
  store_options options_;
  bool secondary_{false};
  std::unique_ptr<rocksdb::DB> db_;
  rocksdb::ColumnFamilyHandle* cf_[3]{};  // records, time, offsets
};

}  // namespace fleetledger::archive

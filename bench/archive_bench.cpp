// Archive read rates (issue 6): an archive of 300,000 sample records is written to a temp dir, then
// in the same run: raw RocksDB iteration over its records column family (baseline), the archive's
// decoding scan (what fleetledger-replay and the broker's restore read), and an --as-of style
// rebuild of the fleet view (archive scan + applier + RocksDB writes). Prints records/s and
//   RATIO archive_scan_vs_raw_iteration=<archive scan rate / raw rate>
//   RATIO as_of_rebuild_vs_raw_iteration=<rebuild rate / raw rate>
#include <rocksdb/db.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "fleetledger/archive/archive_store.hpp"
#include "fleetledger/events/codec.hpp"
#include "fleetledger/events/envelope.hpp"
#include "fleetledger/events/topic_catalogue.hpp"
#include "fleetledger/projections/applier.hpp"
#include "fleetledger/projections/view_store.hpp"
#include "support/sample_events.hpp"
#include "support/temp_dir.hpp"
#include "view_registry.hpp"

namespace fa = fleetledger::archive;
namespace fe = fleetledger::events;
namespace fp = fleetledger::projections;
namespace ft = fleetledger::testing;

namespace {
double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}
}  // namespace

int main() {
  constexpr std::size_t count = 300'000;
  ft::temp_dir dir("fleetledger-archive-bench");
  const auto evs = ft::make_sample_events(count);
  auto store_r = fa::archive_store::open(dir.path() / "archive", {fa::sync_policy::none});
  if (!store_r) {
    std::fprintf(stderr, "%s\n", store_r.err().message.c_str());
    return 1;
  }
  auto& store = *store_r.value();
  // Route each event like the publisher (topic from the payload, 12 partitions by key hash).
  std::map<fa::partition_key, std::int64_t> next;
  std::vector<fa::archived_record> batch;
  std::int64_t ts = 1'700'000'000'000;
  for (const auto& e : evs) {
    auto route = fe::route(e);
    if (!route) continue;
    fa::archived_record r;
    r.topic = std::string(route->topic);
    r.key = route->key;
    r.partition = static_cast<std::int32_t>(std::hash<std::string>{}(*r.key) % 12);
    r.offset = next[{r.topic, r.partition}]++;
    r.timestamp_ms = ts++;
    r.value = fe::encode(e);
    r.headers = {{std::string(fe::header_type), std::string(fe::payload_type_name(e))},
                 {std::string(fe::header_event_id), e.event_id()},
                 {std::string(fe::header_schema), std::string(fe::schema_name)}};
    batch.push_back(std::move(r));
    if (batch.size() == 10'000) {
      if (!store.write(batch, next)) return 1;
      batch.clear();
    }
  }
  if (!store.write(batch, next)) return 1;

  // Baseline: raw iteration touching every key and value byte count.
  auto t0 = std::chrono::steady_clock::now();
  std::size_t raw_records = 0, raw_bytes = 0;
  {
    std::unique_ptr<rocksdb::Iterator> it(store.raw_db().NewIterator(rocksdb::ReadOptions(), store.records_family()));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      ++raw_records;
      raw_bytes += it->key().size() + it->value().size();
    }
  }
  const double raw_rate = static_cast<double>(raw_records) / seconds_since(t0);

  t0 = std::chrono::steady_clock::now();
  std::size_t scanned = 0, scanned_bytes = 0;
  if (!store.scan_all({}, [&](const fa::archived_record& r) {
        ++scanned;
        scanned_bytes += r.value ? r.value->size() : 0;
        return true;
      })) {
    return 1;
  }
  const double scan_rate = static_cast<double>(scanned) / seconds_since(t0);

  // --as-of rebuild of the fleet view over everything (the same loop fleetledger-replay runs).
  auto v = fp::make_view("fleet");
  std::vector<std::string> topics;
  for (auto t : v->topics()) topics.emplace_back(t);
  auto view_r = fp::view_store::open(dir.path() / "fleet", {});
  if (!view_r) return 1;
  fp::applier app(*v, **view_r);
  std::vector<fa::archived_record> buffer;
  std::vector<fp::input_record> inputs;
  std::vector<fp::dead_letter> letters;
  std::size_t fed = 0;
  auto flush = [&] {
    inputs.clear();
    for (const auto& r : buffer) {
      inputs.push_back({{fe::topic_name(r.topic), fe::partition_id(r.partition)}, fe::offset(r.offset), r.timestamp_ms,
                        r.key ? std::string_view(*r.key) : "", r.value ? std::string_view(*r.value) : ""});
    }
    letters.clear();
    const bool ok = static_cast<bool>(app.apply(inputs, letters));
    fed += buffer.size();
    buffer.clear();
    return ok;
  };
  t0 = std::chrono::steady_clock::now();
  std::size_t rebuild_scanned = 0;
  if (!store.scan_all(topics, [&](const fa::archived_record& r) {
        ++rebuild_scanned;
        buffer.push_back(r);
        return buffer.size() < 10'000 || flush();
      })) {
    return 1;
  }
  if (!buffer.empty() && !flush()) return 1;
  // Rate over the records the rebuild read (the view's topics), against raw iteration of all.
  const double rebuild_rate = static_cast<double>(rebuild_scanned) / seconds_since(t0);

  std::printf("archive records=%zu bytes=%zu\n", raw_records, raw_bytes);
  std::printf("raw_iteration records_per_s=%.0f\n", raw_rate);
  std::printf("archive_scan records_per_s=%.0f (value bytes %zu)\n", scan_rate, scanned_bytes);
  std::printf("as_of_rebuild view=fleet records=%zu records_per_s=%.0f\n", fed, rebuild_rate);
  std::printf("RATIO archive_scan_vs_raw_iteration=%.3f\n", scan_rate / raw_rate);
  std::printf("RATIO as_of_rebuild_vs_raw_iteration=%.3f\n", rebuild_rate / raw_rate);
  return 0;
}

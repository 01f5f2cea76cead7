// The projection runtime on a real RocksDB: offsets in the same batch as state, redelivery skipped,
// duplicates ignored, rejections and dead letters accounted for, digest stable, secondary catch-up.
#include <array>
#include <set>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <rocksdb/db.h>

#include "fleetledger/events/codec.hpp"
#include "fleetledger/events/envelope.hpp"
#include "fleetledger/events/topic_catalogue.hpp"
#include "fleetledger/projections/applier.hpp"
#include "fleetledger/projections/dedup_id.hpp"
#include "fleetledger/projections/key_codec.hpp"
#include "fleetledger/projections/record_cache.hpp"
#include "fleetledger/projections/view_store.hpp"
#include "runtime_records.pb.h"
#include "support/temp_dir.hpp"

namespace fp = fleetledger::projections;
namespace fe = fleetledger::events;
using fleetledger::testing::temp_dir;

namespace {

// A minimal view for exercising the runtime: counts health checks per cluster, refuses scores > 100,
// treats an empty cluster id as malformed.
class counting_view final : public fp::view {
public:
  std::string_view name() const override { return "counting"; }
  std::vector<std::string_view> topics() const override { return {fe::cluster_topic}; }
  fp::apply_outcome apply(fp::state_txn& state, const fleetledger::v1::Envelope& e,
                          const fp::record_context&) override {
    if (!e.has_cluster_health_checked()) return fp::apply_outcome::ignored();
    const auto& h = e.cluster_health_checked();
    if (h.cluster_id().empty()) return fp::apply_outcome::malformed("MISSING_CLUSTER_ID");
    if (h.health_score() > 100) return fp::apply_outcome::rejected("SCORE_OUT_OF_RANGE: " + std::to_string(h.health_score()));
    const auto key = fp::join_key("n", h.cluster_id());
    const auto old = state.get(key);
    state.put(key, std::to_string((old ? std::stoll(*old) : 0) + 1));
    return fp::apply_outcome::applied();
  }
};

fleetledger::v1::Envelope health(const std::string& cluster, int score) {
  auto e = fe::make_envelope({"test", "op", "", ""});
  auto* h = e.mutable_cluster_health_checked();
  h->set_cluster_id(cluster);
  h->set_health_score(score);
  return e;
}

struct log_fixture {
  std::vector<std::string> values;
  std::vector<fp::input_record> records;
  void add(int partition, std::int64_t offset, std::string value) {
    values.push_back(std::move(value));
    (void)partition;
    (void)offset;
  }
  // Builds records after all values are added (string_views point into values).
  void build(const std::vector<std::pair<int, std::int64_t>>& positions) {
    records.clear();
    for (std::size_t i = 0; i < values.size(); ++i) {
      records.push_back({{fe::topic_name(std::string(fe::cluster_topic)), fe::partition_id(positions[i].first)},
                         fe::offset(positions[i].second), 0, "k", values[i]});
    }
  }
};

std::int64_t count_for(const fp::view_store& s, const std::string& cluster) {
  const auto v = s.reader().get(fp::join_key("n", cluster));
  return v ? std::stoll(*v) : 0;
}

}  // namespace

TEST_CASE("applier commits state and next offsets in one batch and survives reopen", "[projections][unit]") {
  temp_dir dir;
  counting_view view;
  log_fixture log;
  for (int i = 0; i < 10; ++i) log.add(0, i, fe::encode(health("c1", 90)));
  log.build({{0, 0}, {0, 1}, {0, 2}, {0, 3}, {0, 4}, {1, 0}, {1, 1}, {1, 2}, {1, 3}, {1, 4}});
  {
    auto store = fp::view_store::open(dir.path()).value();
    fp::applier a(view, *store);
    std::vector<fp::dead_letter> dl;
    REQUIRE(a.apply(log.records, dl));
    CHECK(dl.empty());
    CHECK(count_for(*store, "c1") == 10);
  }
  auto store = fp::view_store::open(dir.path()).value();
  const fe::topic_partition p0{fe::topic_name(std::string(fe::cluster_topic)), fe::partition_id(0)};
  const fe::topic_partition p1{fe::topic_name(std::string(fe::cluster_topic)), fe::partition_id(1)};
  REQUIRE(store->next_offset(p0).has_value());
  CHECK(store->next_offset(p0)->value() == 5);
  CHECK(store->next_offset(p1)->value() == 5);
  CHECK(store->counters().applied == 10);
  CHECK(count_for(*store, "c1") == 10);
}

TEST_CASE("redelivered records below the stored offset are not applied again", "[projections][unit]") {
  temp_dir dir;
  counting_view view;
  log_fixture log;
  for (int i = 0; i < 6; ++i) log.add(0, i, fe::encode(health("c1", 50)));
  log.build({{0, 0}, {0, 1}, {0, 2}, {0, 3}, {0, 4}, {0, 5}});
  auto store = fp::view_store::open(dir.path()).value();
  fp::applier a(view, *store);
  std::vector<fp::dead_letter> dl;
  std::vector<fp::input_record> first(log.records.begin(), log.records.begin() + 4);
  REQUIRE(a.apply(first, dl));
  // After a crash the consumer may deliver from an older position: offsets 2..5 again.
  std::vector<fp::input_record> again(log.records.begin() + 2, log.records.end());
  REQUIRE(a.apply(again, dl));
  CHECK(count_for(*store, "c1") == 6);
  CHECK(store->counters().applied == 6);
  CHECK(store->counters().duplicates == 0);
}

TEST_CASE("a duplicate event id at a new offset is ignored and counted", "[projections][unit]") {
  temp_dir dir;
  counting_view view;
  const auto e = fe::encode(health("c1", 70));
  log_fixture log;
  log.add(0, 0, e);
  log.add(0, 1, e);  // same event published twice
  log.add(0, 2, e);
  log.build({{0, 0}, {0, 1}, {2, 7}});
  auto store = fp::view_store::open(dir.path()).value();
  fp::applier a(view, *store);
  std::vector<fp::dead_letter> dl;
  REQUIRE(a.apply({log.records[0]}, dl));
  REQUIRE(a.apply({log.records[1], log.records[2]}, dl));
  CHECK(count_for(*store, "c1") == 1);
  CHECK(store->counters().duplicates == 2);
}

TEST_CASE("undecodable and malformed records become dead letters and rule breaks become rejections", "[projections][unit]") {
  temp_dir dir;
  counting_view view;
  log_fixture log;
  log.add(0, 0, std::string("\xff\x01garbage", 9));
  log.add(0, 1, fe::encode(health("", 80)));
  log.add(0, 2, fe::encode(health("c9", 140)));
  log.add(0, 3, fe::encode(health("c9", 40)));
  log.build({{0, 0}, {0, 1}, {0, 2}, {0, 3}});
  auto store = fp::view_store::open(dir.path()).value();
  fp::applier a(view, *store);
  std::vector<fp::dead_letter> dl;
  REQUIRE(a.apply(log.records, dl));
  REQUIRE(dl.size() == 2);
  CHECK(dl[0].at.value() == 0);
  CHECK(dl[0].reason.find("Envelope") != std::string::npos);
  CHECK(dl[1].reason == "MISSING_CLUSTER_ID");
  CHECK(store->counters().dead_lettered == 2);
  CHECK(store->counters().rejected == 1);
  CHECK(count_for(*store, "c9") == 1);
  int rejections = 0;
  store->reader().scan(std::string(fp::rejection_prefix) + fp::key_sep, [&](std::string_view, std::string_view v) {
    fleetledger::projections::Rejection r;
    REQUIRE(r.ParseFromArray(v.data(), static_cast<int>(v.size())));
    CHECK(r.reason() == "SCORE_OUT_OF_RANGE: 140");
    CHECK(r.event_type() == "ClusterHealthChecked");
    CHECK(r.offset() == 2);
    ++rejections;
    return true;
  });
  CHECK(rejections == 1);
}

TEST_CASE("the digest depends on state not on how partitions interleave", "[projections][unit]") {
  log_fixture log;
  for (int i = 0; i < 20; ++i) log.add(0, 0, fe::encode(health("c" + std::to_string(i % 3), 60 + i)));
  std::vector<std::pair<int, std::int64_t>> pos;
  for (int i = 0; i < 20; ++i) pos.push_back({i % 2, i / 2});
  log.build(pos);
  std::vector<fp::input_record> p0_first, p1_first;
  for (const auto& r : log.records) (r.source.partition.value() == 0 ? p0_first : p1_first).push_back(r);
  std::vector<fp::input_record> order_a = p0_first;
  order_a.insert(order_a.end(), p1_first.begin(), p1_first.end());
  std::vector<fp::input_record> order_b = p1_first;
  order_b.insert(order_b.end(), p0_first.begin(), p0_first.end());

  auto digest_of = [](const std::vector<fp::input_record>& recs) {
    temp_dir dir;
    counting_view view;
    auto store = fp::view_store::open(dir.path()).value();
    fp::applier a(view, *store);
    std::vector<fp::dead_letter> dl;
    for (const auto& r : recs) REQUIRE(a.apply({r}, dl));
    return store->digest();
  };
  const auto a = digest_of(order_a);
  const auto b = digest_of(order_b);
  CHECK(a.sha256_hex == b.sha256_hex);
  CHECK(a.keys == 3);
  CHECK(a.offsets == b.offsets);
}

TEST_CASE("a secondary instance sees the primary's commits after catching up", "[projections][unit]") {
  temp_dir dir;
  counting_view view;
  auto primary = fp::view_store::open(dir.path() / "view").value();
  auto secondary = fp::view_store::open_secondary(dir.path() / "view", dir.path() / "secondary").value();
  log_fixture log;
  log.add(0, 0, fe::encode(health("c1", 10)));
  log.build({{0, 0}});
  fp::applier a(view, *primary);
  std::vector<fp::dead_letter> dl;
  REQUIRE(a.apply(log.records, dl));
  REQUIRE(secondary->catch_up());
  CHECK(count_for(*secondary, "c1") == 1);
  CHECK(secondary->counters().applied == 1);
  CHECK(secondary->digest().sha256_hex == primary->digest().sha256_hex);
}

TEST_CASE("a batch staged while the previous one is being written sees its state and its event ids", "[projections][unit]") {
  temp_dir dir;
  counting_view view;
  const auto dup = fe::encode(health("c1", 10));
  log_fixture log;
  log.add(0, 0, dup);
  log.add(0, 1, fe::encode(health("c1", 20)));
  log.add(0, 2, dup);  // the first event again, while batch one may still be in flight
  log.add(0, 3, fe::encode(health("c1", 30)));
  log.build({{0, 0}, {0, 1}, {0, 2}, {0, 3}});
  {
    auto store = fp::view_store::open(dir.path()).value();
    fp::applier a(view, *store);
    std::vector<fp::dead_letter> dl;
    auto first = a.stage({log.records[0], log.records[1]}, dl);
    REQUIRE(store->commit_async(*first));
    auto second = a.stage({log.records[2], log.records[3]}, dl);
    REQUIRE(store->commit_async(*second));
    REQUIRE(store->wait_for_writes());
    CHECK(count_for(*store, "c1") == 3);
    CHECK(store->counters().duplicates == 1);
  }
  auto reopened = fp::view_store::open(dir.path()).value();
  CHECK(count_for(*reopened, "c1") == 3);
  CHECK(reopened->counters().applied == 3);
  const fe::topic_partition p0{fe::topic_name(std::string(fe::cluster_topic)), fe::partition_id(0)};
  CHECK(reopened->next_offset(p0)->value() == 4);
}

TEST_CASE("a batch's id lookup answers as the one-id lookup does for every id", "[projections][unit]") {
  temp_dir dir;
  auto store = fp::view_store::open(dir.path()).value();
  std::vector<fp::dedup_id> written;
  for (int i = 0; i < 300; ++i) written.push_back(fp::dedup_id::of(fe::new_event_id().value()));
  written.push_back(fp::dedup_id::of("order-42"));
  {
    auto txn = store->begin();
    for (const auto& id : written) txn->mark_seen(id);
    REQUIRE(store->commit(*txn));
  }
  std::vector<fp::dedup_id> asked;
  for (std::size_t i = 0; i < written.size(); i += 2) asked.push_back(written[i]);
  for (int i = 0; i < 200; ++i) asked.push_back(fp::dedup_id::of(fe::new_event_id().value()));
  asked.push_back(fp::dedup_id::of("order-42"));
  asked.push_back(fp::dedup_id::of("ORDER-42"));
  std::vector<const fp::dedup_id*> pointers;
  for (const auto& id : asked) pointers.push_back(&id);
  std::vector<std::uint8_t> found(asked.size(), 7);
  store->ids_stored(pointers, found);
  std::size_t stored = 0;
  for (std::size_t i = 0; i < asked.size(); ++i) {
    CHECK(found[i] == (store->id_stored(asked[i]) ? 1 : 0));
    stored += found[i];
  }
  CHECK(stored == 151 + 1);  // every other written UUID, and "order-42" (not "ORDER-42")
}

TEST_CASE("event ids are found while journaled, once sealed into a table, and after a reopen", "[projections][unit]") {
  temp_dir dir;
  fp::store_options options;
  options.dedup_seal_ids = 250;  // a seal every third batch of 100
  std::vector<fp::dedup_id> written;
  auto commit_batch = [&](fp::view_store& store, int batch) {
    auto txn = store.begin();
    for (int i = 0; i < 99; ++i) {
      written.push_back(fp::dedup_id::of(fe::new_event_id().value()));
      txn->mark_seen(written.back());
    }
    written.push_back(fp::dedup_id::of("order-" + std::to_string(batch)));  // not a UUID
    txn->mark_seen(written.back());
    const auto committed = store.commit(*txn);
    if (!committed) FAIL(committed.err().message);
  };
  auto all_found = [&](const fp::view_store& store) {
    std::vector<const fp::dedup_id*> pointers;
    for (const auto& id : written) pointers.push_back(&id);
    std::vector<std::uint8_t> found(written.size(), 0);
    store.ids_stored(pointers, found);
    std::size_t n = 0;
    for (std::size_t i = 0; i < written.size(); ++i) n += (found[i] != 0 && store.id_stored(written[i])) ? 1 : 0;
    return n;
  };
  {
    auto store = fp::view_store::open(dir.path(), options).value();
    for (int batch = 0; batch < 7; ++batch) {
      commit_batch(*store, batch);
      CHECK(all_found(*store) == written.size());
    }
    CHECK_FALSE(store->id_stored(fp::dedup_id::of(fe::new_event_id().value())));
    CHECK_FALSE(store->id_stored(fp::dedup_id::of("ORDER-1")));
  }
  // 700 ids: 600 sealed in two tables, the last 100 still journaled; a reopen reads the journal.
  {
    auto store = fp::view_store::open(dir.path(), options).value();
    CHECK(all_found(*store) == written.size());
    commit_batch(*store, 7);
    commit_batch(*store, 8);
    CHECK(all_found(*store) == written.size());
  }
  // The sealed ids are keys of the dedup column family as before (dedup_id::key()), and only the
  // batches since the last seal are journal values.
  rocksdb::Options o;
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs{{rocksdb::kDefaultColumnFamilyName, {}}, {"meta", {}}, {"dedup", {}}};
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  REQUIRE(rocksdb::DB::OpenForReadOnly(rocksdb::DBOptions(o), dir.path().string(), cfs, &handles, &raw).ok());
  std::unique_ptr<rocksdb::DB> db(raw);
  std::size_t id_keys = 0;
  std::size_t journal_values = 0;
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), handles[2]));
  for (it->SeekToFirst(); it->Valid(); it->Next()) (it->key()[0] == '\2' ? journal_values : id_keys) += 1;
  it.reset();
  for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
  CHECK(id_keys == 900);  // sealed after batches 3, 6 and 9
  CHECK(journal_values == 0);
}

TEST_CASE("a scan in a new batch merges the batch being written: its puts and its deletions", "[projections][unit]") {
  temp_dir dir;
  auto store = fp::view_store::open(dir.path()).value();
  {
    auto base = store->begin();
    base->put("s\x1f" "a", "1");
    base->put("s\x1f" "x", "old");
    REQUIRE(store->commit(*base));
  }
  auto in_flight = store->begin();
  in_flight->erase("s\x1f" "x");
  in_flight->put("s\x1f" "b", "2");
  REQUIRE(store->commit_async(*in_flight));  // may or may not have reached RocksDB below
  auto next = store->begin();
  next->put("s\x1f" "c", "3");
  std::vector<std::string> seen;
  next->scan("s\x1f", [&](std::string_view k, std::string_view v) {
    seen.push_back(std::string(k.substr(2)) + "=" + std::string(v));
    return true;
  });
  CHECK(seen == std::vector<std::string>{"a=1", "b=2", "c=3"});
  CHECK_FALSE(next->get("s\x1f" "x").has_value());
  REQUIRE(store->wait_for_writes());
}

TEST_CASE("event ids are the same only when their strings are: UUIDs in 16 bytes and anything else verbatim", "[projections][unit]") {
  const auto lower = fp::dedup_id::of("0f8fad5b-d9cb-469f-a165-70867728950e");
  const auto upper = fp::dedup_id::of("0F8FAD5B-D9CB-469F-A165-70867728950E");
  const auto other = fp::dedup_id::of("order-42");
  CHECK(lower.key().size() == fp::dedup_id::uuid_key_size);
  CHECK(lower.key()[0] == '\0');
  CHECK(upper.key() == std::string("\1") + "0F8FAD5B-D9CB-469F-A165-70867728950E");
  CHECK(other.key() == std::string("\1") + "order-42");
  CHECK_FALSE(lower == upper);
  CHECK(lower == fp::dedup_id::of("0f8fad5b-d9cb-469f-a165-70867728950e"));
  CHECK(lower.hash() == fp::dedup_id::of("0f8fad5b-d9cb-469f-a165-70867728950e").hash());
  // A 15-character id is 16 bytes with its marker: it cannot collide with a UUID's 17-byte key.
  const auto fifteen = fp::dedup_id::of("abcdefghijklmno");
  CHECK(fifteen.key().size() == 16);
  CHECK_FALSE(fp::dedup_id::of("0f8fad5b-d9cb-469f-a165-70867728950").key().size() == fp::dedup_id::uuid_key_size);
  for (const char* broken : {"0f8fad5b-d9cb-469f-a165-70867728950g", "0f8fad5bxd9cb-469f-a165-70867728950e", ""}) {
    CHECK(fp::dedup_id::of(broken).key()[0] == '\1');
  }
}

TEST_CASE("a batch's id set holds UUIDs and other ids apart and finds each exactly once", "[projections][unit]") {
  fp::dedup_id_set set;
  std::vector<fp::dedup_id> uuids;
  // More than the first table holds, so it grows while ids are in it; the nil UUID is an id too.
  uuids.push_back(fp::dedup_id::of("00000000-0000-0000-0000-000000000000"));
  for (int i = 0; i < 5000; ++i) uuids.push_back(fp::dedup_id::of(fe::new_event_id().value()));
  for (const auto& id : uuids) CHECK(set.insert(id));
  const auto other = fp::dedup_id::of("order-42");
  const auto upper = fp::dedup_id::of("0F8FAD5B-D9CB-469F-A165-70867728950E");
  CHECK(set.insert(other));
  CHECK(set.insert(upper));
  CHECK(set.size() == uuids.size() + 2);
  for (const auto& id : uuids) CHECK_FALSE(set.insert(id));  // already there
  CHECK_FALSE(set.insert(fp::dedup_id::of("order-42")));
  CHECK(set.size() == uuids.size() + 2);
  for (const auto& id : uuids) CHECK(set.contains(id));
  CHECK(set.contains(upper));
  CHECK_FALSE(set.contains(fp::dedup_id::of("0f8fad5b-d9cb-469f-a165-70867728950e")));  // the lower-case one is another id
  CHECK_FALSE(set.contains(fp::dedup_id::of(fe::new_event_id().value())));
  std::set<std::string> visited;
  set.for_each_uuid([&](const fp::dedup_id_set::uuid_bytes& bytes) {
    std::array<char, fp::dedup_id::uuid_key_size> key{};
    fp::dedup_id::uuid_key(bytes, key);
    visited.emplace(key.data(), key.size());
  });
  CHECK(visited.size() == uuids.size());
  for (const auto& id : uuids) CHECK(visited.count(id.key()) == 1);
  CHECK(set.others().size() == 2);
  CHECK(fp::dedup_id_set{}.empty());
  CHECK_FALSE(fp::dedup_id_set{}.contains(other));
}

TEST_CASE("ids differing only in case are different events and both are applied", "[projections][unit]") {
  temp_dir dir;
  counting_view view;
  auto a = health("c1", 10);
  a.set_event_id("0f8fad5b-d9cb-469f-a165-70867728950e");
  auto b = health("c1", 10);
  b.set_event_id("0F8FAD5B-D9CB-469F-A165-70867728950E");
  log_fixture log;
  log.add(0, 0, fe::encode(a));
  log.add(0, 1, fe::encode(b));
  log.add(0, 2, fe::encode(a));
  log.build({{0, 0}, {0, 1}, {0, 2}});
  auto store = fp::view_store::open(dir.path()).value();
  fp::applier applier(view, *store);
  std::vector<fp::dead_letter> dl;
  REQUIRE(applier.apply(log.records, dl));
  CHECK(count_for(*store, "c1") == 2);
  CHECK(store->counters().duplicates == 1);
}

TEST_CASE("a view store written with another layout is refused with the way out", "[projections][unit]") {
  temp_dir dir;
  {
    auto store = fp::view_store::open(dir.path()).value();
    auto txn = store->begin();
    txn->put("k", "v");
    txn->set_next_offset({fe::topic_name(std::string(fe::cluster_topic)), fe::partition_id(0)}, fe::offset(5));
    REQUIRE(store->commit(*txn));
  }
  {
    // What a build of the first layout left behind: offsets but no layout version.
    rocksdb::DBOptions options;
    std::vector<rocksdb::ColumnFamilyDescriptor> families{
        {rocksdb::kDefaultColumnFamilyName, {}}, {"meta", {}}, {"dedup", {}}};
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* raw = nullptr;
    REQUIRE(rocksdb::DB::Open(options, dir.path().string(), families, &handles, &raw).ok());
    std::unique_ptr<rocksdb::DB> db(raw);
    REQUIRE(db->Delete(rocksdb::WriteOptions(), handles[1], "format").ok());
    for (auto* h : handles) REQUIRE(db->DestroyColumnFamilyHandle(h).ok());
    REQUIRE(db->Close().ok());
  }
  const auto reopened = fp::view_store::open(dir.path());
  REQUIRE_FALSE(reopened.has_value());
  CHECK(reopened.err().message.find("--rebuild") != std::string::npos);
}

TEST_CASE("record_cache reads a key once and writes it once per flush however often it changes", "[projections][unit]") {
  temp_dir dir;
  auto store = fp::view_store::open(dir.path()).value();
  fp::record_cache<fp::Rejection> cache(2);
  {
    auto txn = store->begin();
    bool stored = true;
    auto& r = cache.get(*txn, "r1", &stored);
    CHECK_FALSE(stored);
    for (int i = 0; i < 5; ++i) {
      cache.get(*txn, "r1").set_offset(i);
      cache.changed("r1");
    }
    CHECK_FALSE(txn->get("r1").has_value());  // nothing written before the flush
    (void)r;
    cache.flush(*txn);
    REQUIRE(txn->get("r1").has_value());
    REQUIRE(store->commit(*txn));
  }
  fp::Rejection back;
  REQUIRE(back.ParseFromString(*store->reader().get("r1")));
  CHECK(back.offset() == 4);
  {
    // More entries than the bound: after the flush the cache starts over and reads the store again.
    auto txn = store->begin();
    for (const char* k : {"r2", "r3", "r4"}) {
      cache.get(*txn, k).set_offset(7);
      cache.changed(k);
    }
    cache.flush(*txn);
    REQUIRE(store->commit(*txn));
    auto again = store->begin();
    bool stored = false;
    CHECK(cache.get(*again, "r1", &stored).offset() == 4);
    CHECK(stored);
  }
}

TEST_CASE("ids looked up while earlier batches are still being written are still found as duplicates", "[projections][unit]") {
  // The projector's pipeline: batch k+1 is decoded (with its ids looked up in the store) while
  // batch k is staged and batch k-1 is written. Every batch here repeats an event of each earlier one.
  temp_dir dir;
  counting_view view;
  std::vector<std::string> firsts;
  log_fixture log;
  std::vector<std::pair<int, std::int64_t>> positions;
  std::int64_t offset = 0;
  constexpr int batches = 5;
  for (int b = 0; b < batches; ++b) {
    firsts.push_back(fe::encode(health("c1", 10)));
    log.add(0, offset, firsts.back());
    positions.push_back({0, offset++});
    for (int earlier = 0; earlier < b; ++earlier) {
      log.add(0, offset, firsts[static_cast<std::size_t>(earlier)]);
      positions.push_back({0, offset++});
    }
  }
  log.build(positions);
  std::vector<std::vector<fp::input_record>> split(batches);
  std::size_t at = 0;
  for (int b = 0; b < batches; ++b) {
    for (int n = 0; n <= b; ++n) split[static_cast<std::size_t>(b)].push_back(log.records[at++]);
  }
  auto store = fp::view_store::open(dir.path()).value();
  fp::applier applier(view, *store);
  std::vector<fp::dead_letter> dl;
  std::array<fp::decoded_batch, 2> decoded;
  fp::decode_batch(view, split[0], decoded[0], store.get());
  for (int b = 0; b < batches; ++b) {
    if (b + 1 < batches) fp::decode_batch(view, split[static_cast<std::size_t>(b + 1)], decoded[(b + 1) % 2], store.get());
    auto txn = applier.stage(split[static_cast<std::size_t>(b)], decoded[b % 2], dl);
    REQUIRE(store->commit_async(*txn));
  }
  REQUIRE(store->wait_for_writes());
  CHECK(count_for(*store, "c1") == batches);
  CHECK(store->counters().duplicates == batches * (batches - 1) / 2);
}

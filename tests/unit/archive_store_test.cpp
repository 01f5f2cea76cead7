// The archive store (projections/archive): key order, null-ness of keys/values/headers, the time
// index, offsets in the same batch, reopening, and a secondary reader beside the writer.
#include <catch2/catch.hpp>

#include <cstdio>

#include "fleetledger/archive/archive_store.hpp"
#include "support/temp_dir.hpp"

namespace fa = fleetledger::archive;
namespace ft = fleetledger::testing;

namespace {

fa::archived_record rec(std::string topic, int partition, std::int64_t offset, std::int64_t ts) {
  fa::archived_record r;
  r.topic = std::move(topic);
  r.partition = partition;
  r.offset = offset;
  r.timestamp_ms = ts;
  // snprintf rather than "k" + to_string(): GCC 12 warns (-Wrestrict) on the latter, falsely.
  char buf[32];
  std::snprintf(buf, sizeof buf, "k%lld", static_cast<long long>(offset));
  r.key = std::string(buf);
  std::snprintf(buf, sizeof buf, "v%lld", static_cast<long long>(offset));
  r.value = std::string(buf);
  r.headers = {{"fl-type", "ClusterHealthChecked"}};
  return r;
}

std::vector<fa::archived_record> all(const fa::archive_store& s) {
  std::vector<fa::archived_record> out;
  REQUIRE(s.scan_all({}, [&](const fa::archived_record& r) {
    out.push_back(r);
    return true;
  }));
  return out;
}

}  // namespace

TEST_CASE("archive records round trip with null keys values and headers", "[archive][unit]") {
  fa::archived_record r = rec("fleet.tenant.v1", 3, 7, 1'700'000'000'123);
  r.key.reset();
  r.value = std::string("\0binary\xff", 8);
  r.headers = {{"a", std::nullopt}, {"b", ""}, {"a", "second"}};
  r.timestamp_type = 2;
  const auto decoded = fa::decode_record(fa::record_key(r.topic, r.partition, r.offset), fa::encode_record(r));
  REQUIRE(decoded);
  CHECK(*decoded == r);
  fa::archived_record empty_key = rec("t", 0, 0, -1);
  empty_key.key = "";
  empty_key.value.reset();
  const auto d2 = fa::decode_record(fa::record_key("t", 0, 0), fa::encode_record(empty_key));
  REQUIRE(d2);
  CHECK(d2->key.has_value());
  CHECK(d2->key->empty());
  CHECK_FALSE(d2->value.has_value());
  CHECK(d2->timestamp_ms == -1);
  CHECK_FALSE(fa::decode_record(fa::record_key("t", 0, 0), "x"));
}

TEST_CASE("archive scans in topic partition offset order and keeps offsets", "[archive][unit]") {
  ft::temp_dir dir("fleetledger-archive");
  const auto path = dir.path() / "archive";
  {
    auto s = fa::archive_store::open(path, {fa::sync_policy::none});
    REQUIRE(s);
    // Written out of order, partitions above 255 and offsets above 2^32 included.
    REQUIRE((*s)->write({rec("b", 1, 300, 5), rec("b", 0, 2, 4), rec("a", 256, 1, 3)}, {{{"b", 1}, 301}}));
    REQUIRE((*s)->write({rec("b", 0, 1, 2), rec("a", 2, 5'000'000'000, 1)}, {{{"b", 0}, 3}, {{"a", 2}, 5'000'000'001}}));
  }
  auto s = fa::archive_store::open(path);  // reopen: everything is still there
  REQUIRE(s);
  const auto records = all(**s);
  REQUIRE(records.size() == 5);
  CHECK(records[0].topic == "a");
  CHECK(records[0].partition == 2);
  CHECK(records[0].offset == 5'000'000'000);
  CHECK(records[1].partition == 256);
  CHECK(records[2].offset == 1);
  CHECK(records[3].offset == 2);
  CHECK(records[4].offset == 300);
  const auto offsets = (*s)->offsets();
  REQUIRE(offsets);
  CHECK(offsets->size() == 3);
  CHECK(offsets->at({"b", 0}) == 3);
  CHECK(offsets->at({"a", 2}) == 5'000'000'001);
  const auto range = (*s)->range("b", 0);
  REQUIRE(range);
  REQUIRE(range->has_value());
  CHECK((*range)->first == 1);
  CHECK((*range)->second == 2);
  const auto none = (*s)->range("b", 7);
  REQUIRE(none);
  CHECK_FALSE(none->has_value());
  std::vector<std::int64_t> part;
  REQUIRE((*s)->scan_partition("b", 0, 2, 10, [&](const fa::archived_record& r) {
    part.push_back(r.offset);
    return true;
  }));
  CHECK(part == std::vector<std::int64_t>{2});
  std::vector<std::string> only_b;
  REQUIRE((*s)->scan_all({"b"}, [&](const fa::archived_record& r) {
    only_b.push_back(r.topic);
    return true;
  }));
  CHECK(only_b.size() == 3);
}

TEST_CASE("archive time index returns records in timestamp order within the range", "[archive][unit]") {
  ft::temp_dir dir("fleetledger-archive");
  auto s = fa::archive_store::open(dir.path() / "archive", {fa::sync_policy::none});
  REQUIRE(s);
  REQUIRE((*s)->write({rec("t", 0, 0, 100), rec("t", 0, 1, 50), rec("t", 1, 0, 75), rec("u", 0, 0, -1),
                       rec("t", 1, 1, 200)},
                      {}));
  std::vector<std::int64_t> ts;
  REQUIRE((*s)->scan_time(50, 100, {}, [&](const fa::archived_record& r) {
    ts.push_back(r.timestamp_ms);
    return true;
  }));
  CHECK(ts == std::vector<std::int64_t>{50, 75, 100});
  ts.clear();
  REQUIRE((*s)->scan_time(INT64_MIN, 60, {}, [&](const fa::archived_record& r) {
    ts.push_back(r.timestamp_ms);
    return true;
  }));
  CHECK(ts == std::vector<std::int64_t>{-1, 50});
  ts.clear();
  REQUIRE((*s)->scan_time(0, INT64_MAX, {"u"}, [&](const fa::archived_record& r) {
    ts.push_back(r.timestamp_ms);
    return true;
  }));
  CHECK(ts.empty());
}

TEST_CASE("a secondary archive reader sees the writer's batches after catch up", "[archive][unit]") {
  ft::temp_dir dir("fleetledger-archive");
  auto writer = fa::archive_store::open(dir.path() / "archive");
  REQUIRE(writer);
  REQUIRE((*writer)->write({rec("t", 0, 0, 1)}, {{{"t", 0}, 1}}));
  auto reader = fa::archive_store::open_secondary(dir.path() / "archive", dir.path() / "secondary");
  REQUIRE(reader);
  CHECK(all(**reader).size() == 1);
  REQUIRE((*writer)->write({rec("t", 0, 1, 2)}, {{{"t", 0}, 2}}));
  REQUIRE((*reader)->catch_up());
  CHECK(all(**reader).size() == 2);
  CHECK((*reader)->offsets()->at({"t", 0}) == 2);
  CHECK_FALSE((*reader)->write({rec("t", 0, 2, 3)}, {}));
  CHECK_FALSE(fa::archive_store::open_secondary(dir.path() / "missing", dir.path() / "secondary2"));
}

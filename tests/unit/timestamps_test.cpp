// Timestamp <-> time_point conversions and RFC 3339 text.
#include <chrono>
#include <string>

#include <catch2/catch.hpp>

#include "fleetledger/events/timestamps.hpp"

namespace {
using namespace std::chrono_literals;
using fleetledger::events::format_rfc3339;
using fleetledger::events::from_timestamp;
using fleetledger::events::parse_rfc3339;
using fleetledger::events::time_point;
using fleetledger::events::to_timestamp;

time_point at(std::string_view text) {
  auto r = parse_rfc3339(text);
  REQUIRE(r.has_value());
  return *r;
}
}  // namespace

TEST_CASE("time points round-trip through Timestamp exactly", "[timestamps]") {
  const time_point now = std::chrono::system_clock::now();
  auto back = from_timestamp(to_timestamp(now));
  REQUIRE(back.has_value());
  CHECK(*back == now);

  // Before the epoch, nanos stay in [0, 1e9) and seconds go negative (protobuf's convention).
  const time_point before = time_point(std::chrono::floor<time_point::duration>(-1500ms));
  const auto ts = to_timestamp(before);
  CHECK(ts.seconds() == -2);
  CHECK(ts.nanos() == 500'000'000);
  CHECK(*from_timestamp(ts) == before);
}

TEST_CASE("from_timestamp refuses what a time_point cannot hold", "[timestamps]") {
  google::protobuf::Timestamp ts;
  ts.set_seconds(253'402'300'799);  // 9999-12-31T23:59:59Z: valid protobuf, beyond the clock
  auto r = from_timestamp(ts);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.err().code == fleetledger::events::errc::invalid_argument);
  CHECK(fleetledger::events::from_timestamp_saturating(ts) == time_point::max());
  ts.set_seconds(-62'135'596'800);  // 0001-01-01
  CHECK(fleetledger::events::from_timestamp_saturating(ts) == time_point::min());
  ts.set_seconds(0);
  ts.set_nanos(1'000'000'000);
  CHECK_FALSE(from_timestamp(ts).has_value());
  CHECK_FALSE(fleetledger::events::is_representable(ts));
}

TEST_CASE("format_rfc3339 writes UTC with the fewest exact fraction digits", "[timestamps]") {
  const time_point base = at("2026-11-23T21:43:27Z");
  CHECK(format_rfc3339(base) == "2026-11-23T21:43:27Z");
  CHECK(format_rfc3339(base + 123ms) == "2026-11-23T21:43:27.123Z");
  CHECK(format_rfc3339(base + 123400us) == "2026-11-23T21:43:27.123400Z");
  CHECK(format_rfc3339(time_point{}) == "1970-01-01T00:00:00Z");
  CHECK(format_rfc3339(base + std::chrono::duration_cast<time_point::duration>(1ns)) ==
        (time_point::duration::period::den >= 1'000'000'000 ? "2026-11-23T21:43:27.000000001Z"
                                                            : "2026-11-23T21:43:27Z"));
  CHECK(format_rfc3339(at("1969-12-31T23:59:59.5Z")) == "1969-12-31T23:59:59.500Z");
}

TEST_CASE("parse_rfc3339 reads fractions and offsets", "[timestamps]") {
  CHECK(to_timestamp(at("1970-01-01T00:00:00Z")).seconds() == 0);
  CHECK(to_timestamp(at("2026-11-23T21:43:27Z")).seconds() == 1'795'470'207);
  CHECK(at("2026-11-23T22:43:27+01:00") == at("2026-11-23T21:43:27Z"));
  CHECK(at("2026-11-23T16:13:27-05:30") == at("2026-11-23T21:43:27Z"));
  CHECK(at("2026-11-23t21:43:27z") == at("2026-11-23T21:43:27Z"));
  CHECK(to_timestamp(at("2026-11-23T21:43:27.1Z")).nanos() == 100'000'000);
  CHECK(to_timestamp(at("2026-11-23T21:43:27.000000001Z")).nanos() ==
        (time_point::duration::period::den >= 1'000'000'000 ? 1 : 0));
  CHECK(at("2024-02-29T00:00:00Z") - at("2024-02-28T00:00:00Z") == 24h);
  // Formatting and parsing are inverse.
  const time_point now = std::chrono::system_clock::now();
  CHECK(at(format_rfc3339(now)) == now);
}

TEST_CASE("parse_rfc3339 refuses malformed text with a reason", "[timestamps]") {
  const char* bad[] = {
      "",
      "2026-11-23",
      "2026-11-23 21:43:27Z",
      "2026-11-23T21:43:27",
      "2026-11-23T21:43Z",
      "2026-13-01T00:00:00Z",
      "2025-02-29T00:00:00Z",
      "2026-11-31T00:00:00Z",
      "2026-11-23T24:00:00Z",
      "2026-11-23T21:60:00Z",
      "2026-11-23T21:43:60Z",
      "2026-11-23T21:43:27.Z",
      "2026-11-23T21:43:27.1234567890Z",
      "2026-11-23T21:43:27+0100",
      "2026-11-23T21:43:27+1:00",
      "2026-11-23T21:43:27+24:00",
      "2026-11-23T21:43:27Z ",
      " 2026-11-23T21:43:27Z",
      "2026-11-23T21:43:27UTC",
      "26-11-23T21:43:27Z",
      "+2026-11-23T21:43:27Z",
      "9999-12-31T23:59:59Z",
      "0001-01-01T00:00:00Z",
  };
  for (const char* text : bad) {
    INFO(text);
    auto r = parse_rfc3339(text);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.err().code == fleetledger::events::errc::invalid_argument);
    CHECK_THAT(r.err().message, Catch::StartsWith("invalid RFC 3339 time"));
  }
}

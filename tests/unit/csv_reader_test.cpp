// The RFC 4180 reader under the offering import (producers/commands/src/csv_reader.cpp).
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "fleetledger/producers/commands/csv_reader.hpp"

namespace fp = fleetledger::producers;

namespace {
struct read_all_result {
  std::vector<fp::csv_record> records;
  std::string error;
};
read_all_result read_all(std::string_view text) {
  read_all_result out;
  fp::csv_reader reader(text);
  fp::csv_record r;
  for (int i = 0; i < 10000; ++i) {
    auto more = reader.next(r);
    if (!more) {
      out.error = more.err().message;
      break;
    }
    if (!*more) break;
    out.records.push_back(r);
  }
  return out;
}
using fields = std::vector<std::string>;
}  // namespace

TEST_CASE("csv reader splits plain fields and counts lines") {
  const auto r = read_all("a,b,c\n1,2,3\n");
  REQUIRE(r.error.empty());
  REQUIRE(r.records.size() == 2);
  CHECK(r.records[0].fields == fields{"a", "b", "c"});
  CHECK(r.records[1].fields == fields{"1", "2", "3"});
  CHECK(r.records[1].line == 2);
}

TEST_CASE("csv reader handles quoted fields with embedded comma and doubled quotes") {
  const auto r = read_all("name,desc\nx,\"a, b \"\"quoted\"\" c\"\n");
  REQUIRE(r.error.empty());
  REQUIRE(r.records.size() == 2);
  CHECK(r.records[1].fields == fields{"x", "a, b \"quoted\" c"});
}

TEST_CASE("csv reader keeps embedded newlines and reports the starting line of the next record") {
  const auto r = read_all("h1,h2\n\"line one\nline two\",v\nnext,row\n");
  REQUIRE(r.error.empty());
  REQUIRE(r.records.size() == 3);
  CHECK(r.records[1].fields == fields{"line one\nline two", "v"});
  CHECK(r.records[1].line == 2);
  CHECK(r.records[2].line == 4);
}

TEST_CASE("csv reader accepts CRLF line ends and strips a UTF-8 BOM") {
  const auto r = read_all("\xEF\xBB\xBF" "a,b\r\n1,\"x\r\ny\"\r\n3,4\r\n");
  REQUIRE(r.error.empty());
  REQUIRE(r.records.size() == 3);
  CHECK(r.records[0].fields == fields{"a", "b"});
  CHECK(r.records[1].fields == fields{"1", "x\r\ny"});
  CHECK(r.records[2].fields == fields{"3", "4"});
  CHECK(r.records[2].line == 4);
}

TEST_CASE("csv reader keeps UTF-8 bytes unchanged") {
  const auto r = read_all("city\nZürich\n\"東京, 日本\"\n");
  REQUIRE(r.records.size() == 3);
  CHECK(r.records[1].fields[0] == "Zürich");
  CHECK(r.records[2].fields[0] == "東京, 日本");
}

TEST_CASE("csv reader skips blank lines but counts them") {
  const auto r = read_all("a\n\n1\n\r\n2");
  REQUIRE(r.error.empty());
  REQUIRE(r.records.size() == 3);
  CHECK(r.records[1].line == 3);
  CHECK(r.records[2].line == 5);
  CHECK(r.records[2].fields == fields{"2"});
}

TEST_CASE("csv reader keeps empty fields and a trailing empty field") {
  const auto r = read_all("a,,c,\n");
  REQUIRE(r.records.size() == 1);
  CHECK(r.records[0].fields == fields{"a", "", "c", ""});
}

TEST_CASE("csv reader refuses an unterminated quote naming its line") {
  const auto r = read_all("a,b\n1,2\n3,\"open\nstill open\n");
  CHECK(r.records.size() == 2);
  CHECK(r.error == "line 3: quoted field is never closed");
}

TEST_CASE("csv reader refuses text after a closing quote") {
  const auto r = read_all("a\n\"x\"y\n");
  CHECK(r.error.find("line 2") != std::string::npos);
}

TEST_CASE("csv reader refuses a quote inside an unquoted field") {
  const auto r = read_all("a\nab\"c\n");
  CHECK(r.error.find("line 2") != std::string::npos);
}

TEST_CASE("csv reader returns nothing for empty input and for a lone BOM") {
  CHECK(read_all("").records.empty());
  CHECK(read_all("\xEF\xBB\xBF").records.empty());
}

namespace {
// Every record through the zero-copy reader, copied out before the next read.
read_all_result read_all_views(std::string_view text) {
  read_all_result out;
  fp::csv_reader reader(text);
  fp::csv_row row;
  for (int i = 0; i < 10000; ++i) {
    auto more = reader.next(row);
    if (!more) {
      out.error = more.err().message;
      break;
    }
    if (!*more) break;
    fp::csv_record r{row.line, {}};
    for (const auto f : row.fields) r.fields.emplace_back(f);
    out.records.push_back(std::move(r));
  }
  return out;
}
}  // namespace

TEST_CASE("csv reader views match the copying reader on every quoting case") {
  const std::string_view text =
      "\xEF\xBB\xBF" "h1,h2,h3,h4\r\n"
      "\"a \"\"x\"\"\",plain,\"b, \"\"y\"\" \nz\",\"\"\"\"\n"
      "\n"
      "\"no doubled\",\"\",,\"\"\"lead\"\r\n"
      "last,\"t\",\"\"\"\"\"\",";
  const auto copied = read_all(text);
  const auto viewed = read_all_views(text);
  REQUIRE(copied.error.empty());
  REQUIRE(viewed.error.empty());
  REQUIRE(viewed.records.size() == 4);
  for (std::size_t i = 0; i < copied.records.size(); ++i) {
    CHECK(viewed.records[i].line == copied.records[i].line);
    CHECK(viewed.records[i].fields == copied.records[i].fields);
  }
  CHECK(viewed.records[1].fields == fields{"a \"x\"", "plain", "b, \"y\" \nz", "\""});
  CHECK(viewed.records[2].fields == fields{"no doubled", "", "", "\"lead"});
  CHECK(viewed.records[3].fields == fields{"last", "t", "\"\"", ""});
  CHECK(viewed.records[3].line == 6);
}

TEST_CASE("csv reader views report the same errors as the copying reader") {
  for (const std::string_view text : {"a,b\n1,2\n3,\"open\nstill open\n", "a\n\"x\"y\n", "a\nab\"c\n"}) {
    CHECK(read_all_views(text).error == read_all(text).error);
  }
}

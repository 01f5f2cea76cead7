// CSV -> OfferingPublished mapping and validation (producers/commands/src/offering_import.cpp).
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "fleetledger/events/offering_rules.hpp"
#include "fleetledger/producers/commands/offering_import.hpp"

namespace fp = fleetledger::producers;

namespace {
std::vector<std::string> issue_texts(const fp::offering_import_plan& p) {
  std::vector<std::string> out;
  for (const auto& e : p.errors) out.push_back(e.to_string());
  return out;
}
}  // namespace

TEST_CASE("offering import matches columns by header name in any order") {
  const auto p = fp::plan_offering_import(
      "monthly_price,Product_Type , gpu_count,offering_id,gpu_model,provider_id,features\n"
      "99.5,GPU,8,o-1,H100,acme,nvlink; ecc ;\n");
  REQUIRE(p.errors.empty());
  REQUIRE(p.valid.size() == 1);
  const auto& o = p.valid[0].offering;
  CHECK(o.offering_id() == "o-1");
  CHECK(o.provider_id() == "acme");
  CHECK(o.product_type() == "gpu");
  CHECK(o.gpu_model() == "H100");
  CHECK(o.gpu_count() == 8);
  CHECK(o.monthly_price() == Approx(99.5));
  REQUIRE(o.features_size() == 2);
  CHECK(o.features(0) == "nvlink");
  CHECK(o.features(1) == "ecc");
  CHECK(p.valid[0].line == 2);
}

TEST_CASE("offering import accepts missing optional columns and leaves optional fields unset") {
  const auto p = fp::plan_offering_import("offering_id,provider_id,product_type\nc1,acme,compute\n");
  REQUIRE(p.errors.empty());
  REQUIRE(p.valid.size() == 1);
  CHECK_FALSE(p.valid[0].offering.has_datacenter_latitude());
  CHECK_FALSE(p.valid[0].offering.has_min_contract_hours());
}

TEST_CASE("offering import takes mixed product types in one file") {
  const auto p = fp::plan_offering_import(
      "offering_id,provider_id,product_type,gpu_model,gpu_count,rack_units,software_name,blockchain,"
      "container_runtime,storage_class,nas_protocol,k8s_version\n"
      "g,acme,gpu,A100,2,,,,,,,\n"
      "c,acme,colocation,,,4,,,,,,\n"
      "s,acme,saas,,,,Grafana,,,,,\n"
      "v,acme,validator,,,,,solana,,,,\n"
      "k,acme,container,,,,,,containerd,,,\n"
      "o,acme,object_storage,,,,,,,standard,,\n"
      "n,acme,nas,,,,,,,,nfs,\n"
      "8,acme,kubernetes,,,,,,,,,1.30\n"
      "d,acme,dedicated,,,,,,,,,\n"
      "x,acme,quantum,,,,,,,,,\n");
  CHECK(issue_texts(p).empty());
  CHECK(p.valid.size() == 10);
  CHECK(p.rows == 10);
}

TEST_CASE("offering import rejects each type's missing required field with line and column") {
  struct case_t {
    const char* type;
    const char* column;
  };
  const case_t cases[] = {{"colocation", "rack_units"}, {"validator", "blockchain"}, {"gpu", "gpu_model"},
                          {"saas", "software_name"},   {"container", "container_runtime"},
                          {"object_storage", "storage_class"}, {"nas", "nas_protocol"},
                          {"kubernetes", "k8s_version"}};
  for (const auto& c : cases) {
    const std::string csv = std::string("offering_id,provider_id,product_type,gpu_count\n\nrow,acme,") + c.type + ",1\n";
    const auto p = fp::plan_offering_import(csv);
    INFO(c.type);
    REQUIRE(p.errors.size() == 1);
    CHECK(p.errors[0].line == 3);
    CHECK(p.errors[0].column == c.column);
    CHECK(p.errors[0].to_string() == std::string("line 3, column ") + c.column + ": required for product_type " + c.type);
    CHECK(p.valid.empty());
  }
  const auto gpu = fp::plan_offering_import("offering_id,provider_id,product_type,gpu_model\ng,acme,gpu,A100\n");
  REQUIRE(gpu.errors.size() == 1);
  CHECK(gpu.errors[0].to_string() == "line 2, column gpu_count: required for product_type gpu");
}

TEST_CASE("offering import reports type errors naming the value") {
  const auto p = fp::plan_offering_import(
      "offering_id,provider_id,product_type,monthly_price,gpu_count,registry_included,datacenter_latitude,product_page_url\n"
      "a,acme,compute,abc,,,,\n"
      "b,acme,compute,,2.5,,,\n"
      "c,acme,compute,,,maybe,,\n"
      "d,acme,compute,,,,95,\n"
      "e,acme,compute,-1,,,,\n"
      "f,acme,compute,,,,,ftp://x\n");
  const auto t = issue_texts(p);
  REQUIRE(t.size() == 6);
  CHECK(t[0] == "line 2, column monthly_price: 'abc' is not a number");
  CHECK(t[1] == "line 3, column gpu_count: '2.5' is not a whole number");
  CHECK(t[2].starts_with("line 4, column registry_included: 'maybe' is not a boolean"));
  CHECK(t[3] == "line 5, column datacenter_latitude: '95' is out of range -90..90");
  CHECK(t[4] == "line 6, column monthly_price: must not be negative");
  CHECK(t[5].starts_with("line 7, column product_page_url:"));
  CHECK(p.invalid_lines == std::vector<std::size_t>{2, 3, 4, 5, 6, 7});
}

TEST_CASE("offering import reports unknown columns without refusing the rows") {
  const auto p = fp::plan_offering_import("offering_id,provider_id,product_type,colour,Flavour\na,acme,compute,red,x\n");
  CHECK(p.errors.empty());
  CHECK(p.valid.size() == 1);
  CHECK(p.unknown_columns == std::vector<std::string>{"colour", "flavour"});
}

TEST_CASE("offering import refuses duplicate keys naming both lines") {
  const auto p = fp::plan_offering_import(
      "offering_id,provider_id,product_type\na,acme,compute\nb,acme,compute\na,acme,dedicated\na,other,compute\n");
  REQUIRE(p.errors.size() == 1);
  CHECK(p.errors[0].to_string() == "line 4, column offering_id: duplicate (provider_id, offering_id) ('acme', 'a') also on line 2");
  CHECK(p.valid.size() == 3);
}

TEST_CASE("offering import takes the provider from the option when the column or cell is missing") {
  const auto none = fp::plan_offering_import("offering_id,product_type\na,compute\n");
  REQUIRE(none.file_error);
  CHECK(none.errors[0].column == "provider_id");
  const auto p = fp::plan_offering_import("offering_id,product_type,provider_id\na,compute,\nb,compute,other\n",
                                          {.default_provider_id = "acme"});
  REQUIRE(p.errors.empty());
  CHECK(p.valid[0].offering.provider_id() == "acme");
  CHECK(p.valid[1].offering.provider_id() == "other");
}

TEST_CASE("offering import handles quoting edge cases in values") {
  const auto p = fp::plan_offering_import(
      "\xEF\xBB\xBF" "offering_id,provider_id,product_type,description,offer_name\r\n"
      "a,acme,compute,\"Fast, cheap\r\nand \"\"reliable\"\"\",\"Zürich \xE2\x82\xAC\"\r\n"
      "b,acme,compute,plain,x\r\n");
  REQUIRE(p.errors.empty());
  REQUIRE(p.valid.size() == 2);
  CHECK(p.valid[0].offering.description() == "Fast, cheap\r\nand \"reliable\"");
  CHECK(p.valid[0].offering.offer_name() == "Zürich €");
  CHECK(p.valid[1].line == 4);
}

TEST_CASE("offering import refuses invalid UTF-8 naming the column") {
  const auto p = fp::plan_offering_import("offering_id,provider_id,product_type,offer_name\na,acme,compute,bad\xFF\n");
  REQUIRE(p.errors.size() == 1);
  CHECK(p.errors[0].to_string() == "line 2, column offer_name: not valid UTF-8");
}

TEST_CASE("offering import refuses files without a header or with broken quoting") {
  CHECK(fp::plan_offering_import("").file_error);
  const auto dup = fp::plan_offering_import("offering_id,offering_id,provider_id,product_type\n");
  CHECK(dup.file_error);
  const auto broken = fp::plan_offering_import("offering_id,provider_id,product_type\na,acme,\"compute\n");
  CHECK(broken.file_error);
  CHECK(broken.errors.back().message.find("line 2") != std::string::npos);
}

TEST_CASE("offering import refuses rows with more cells than the header") {
  const auto p = fp::plan_offering_import("offering_id,provider_id,product_type\na,acme,compute,extra\nb,acme,compute,\n");
  REQUIRE(p.errors.size() == 1);
  CHECK(p.errors[0].line == 2);
  CHECK(p.valid.size() == 1);
}

TEST_CASE("offering template lists the type's columns after the common ones") {
  const std::string h = fp::offering_template_header("GPU");
  CHECK(h.starts_with("offering_id,provider_id,offer_name,product_type,"));
  CHECK(h.find(",gpu_model,gpu_count") != std::string::npos);
  const auto p = fp::plan_offering_import(h + "\n");
  CHECK(p.errors.empty());
  CHECK(p.unknown_columns.empty());
}

TEST_CASE("offering import streaming form hands over the valid rows in file order and keeps none") {
  const std::string csv =
      "offering_id,provider_id,product_type,gpu_model,gpu_count,offer_name\n"
      "g1,acme,gpu,A100,2,a long offer name that does not fit a small string\n"
      "g2,acme,gpu,,2,short\n"
      "c1,acme,compute,,,\n"
      "g1,acme,gpu,A100,2,duplicate\n"
      "c2,acme,compute,,,another long offer name for the reused message\n";
  std::vector<std::pair<std::size_t, std::string>> seen;
  const auto checked = fp::check_offering_import(csv, {}, [&](std::size_t line, fleetledger::v1::OfferingPublished& o) {
    seen.emplace_back(line, o.SerializeAsString());
  });
  const auto planned = fp::plan_offering_import(csv);
  CHECK(checked.valid.empty());
  CHECK(issue_texts(checked) == issue_texts(planned));
  CHECK(checked.invalid_lines == std::vector<std::size_t>{3, 5});
  CHECK(checked.rows == 5);
  REQUIRE(seen.size() == planned.valid.size());
  REQUIRE(seen.size() == 3);
  for (std::size_t i = 0; i < seen.size(); ++i) {
    CHECK(seen[i].first == planned.valid[i].line);
    CHECK(seen[i].second == planned.valid[i].offering.SerializeAsString());
  }
  // A row after a long one keeps none of its cells (the message is reused).
  fleetledger::v1::OfferingPublished second;
  REQUIRE(second.ParseFromString(seen[1].second));
  CHECK(second.offering_id() == "c1");
  CHECK(second.offer_name().empty());
}

namespace {
// A clean mixed file of n rows with quoted commas, doubled quotes, an embedded newline and CRLF ends.
std::string clean_file(int n) {
  std::string csv = "\xEF\xBB\xBF" "offering_id,provider_id,product_type,gpu_model,gpu_count,offer_name,description\r\n";
  for (int i = 0; i < n; ++i) {
    const std::string id = std::to_string(i);
    csv += "o-" + id + ",p-" + std::to_string(i % 7) + (i % 2 == 0 ? ",gpu,A100,2," : ",compute,,,") +
           "\"Offer " + id + ", \"\"quoted\"\"\",\"line one\nline two " + id + "\"\r\n";
    if (i % 10 == 3) csv += "\r\n";  // a blank line now and then
  }
  return csv;
}

struct collected {
  std::vector<std::size_t> lines;
  std::vector<std::string> bytes;
};

// The exact check's plan, with the line and bytes of each row it hands over in rows.
fp::offering_import_plan check_exactly(const std::string& csv, const fp::offering_import_options& options,
                                       collected& rows) {
  return fp::check_offering_import(csv, options, [&](std::size_t line, fleetledger::v1::OfferingPublished& o) {
    rows.lines.push_back(line);
    rows.bytes.push_back(o.SerializeAsString());
  });
}

// One sink per part, each collecting its part's rows into got[k].
std::vector<fp::encoded_offering_sink> collecting_sinks(std::vector<collected>& got) {
  std::vector<fp::encoded_offering_sink> sinks;
  for (std::size_t k = 0; k < got.size(); ++k) {
    sinks.push_back([&got, k](std::size_t line, std::string_view, std::string_view bytes) {
      got[k].lines.push_back(line);
      got[k].bytes.emplace_back(bytes);
    });
  }
  return sinks;
}

// The rows of every part, part after part (the file's order).
collected in_file_order(const std::vector<collected>& parts) {
  collected all;
  for (const auto& g : parts) {
    all.lines.insert(all.lines.end(), g.lines.begin(), g.lines.end());
    all.bytes.insert(all.bytes.end(), g.bytes.begin(), g.bytes.end());
  }
  return all;
}

// Runs the parallel check with `parts` sinks; the rows of all parts in part order.
std::optional<fp::offering_import_plan> check_in_parts(const std::string& csv, std::size_t parts, collected& all) {
  std::vector<collected> got(parts);
  std::vector<fp::encoded_offering_sink> sinks;
  for (std::size_t k = 0; k < parts; ++k) {
    sinks.push_back([&got, k](std::size_t line, std::string_view provider_id, std::string_view bytes) {
      fleetledger::v1::OfferingPublished o;
      REQUIRE(o.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())));
      CHECK(o.provider_id() == provider_id);
      got[k].lines.push_back(line);
      got[k].bytes.emplace_back(bytes);
    });
  }
  auto plan = fp::check_clean_offering_import(csv, {}, sinks, 2);
  all = in_file_order(got);
  return plan;
}
}  // namespace

TEST_CASE("offering import in parts gives the single-thread plan and rows for a clean file") {
  const std::string csv = clean_file(500);
  collected one;
  const auto single = check_exactly(csv, {}, one);
  REQUIRE(single.errors.empty());
  REQUIRE(one.lines.size() == 500);
  for (const std::size_t parts : {1, 2, 3, 4, 7}) {
    INFO("parts " << parts);
    collected all;
    const auto plan = check_in_parts(csv, parts, all);
    REQUIRE(plan.has_value());
    CHECK(plan->rows == single.rows);
    CHECK(plan->errors.empty());
    CHECK(plan->invalid_lines.empty());
    CHECK(plan->unknown_columns == single.unknown_columns);
    CHECK(all.lines == one.lines);
    CHECK(all.bytes == one.bytes);
  }
}

TEST_CASE("offering import in parts cuts only at record boundaries around a cell longer than a part") {
  // A quoted description of many lines, longer than a part: equal shares of the file start inside it,
  // so the cuts after it come from the quote counts before them.
  std::string csv = clean_file(300);
  std::string huge = "\"";
  for (int i = 0; i < 2'000; ++i) huge += "line " + std::to_string(i) + ", \"\"quoted\"\"\n";
  huge += "\"";
  csv.insert(csv.find("\r\no-120,") + 2, "o-huge,p-1,compute,,,big," + huge + "\n");
  collected one;
  const auto single = check_exactly(csv, {}, one);
  REQUIRE(single.errors.empty());
  REQUIRE(one.lines.size() == 301);
  for (const std::size_t parts : {2, 4, 8, 16}) {
    INFO("parts " << parts);
    collected all;
    const auto plan = check_in_parts(csv, parts, all);
    REQUIRE(plan.has_value());
    CHECK(plan->rows == single.rows);
    CHECK(all.lines == one.lines);
    CHECK(all.bytes == one.bytes);
  }
}

TEST_CASE("offering import in parts gives no plan when the single-thread check finds a problem") {
  const std::string csv = clean_file(400);
  collected ignored;
  SECTION("an invalid row in the last part") {
    CHECK_FALSE(check_in_parts(csv + "late,p-1,gpu,,2,x,y\n", 4, ignored).has_value());
  }
  SECTION("a key repeated within one part") {
    std::string repeated = csv;
    repeated.insert(csv.find("\r\no-3,") + 2, "o-2,p-2,compute,,,x,y\n");
    CHECK_FALSE(check_in_parts(repeated, 2, ignored).has_value());
  }
  SECTION("a key repeated in different parts") {
    CHECK_FALSE(check_in_parts(csv + "o-1,p-1,compute,,,x,y\n", 4, ignored).has_value());
  }
  // Broken quoting inserted after a record boundary in the middle: the parity the cut relies on is off.
  const std::size_t middle = csv.find("\r\no-200,") + 2;
  SECTION("a quoted field never closed in the middle of the file") {
    std::string broken = csv;
    broken.insert(middle, "\"open,p-1,compute,,,x,y\n");
    REQUIRE(fp::plan_offering_import(broken).file_error);
    CHECK_FALSE(check_in_parts(broken, 4, ignored).has_value());
  }
  SECTION("a quote inside an unquoted field") {
    std::string broken = csv;
    broken.insert(middle, "bad\"id,p-1,compute,,,x,y\n");
    REQUIRE(fp::plan_offering_import(broken).file_error);
    CHECK_FALSE(check_in_parts(broken, 4, ignored).has_value());
  }
  SECTION("a column twice in the header") {
    CHECK_FALSE(check_in_parts("offering_id,offering_id\n", 2, ignored).has_value());
  }
}

namespace {
// A clean file with every known column and an unknown one, every product type (some upper case), and
// values that exercise each wire form: zero and negative zero for plain and optional doubles,
// negative int32 (a 10-byte varint), int64 beyond 32 bits, booleans, lists with blank items or none,
// quoted text with commas, quotes and newlines, UTF-8, empty cells and an empty trailing cell.
std::string every_column_file(int n) {
  const auto columns = fleetledger::events::all_columns();
  const auto& types = fleetledger::events::known_product_types();
  std::string csv;
  for (const auto c : columns) csv += std::string(c) + ",";
  csv += "not_a_column\n";
  const auto pick = [](std::initializer_list<const char*> pool, int i) { return std::string(pool.begin()[i % pool.size()]); };
  const google::protobuf::Descriptor* d = fleetledger::v1::OfferingPublished::descriptor();
  for (int i = 0; i < n; ++i) {
    const std::string type(types[static_cast<std::size_t>(i) % types.size()]);
    const auto required = fleetledger::events::required_fields(type);
    int k = 0;
    for (const auto c : columns) {
      const int v = i + 3 * k++;
      const std::string name(c);
      const bool needed = std::find(required.begin(), required.end(), c) != required.end();
      const auto* f = d->FindFieldByName(name);
      std::string cell;
      if (name == "offering_id") cell = "o-" + std::to_string(i);
      else if (name == "provider_id") cell = i % 4 == 0 ? "" : "p-" + std::to_string(i % 5);
      else if (name == "product_type") cell = i % 3 == 0 ? type : (type == "gpu" ? "GPU" : " " + type + " ");
      else if (name == "product_page_url") cell = pick({"", "https://example.com/o?id=1"}, v);
      else if (name == "min_contract_hours") cell = pick({"", "1", "0"}, v);
      else if (name == "max_contract_hours") cell = pick({"", "5", "+24"}, v);
      else if (name == "gpu_count" || name == "rack_units") cell = needed ? pick({"1", "8", "+2"}, v) : pick({"", "-3", "0", "4"}, v);
      else if (f->is_repeated()) cell = pick({"", "a;b", " a ; ;b ", ";", "\"x, y;z\""}, v);
      else if (f->cpp_type() == google::protobuf::FieldDescriptor::CPPTYPE_DOUBLE) cell = pick({"", "0", "-0", "1.5", "+2", "0.000001", "-0.0", "12.25"}, v);
      else if (f->cpp_type() == google::protobuf::FieldDescriptor::CPPTYPE_INT32) cell = pick({"", "0", "7", "+3", "2147483647"}, v);
      else if (f->cpp_type() == google::protobuf::FieldDescriptor::CPPTYPE_INT64) cell = pick({"", "0", "9000000000"}, v);
      else if (f->cpp_type() == google::protobuf::FieldDescriptor::CPPTYPE_BOOL) cell = pick({"", "yes", "No", "0", "TRUE"}, v);
      else if (needed) cell = pick({"x", "\"q \"\"v\"\", w\"", "Grüße"}, v);
      else cell = pick({"", "x", "  padded  ", "Grüße", "\"q \"\"v\"\", w\"", "\"two\nlines\""}, v);
      csv += cell + ",";
    }
    csv += i % 2 == 0 ? "ignored\n" : ",\n";  // the unknown column, then an empty extra cell
  }
  return csv;
}
}  // namespace

TEST_CASE("offering import in parts writes the bytes protobuf writes for every column and value form") {
  const std::string csv = every_column_file(300);
  const fp::offering_import_options options{.default_provider_id = "dflt"};
  collected one;
  const auto single = fp::check_offering_import(csv, options, [&](std::size_t line, fleetledger::v1::OfferingPublished& o) {
    one.lines.push_back(line);
    std::string bytes;
    REQUIRE(o.SerializeToString(&bytes));
    one.bytes.push_back(std::move(bytes));
  });
  INFO((single.errors.empty() ? "" : single.errors.front().to_string()));
  REQUIRE(single.errors.empty());
  REQUIRE(one.lines.size() == 300);
  for (const std::size_t parts : {1, 2, 3}) {
    INFO("parts " << parts);
    std::vector<collected> got(parts);
    const auto sinks = collecting_sinks(got);
    const auto plan = fp::check_clean_offering_import(csv, options, sinks, parts == 3 ? 2 : parts);
    REQUIRE(plan.has_value());
    CHECK(plan->rows == single.rows);
    CHECK(plan->unknown_columns == single.unknown_columns);
    const collected all = in_file_order(got);
    CHECK(all.lines == one.lines);
    REQUIRE(all.bytes.size() == one.bytes.size());
    for (std::size_t i = 0; i < all.bytes.size(); ++i) {
      INFO("row " << i);
      CHECK(all.bytes[i] == one.bytes[i]);
    }
  }
}

TEST_CASE("offering import in parts gives no plan for any row the single-thread check refuses") {
  const std::string header = "offering_id,provider_id,product_type,gpu_model,gpu_count,rack_units,monthly_price,"
                             "min_contract_hours,max_contract_hours,features,product_page_url,registry_included\n";
  const std::string good = "o-1,p-1,gpu,A100,2,,1,,,a,,\n";
  for (const std::string bad : {"o-2,p-1,gpu,A100,0,,1,,,a,,\n", "o-2,p-1,gpu,,2,,1,,,a,,\n",
                                "o-2,p-1,colocation,,,-1,1,,,,,\n", "o-2,p-1,compute,,,,-1,,,,,\n",
                                "o-2,p-1,compute,,,,1,5,4,,,\n", "o-2,p-1,compute,,,,x,,,,,\n",
                                "o-2,p-1,compute,,,,1,,,,not a url,\n", "o-2,p-1,compute,,,,1,,,,,maybe\n",
                                "o-2,,compute,,,,1,,,,,\n", ",p-1,compute,,,,1,,,,,\n", "o-2,p-1,,,,,1,,,,,\n",
                                "o-2,p\x01x,compute,,,,1,,,,,\n", "o-2,p-1,compute,,,,1,,,,,,x\n",
                                "o-2,p-1,compute,,,,\xff,,,,,\n", "o-1,p-1,compute,,,,1,,,,,\n",
                                "o-2,p-1,gpu,A100,3000000000,,1,,,,,\n"}) {
    INFO(bad);
    const std::string csv = header + good + bad;
    REQUIRE_FALSE(fp::plan_offering_import(csv).errors.empty());
    collected ignored;
    CHECK_FALSE(check_in_parts(csv, 1, ignored).has_value());
  }
}

TEST_CASE("offering import in parts agrees with the exact check on every fuzzer seed") {
  // tests/fuzz/offering_csv_fuzzer.cpp's property on its seed corpus: the first byte picks the parts,
  // the threads and the default provider; when the fast check gives a plan, it is the exact check's.
  std::size_t seeds = 0;
  std::size_t planned = 0;
  for (const auto& entry : std::filesystem::directory_iterator(FLEETLEDGER_OFFERING_CSV_CORPUS)) {
    std::ifstream in(entry.path(), std::ios::binary);
    const std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (data.empty()) continue;
    INFO("seed " << entry.path().filename().string());
    ++seeds;
    const auto knobs = static_cast<unsigned char>(data[0]);
    const std::string csv = data.substr(1);
    fp::offering_import_options options;
    if ((knobs & 0x10) != 0) options.default_provider_id = "fuzz-provider";
    collected exact;
    const auto plan = check_exactly(csv, options, exact);
    const std::size_t parts = 1 + (knobs & 0x07);
    std::vector<collected> got(parts);
    const auto sinks = collecting_sinks(got);
    const auto fast = fp::check_clean_offering_import(csv, options, sinks, (knobs & 0x08) != 0 ? 2 : 1);
    if (!fast) continue;
    ++planned;
    CHECK_FALSE(plan.file_error);
    CHECK(plan.errors.empty());
    CHECK(fast->rows == plan.rows);
    const collected all = in_file_order(got);
    CHECK(all.lines == exact.lines);
    CHECK(all.bytes == exact.bytes);
  }
  CHECK(seeds >= 10);
  CHECK(planned >= 4);  // the clean seeds take the fast path
}

#include "fleetledger/producers/commands/offering_import.hpp"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <charconv>
#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <utility>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/reflection.h>

#include "fleetledger/events/offering_rules.hpp"
#include "fleetledger/producers/commands/csv_reader.hpp"
#include "fleetledger/producers/commands/validation.hpp"
#include "offering_import_detail.hpp"

namespace fleetledger::producers {
namespace {

namespace pb = google::protobuf;
using fleetledger::v1::OfferingPublished;
using detail::cell_kind;
using detail::column;
using detail::range_rule;

std::string lower_trimmed(std::string_view s) {
  s = trim(s);
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// Range checks beyond offering_rules::validate (which covers required fields and negative prices).
const std::map<std::string_view, range_rule>& ranges() {
  static const std::map<std::string_view, range_rule> r = {
      {"datacenter_latitude", {-90, 90}},
      {"datacenter_longitude", {-180, 180}},
      {"commission_percent", {0, 100}},
      {"uptime_sla_percent", {0, 100}},
      {"min_contract_hours", {0, std::numeric_limits<double>::max()}},
      {"max_contract_hours", {0, std::numeric_limits<double>::max()}},
      {"power_watts", {0, std::numeric_limits<double>::max()}},
      {"network_ports", {0, std::numeric_limits<double>::max()}},
      {"bandwidth_gbps", {0, std::numeric_limits<double>::max()}},
      {"user_quota", {0, std::numeric_limits<double>::max()}},
      {"storage_quota_gb", {0, std::numeric_limits<double>::max()}},
      {"max_containers", {0, std::numeric_limits<double>::max()}},
      {"max_objects", {0, std::numeric_limits<double>::max()}},
      {"replication_factor", {0, std::numeric_limits<double>::max()}},
      {"max_snapshots", {0, std::numeric_limits<double>::max()}},
      {"max_nodes", {0, std::numeric_limits<double>::max()}},
      {"max_pods", {0, std::numeric_limits<double>::max()}},
      {"processor_cores", {0, std::numeric_limits<double>::max()}},
  };
  return r;
}

cell_kind kind_of(const pb::FieldDescriptor& f) {
  if (f.is_repeated()) return cell_kind::list;
  switch (f.cpp_type()) {
    case pb::FieldDescriptor::CPPTYPE_STRING:
      if (f.name() == "product_type") return cell_kind::product_type;
      if (f.name() == "product_page_url") return cell_kind::url;
      if (f.name() == "offering_id" || f.name() == "provider_id") return cell_kind::identifier;
      return cell_kind::text;
    case pb::FieldDescriptor::CPPTYPE_DOUBLE: return cell_kind::real;
    case pb::FieldDescriptor::CPPTYPE_INT32: return cell_kind::int32;
    case pb::FieldDescriptor::CPPTYPE_INT64: return cell_kind::int64;
    case pb::FieldDescriptor::CPPTYPE_BOOL: return cell_kind::boolean;
    default: return cell_kind::unsupported;
  }
}

column known_column(std::string name, const pb::FieldDescriptor* field) {
  column c{std::move(name), field, kind_of(*field), std::nullopt};
  if (const auto it = ranges().find(field->name()); it != ranges().end()) c.range = it->second;
  return c;
}

std::string quoted(std::string_view v) {
  std::string out = "'";
  out.append(v.substr(0, 60));
  if (v.size() > 60) out += "...";
  out += "'";
  return out;
}

}  // namespace

std::optional<std::string> detail::check_cell(const column& c, std::string_view cell, cell_value& out) {
  const auto range_error = [&](double v) -> std::optional<std::string> {
    if (c.range && (v < c.range->min || v > c.range->max)) {
      if (c.range->max == std::numeric_limits<double>::max()) return quoted(cell) + " must not be negative";
      return quoted(cell) + " is out of range " + format_number(c.range->min) + ".." + format_number(c.range->max);
    }
    return std::nullopt;
  };
  out.text = cell;
  if (!checks_content(c.kind)) return std::nullopt;
  switch (c.kind) {
    case cell_kind::list:
    case cell_kind::product_type:
    case cell_kind::text:
      return std::nullopt;
    case cell_kind::url:
      if (auto r = validate_url(cell); !r) return r.err().message;
      return std::nullopt;
    case cell_kind::identifier:
      if (auto r = validate_id(cell); !r) return r.err().message;
      return std::nullopt;
    case cell_kind::real: {
      const auto v = parse_double(cell);
      if (!v) return quoted(cell) + " is not a number";
      if (auto e = range_error(*v)) return e;
      out.real = *v;
      return std::nullopt;
    }
    case cell_kind::int32: {
      const auto v = parse_integer(cell);
      if (!v) return quoted(cell) + " is not a whole number";
      if (*v < std::numeric_limits<std::int32_t>::min() || *v > std::numeric_limits<std::int32_t>::max()) {
        return quoted(cell) + " is too large";
      }
      if (auto e = range_error(static_cast<double>(*v))) return e;
      out.integer = *v;
      return std::nullopt;
    }
    case cell_kind::int64: {
      const auto v = parse_integer(cell);
      if (!v) return quoted(cell) + " is not a whole number";
      if (auto e = range_error(static_cast<double>(*v))) return e;
      out.integer = *v;
      return std::nullopt;
    }
    case cell_kind::boolean: {
      const auto v = parse_bool(cell);
      if (!v) return quoted(cell) + " is not a boolean (true/false, yes/no, 1/0)";
      out.flag = *v;
      return std::nullopt;
    }
    case cell_kind::unsupported:
      break;
  }
  return "column type not supported";
}

namespace {

// Checks one cell and sets it into the message; an error message on failure.
// refl is the message's reflection, fetched once per file (each GetReflection() call checks that the
// descriptors are assigned).
std::optional<std::string> set_cell(OfferingPublished& m, const pb::Reflection& refl, const column& c,
                                    std::string_view cell) {
  detail::cell_value v;
  if (auto e = detail::check_cell(c, cell, v)) return e;
  const pb::FieldDescriptor* f = c.field;
  switch (c.kind) {
    case cell_kind::list: {
      std::size_t start = 0;
      while (start <= cell.size()) {
        const std::size_t sep = cell.find(';', start);
        const std::string_view item =
            trim(cell.substr(start, sep == std::string_view::npos ? std::string_view::npos : sep - start));
        if (!item.empty()) refl.AddString(&m, f, std::string(item));
        if (sep == std::string_view::npos) break;
        start = sep + 1;
      }
      break;
    }
    case cell_kind::product_type: refl.SetString(&m, f, events::normalize_product_type(cell)); break;
    case cell_kind::url:
    case cell_kind::identifier:
    case cell_kind::text: refl.SetString(&m, f, std::string(cell)); break;
    case cell_kind::real: refl.SetDouble(&m, f, v.real); break;
    case cell_kind::int32: refl.SetInt32(&m, f, static_cast<std::int32_t>(v.integer)); break;
    case cell_kind::int64: refl.SetInt64(&m, f, v.integer); break;
    case cell_kind::boolean: refl.SetBool(&m, f, v.flag); break;
    case cell_kind::unsupported: break;
  }
  return std::nullopt;
}

// (provider_id, offering_id) -> the line it was first seen on, for the duplicate check. Open
// addressing over full 64-bit hashes with the key bytes back to back in one string: one cache miss
// per row where a node-based map took three (it was the costliest step of checking a large file).
class key_lines {
public:
  explicit key_lines(std::size_t expected) : slots_(std::bit_ceil(std::max<std::size_t>(expected * 2, 16))) {}

  // The line key was first seen on, and whether this call inserted it (with `line`).
  std::pair<std::size_t, bool> emplace(std::string_view key, std::size_t line) {
    if ((used_ + 1) * 2 > slots_.size()) grow();
    const std::uint64_t h = std::hash<std::string_view>{}(key);
    for (std::size_t i = h & (slots_.size() - 1);; i = (i + 1) & (slots_.size() - 1)) {
      slot& sl = slots_[i];
      if (sl.line == 0) {
        sl = {h, keys_.size(), key.size(), line};
        keys_.append(key);
        ++used_;
        return {line, true};
      }
      if (sl.hash == h && key_of(sl) == key) return {sl.line, false};
    }
  }

  // Calls f(key, line) for every key.
  template <typename F>
  void for_each(F&& f) const {
    for (const slot& sl : slots_) {
      if (sl.line != 0) f(key_of(sl), sl.line);
    }
  }

private:
  struct slot {
    std::uint64_t hash{0};
    std::size_t at{0};  // in keys_
    std::size_t size{0};
    std::size_t line{0};  // 0: empty (lines start at 1)
  };

  [[nodiscard]] std::string_view key_of(const slot& sl) const { return std::string_view(keys_).substr(sl.at, sl.size); }

  void grow() {
    std::vector<slot> old(slots_.size() * 2);
    old.swap(slots_);
    for (const slot& sl : old) {
      if (sl.line == 0) continue;
      std::size_t i = sl.hash & (slots_.size() - 1);
      while (slots_[i].line != 0) i = (i + 1) & (slots_.size() - 1);
      slots_[i] = sl;
    }
  }

  std::vector<slot> slots_;
  std::string keys_;
  std::size_t used_{0};
};

}  // namespace

std::string import_issue::to_string() const {
  std::string out;
  if (line > 0) out = "line " + std::to_string(line);
  if (!column.empty()) {
    if (!out.empty()) out += ", ";
    out += "column " + column;
  }
  if (!out.empty()) out += ": ";
  out += message;
  return out;
}

bool detail::read_header(csv_reader& reader, csv_row& record, const offering_import_options& options,
                 offering_import_plan& plan, std::vector<column>& columns) {
  auto header = reader.next(record);
  if (!header) {
    plan.file_error = true;
    plan.errors.push_back({0, "", header.err().message});
    return false;
  }
  if (!*header) {
    plan.file_error = true;
    plan.errors.push_back({0, "", "the file is empty: expected a header row (see fleetctl offerings template)"});
    return false;
  }
  const std::size_t header_line = record.line;
  const pb::Descriptor& d = *OfferingPublished::descriptor();
  std::set<std::string_view> known;
  for (std::string_view c : events::all_columns()) known.insert(c);

  std::map<std::string, std::size_t> seen;
  for (const std::string_view raw : record.fields) {
    column c{lower_trimmed(raw), nullptr};
    if (!is_valid_utf8(raw)) {
      plan.file_error = true;
      plan.errors.push_back({header_line, "", "header " + quoted(raw) + " is not valid UTF-8"});
    }
    if (c.name.empty()) {
      plan.file_error = true;
      plan.errors.push_back({header_line, "", "empty column name in header (column " +
                                                  std::to_string(columns.size() + 1) + ")"});
    } else if (auto [it, inserted] = seen.emplace(c.name, columns.size() + 1); !inserted) {
      plan.file_error = true;
      plan.errors.push_back({header_line, c.name, "column appears twice in the header (columns " +
                                                      std::to_string(it->second) + " and " +
                                                      std::to_string(columns.size() + 1) + ")"});
    } else if (known.contains(c.name)) {
      if (const pb::FieldDescriptor* f = d.FindFieldByName(c.name)) c = known_column(std::move(c.name), f);
    } else {
      plan.unknown_columns.push_back(c.name);
    }
    columns.push_back(std::move(c));
  }
  if (!seen.contains("offering_id")) {
    plan.file_error = true;
    plan.errors.push_back({header_line, "offering_id", "missing column (required)"});
  }
  if (!seen.contains("product_type")) {
    plan.file_error = true;
    plan.errors.push_back({header_line, "product_type", "missing column (required)"});
  }
  if (!seen.contains("provider_id") && options.default_provider_id.empty()) {
    plan.file_error = true;
    plan.errors.push_back({header_line, "provider_id", "missing column (required unless --provider is given)"});
  }
  return !plan.file_error;
}

namespace {

// The data rows from where reader is to its end: rows, errors and invalid lines go to plan, each
// valid row to on_valid. Repeated keys are found with first_line_of_key as the rows go.
void check_rows(csv_reader& reader, csv_row& record, const std::vector<column>& columns,
                const offering_import_options& options, offering_import_plan& plan, key_lines& first_line_of_key,
                const valid_offering_sink& on_valid) {
  std::string key;
  std::set<std::size_t> invalid;
  // One message for every row: Clear() keeps its strings' storage, so most cells are copied, not allocated.
  OfferingPublished row;
  const pb::Reflection& refl = *row.GetReflection();
  for (;;) {
    auto more = reader.next(record);
    if (!more) {
      plan.file_error = true;
      plan.errors.push_back({0, "", more.err().message});
      break;
    }
    if (!*more) break;
    ++plan.rows;
    const std::size_t line = record.line;
    const std::size_t errors_before = plan.errors.size();
    auto fail = [&](std::string col, std::string msg) {
      plan.errors.push_back({line, std::move(col), std::move(msg)});
    };
    if (record.fields.size() > columns.size()) {
      // Extra cells are ignored only when empty (a trailing comma); otherwise they are an error.
      for (std::size_t i = columns.size(); i < record.fields.size(); ++i) {
        if (!trim(record.fields[i]).empty()) {
          fail("", "row has " + std::to_string(record.fields.size()) + " cells but the header has " +
                       std::to_string(columns.size()));
          break;
        }
      }
    }
    row.Clear();
    for (std::size_t i = 0; i < columns.size() && i < record.fields.size(); ++i) {
      const column& c = columns[i];
      if (c.field == nullptr) continue;
      const std::string_view cell = trim(record.fields[i]);
      if (cell.empty()) continue;
      if (!is_valid_utf8(cell)) {
        fail(c.name, "not valid UTF-8");
        continue;
      }
      if (auto e = set_cell(row, refl, c, cell)) fail(c.name, std::move(*e));
    }
    if (row.provider_id().empty() && !options.default_provider_id.empty()) {
      row.set_provider_id(options.default_provider_id);
    }
    // Shared rules (required per type, non-negative prices); skip columns that already failed.
    const std::size_t cell_errors_end = plan.errors.size();
    for (const auto& fe : events::validate(row)) {
      bool already = false;
      for (std::size_t i = errors_before; i < cell_errors_end; ++i) already = already || plan.errors[i].column == fe.field;
      if (!already) fail(fe.field, fe.message);
    }
    if (row.has_min_contract_hours() && row.has_max_contract_hours() &&
        row.min_contract_hours() > row.max_contract_hours()) {
      fail("max_contract_hours", "is smaller than min_contract_hours");
    }
    if (!row.offering_id().empty() && !row.provider_id().empty()) {
      detail::make_upsert_key(key, row.provider_id(), row.offering_id());
      if (const auto [first_line, inserted] = first_line_of_key.emplace(key, line); !inserted) {
        fail("offering_id", "duplicate (provider_id, offering_id) (" + quoted(row.provider_id()) + ", " +
                                quoted(row.offering_id()) + ") also on line " + std::to_string(first_line));
      }
    }
    if (plan.errors.size() == errors_before) {
      on_valid(line, row);
    } else {
      invalid.insert(line);
    }
  }
  plan.invalid_lines.assign(invalid.begin(), invalid.end());
}

}  // namespace

offering_import_plan check_offering_import(std::string_view csv_text, const offering_import_options& options,
                                           const valid_offering_sink& on_valid) {
  offering_import_plan plan;
  csv_reader reader(csv_text);
  csv_row record;
  std::vector<column> columns;
  if (!detail::read_header(reader, record, options, plan, columns)) return plan;
  key_lines first_line_of_key(csv_text.size() / 128);  // a guess at the rows; grows when short
  check_rows(reader, record, columns, options, plan, first_line_of_key, on_valid);
  return plan;
}

offering_import_plan plan_offering_import(std::string_view csv_text, const offering_import_options& options) {
  std::vector<parsed_offering> valid;
  valid.reserve(csv_text.size() / 64 + 16);  // a guess; avoids most reallocation
  auto plan = check_offering_import(csv_text, options, [&](std::size_t line, OfferingPublished& offering) {
    valid.push_back({line, {}});
    valid.back().offering.Swap(&offering);
  });
  plan.valid = std::move(valid);
  return plan;
}

std::string offering_template_header(std::string_view product_type) {
  std::string out;
  for (std::string_view c : events::template_columns(events::normalize_product_type(product_type))) {
    if (!out.empty()) out.push_back(',');
    out.append(c);
  }
  return out;
}

}  // namespace fleetledger::producers

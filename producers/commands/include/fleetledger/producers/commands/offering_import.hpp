#pragma once
// Offering import (DESIGN.md sections 4 and 8): a CSV file -> validated OfferingPublished events.
// Columns are matched by header name (case-insensitive, surrounding blanks ignored), in any order;
// mixed product types share one file; a missing optional column or an empty cell leaves the field
// unset; unknown columns are reported, not refused. Each row is checked with the shared rules of
// events/offering_rules.hpp (the projection applies the same ones) plus value checks (numbers,
// booleans, ranges, URLs, UTF-8). Every problem names the physical line where its row starts and the
// column at fault. (provider_id, offering_id) is the upsert key: a repeat within one file is an error
// naming both lines.
//
// Cell formats: numbers as in "12.5" or "-3" (no thousands separators); booleans true/false,
// yes/no, 1/0 (any case); list columns (features, payment_methods) separated by ';'.
#include <cstddef>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "fleetledger/v1/offering.pb.h"

namespace fleetledger::producers {

struct offering_import_options {
  // Used for rows whose provider_id cell is empty or when the file has no provider_id column.
  std::string default_provider_id{};
};

// One problem: the line where the row starts (0 for problems about the whole file), the column
// (empty when none applies) and what is wrong.
struct import_issue {
  std::size_t line{0};
  std::string column{};
  std::string message{};
  // "line 7, column gpu_count: required for product_type gpu"
  [[nodiscard]] std::string to_string() const;
  friend bool operator==(const import_issue&, const import_issue&) = default;
};

struct parsed_offering {
  std::size_t line{0};
  fleetledger::v1::OfferingPublished offering;
};

struct offering_import_plan {
  std::size_t rows{0};                       // data rows read (header and blank lines excluded)
  std::vector<parsed_offering> valid;        // rows without any problem, in file order
  std::vector<import_issue> errors;          // every problem, in file order
  std::vector<std::size_t> invalid_lines;    // lines of the rows refused, ascending
  std::vector<std::string> unknown_columns;  // header names that are not offering columns
  bool file_error{false};                    // the file as a whole is unusable (no header, bad CSV)
};

// Parses and validates a whole CSV text. Never throws for bad input.
[[nodiscard]] offering_import_plan plan_offering_import(std::string_view csv_text,
                                                        const offering_import_options& options = {});

// The same checks for large files, without keeping the rows: each valid row goes to on_valid (its
// line and offering, in file order) as soon as it is checked, in a message reused from row to row
// (on_valid may modify it or swap its content out). A row handed over is valid on its own; whether
// the file as a whole is acceptable (no errors, or --skip-invalid) is known only from the returned
// plan, whose `valid` stays empty.
using valid_offering_sink = std::function<void(std::size_t line, fleetledger::v1::OfferingPublished& offering)>;
[[nodiscard]] offering_import_plan check_offering_import(std::string_view csv_text,
                                                         const offering_import_options& options,
                                                         const valid_offering_sink& on_valid);

// The same checks for large clean files, on several threads and without building messages. The
// data rows are cut into up to sinks.size() consecutive parts at record boundaries; `threads`
// workers (this thread and threads - 1 others) take the parts in order, and each part hands each
// valid row to its own sink, in file order (sink 0 gets the first rows): its line, its provider_id (the record key) and the wire format of its
// OfferingPublished, byte for byte what check_offering_import's message would serialize to. Only a
// clean file gets a plan: no problem in any part and no (provider_id, offering_id) repeated across
// parts; that plan is then exactly check_offering_import's. nullopt as soon as any part finds a
// problem (or a column this check does not encode itself): run check_offering_import for the exact
// problems and valid rows (the sinks may have received rows by then; the caller drops them).
using encoded_offering_sink =
    std::function<void(std::size_t line, std::string_view provider_id, std::string_view offering_bytes)>;
[[nodiscard]] std::optional<offering_import_plan> check_clean_offering_import(
    std::string_view csv_text, const offering_import_options& options, std::span<const encoded_offering_sink> sinks,
    std::size_t threads);

// The header row for a product type (template_columns of offering_rules), comma-separated, no newline.
[[nodiscard]] std::string offering_template_header(std::string_view product_type);

}  // namespace fleetledger::producers

#pragma once
// What the two checkers of an offering import share (offering_import.cpp: the exact check that builds
// messages and reports every problem; offering_import_parts.cpp: the fast check of large clean files
// that writes the wire format itself): the columns read from the header, the cell checks, the cuts
// into parts and the log of upsert keys.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <google/protobuf/descriptor.h>

#include "fleetledger/producers/commands/csv_reader.hpp"
#include "fleetledger/producers/commands/offering_import.hpp"

namespace fleetledger::producers::detail {

// How a column's cells are checked and set, decided once from the header (not per cell).
enum class cell_kind { text, identifier, product_type, url, list, real, int32, int64, boolean, unsupported };

// Range checks beyond offering_rules::validate (which covers required fields and negative prices).
struct range_rule {
  double min;
  double max;
};

struct column {
  std::string name;                                         // as in the header (lower-cased, trimmed)
  const google::protobuf::FieldDescriptor* field{nullptr};  // nullptr: unknown column, ignored
  cell_kind kind{cell_kind::unsupported};
  std::optional<range_rule> range{};
};

// A checked cell: numbers parsed, text as in the file (a list is its whole cell).
struct cell_value {
  std::string_view text;
  double real{0};
  std::int64_t integer{0};
  bool flag{false};
};

// Whether check_cell looks at a cell of this kind beyond taking its text: text, lists and product
// types are taken as they are (the product type is normalized by the caller).
[[nodiscard]] constexpr bool checks_content(cell_kind kind) noexcept {
  return kind != cell_kind::text && kind != cell_kind::list && kind != cell_kind::product_type;
}

// Checks one trimmed, non-empty, valid UTF-8 cell of a known column: the error message, or nullopt
// with the value in out (for a kind without checks_content, just its text).
[[nodiscard]] std::optional<std::string> check_cell(const column& c, std::string_view cell, cell_value& out);

// Reads the header row into columns; false (with the problems in plan) when the file is unusable.
[[nodiscard]] bool read_header(csv_reader& reader, csv_row& record, const offering_import_options& options,
                               offering_import_plan& plan, std::vector<column>& columns);

// Where the data rows from begin on can be cut into up to `parts` parts at record boundaries:
// begin, the cuts, then text.size().
[[nodiscard]] std::vector<std::size_t> cut_points(std::string_view text, std::size_t begin, std::size_t parts);

// The keys of a part of a file in row order, for a duplicate check once every part is done: sorting
// them then is cheaper than a hash lookup per row, which misses the cache on a large file.
class key_log {
public:
  explicit key_log(std::size_t expected) { entries_.reserve(expected); }

  void add(std::string_view key);
  void sort();
  // Whether any key appears twice in the sorted logs (full keys are compared when hashes match).
  [[nodiscard]] static bool any_repeated(std::span<const key_log> logs);

private:
  struct entry {
    std::uint64_t hash;
    std::size_t at;  // in keys_
    std::size_t size;
  };
  std::vector<entry> entries_;
  std::string keys_;
};

// "(provider_id)\0(offering_id)": one key per upsert target.
inline void make_upsert_key(std::string& key, std::string_view provider_id, std::string_view offering_id) {
  key.assign(provider_id);
  key.push_back('\0');
  key += offering_id;
}

}  // namespace fleetledger::producers::detail

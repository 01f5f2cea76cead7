#pragma once
// What the two checkers of an offering import share (offering_import.cpp: the exact check that builds
// messages and reports every problem; offering_import_parts.cpp: the fast check of large clean files
// that writes the wire format itself): the columns read from the header, the cell checks, the cuts
// into parts and the set of upsert keys.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
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

// How the data rows from begin on are cut into up to `parts` parts at record boundaries: begin, the
// cuts, then text.size(); the line each part starts on (begin's is first_line); and how many
// newlines follow begin (a bound on the rows). The byte counts behind it are taken on `threads`
// threads, one pass over the text.
struct part_plan {
  std::vector<std::size_t> cuts;
  std::vector<std::size_t> first_lines;
  std::size_t newlines{0};
};
[[nodiscard]] part_plan plan_parts(std::string_view text, std::size_t begin, std::size_t first_line, std::size_t parts,
                                   std::size_t threads);

// The upsert keys of a fast check, shared by its threads: a set of the keys' 64-bit hashes (open
// addressing, one compare-and-swap per row). It replaced sorting each part's keys and merging the
// parts' logs, which took a tenth of the check (the merge on one thread). A hash already in the set
// counts as a repeated key: the fast check stops and the exact check names both lines (or, for two
// distinct keys with one hash, about once in 4 * 10^7 files of a million rows, passes the file).
class key_hash_set {
public:
  // Room for max_keys keys (at most half full).
  explicit key_hash_set(std::size_t max_keys);
  [[nodiscard]] static std::uint64_t hash(std::string_view key) noexcept;
  // Brings the slot of a hash into the cache, for an insert a row later: the table is larger than
  // the cache, and a miss per row waited for cost more than sorting the keys did.
  void prefetch(std::uint64_t hash) const noexcept;
  // false when the hash is already in the set (or the set is full).
  [[nodiscard]] bool insert(std::uint64_t hash) noexcept;

private:
  [[nodiscard]] std::size_t slot_of(std::uint64_t hash) const noexcept { return (hash ^ (hash >> 29)) & mask_; }

  std::unique_ptr<std::atomic<std::uint64_t>[]> slots_;  // 0: empty
  std::size_t mask_{0};
};

// "(provider_id)\0(offering_id)": one key per upsert target.
inline void make_upsert_key(std::string& key, std::string_view provider_id, std::string_view offering_id) {
  key.assign(provider_id);
  key.push_back('\0');
  key += offering_id;
}

}  // namespace fleetledger::producers::detail

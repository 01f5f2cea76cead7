#pragma once
// An RFC 4180 CSV reader: quoted fields with embedded commas, doubled quotes and newlines; CRLF or LF
// line ends; a leading UTF-8 byte-order mark is skipped. Each record carries the physical line (from 1)
// where it starts, so errors can name it. Bytes are passed through unchanged (UTF-8 is checked by the
// caller that knows which column a value belongs to). Blank lines between records are skipped.
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fleetledger/events/result.hpp"

namespace fleetledger::producers {

struct csv_record {
  std::size_t line{0};              // physical line where the record starts (1-based)
  std::vector<std::string> fields;  // unquoted values
};

// A record as views, for readers of large files: no copy per cell. A field views the reader's text,
// except a quoted field with doubled quotes, which views the row's own unescaped copy. The views
// stay valid until the next read into the same row (and while the text lives).
class csv_row {
public:
  csv_row() = default;
  // Not copyable or movable: the views may point into the row's own buffer.
  csv_row(const csv_row&) = delete;
  csv_row& operator=(const csv_row&) = delete;

  std::size_t line{0};                     // physical line where the record starts (1-based)
  std::vector<std::string_view> fields;  // unquoted values

private:
  friend class csv_reader;
  std::string unescaped_;  // the doubled-quote fields of this row, back to back
  // Those fields (few, if any): field index and offset into unescaped_.
  std::vector<std::pair<std::size_t, std::size_t>> unescaped_at_;
};

class csv_reader {
public:
  // The text must outlive the reader.
  explicit csv_reader(std::string_view text) noexcept;
  // Continues a text from offset start, a record boundary on physical line `line` (from a reader's
  // position() and line(), or found by a caller cutting a file into parts). No byte-order mark is
  // looked for there.
  csv_reader(std::string_view text, std::size_t start, std::size_t line) noexcept;

  // Reads the next record into out (reusing its storage). true: a record was read; false: end of
  // input. errc::invalid_argument naming the line for an unterminated quoted field or text after a
  // closing quote.
  [[nodiscard]] events::result<bool> next(csv_row& out);
  // The same, copying each field into out's strings.
  [[nodiscard]] events::result<bool> next(csv_record& out);

  // The physical line the reader is at (1-based).
  [[nodiscard]] std::size_t line() const noexcept { return line_; }
  // The offset in the text the reader is at: after a record, the start of the next one.
  [[nodiscard]] std::size_t position() const noexcept { return pos_; }

private:
  std::string_view text_;
  std::size_t pos_{0};
  std::size_t line_{1};
  csv_row row_;  // storage of next(csv_record&)
};

}  // namespace fleetledger::producers

#include "fleetledger/producers/commands/csv_reader.hpp"

namespace fleetledger::producers {

using events::errc;
using events::make_error;

csv_reader::csv_reader(std::string_view text) noexcept : text_(text) {
  if (text_.starts_with("\xEF\xBB\xBF")) pos_ = 3;
}

events::result<bool> csv_reader::next(csv_record& out) {
  // Skip blank lines (LF or CRLF alone).
  while (pos_ < text_.size()) {
    if (text_[pos_] == '\n') {
      ++pos_;
      ++line_;
    } else if (text_[pos_] == '\r' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '\n') {
      pos_ += 2;
      ++line_;
    } else {
      break;
    }
  }
  if (pos_ >= text_.size()) {
    out.fields.clear();
    return false;
  }
  out.line = line_;

  // Field strings are reused from record to record (assign, not reallocate): the import reads
  // millions of cells.
  std::size_t count = 0;
  const std::size_t n = text_.size();
  for (;;) {
    if (count == out.fields.size()) out.fields.emplace_back();
    std::string& field = out.fields[count];
    field.clear();
    if (pos_ < n && text_[pos_] == '"') {
      // Quoted field: runs to the matching quote; "" is a literal quote; newlines are data.
      const std::size_t start_line = line_;
      ++pos_;
      bool closed = false;
      while (pos_ < n) {
        const std::size_t q = text_.find('"', pos_);
        const std::size_t stop = q == std::string_view::npos ? n : q;
        for (std::size_t i = pos_; i < stop; ++i) {
          if (text_[i] == '\n') ++line_;
        }
        field.append(text_.substr(pos_, stop - pos_));
        if (q == std::string_view::npos) {
          pos_ = n;
          break;
        }
        if (q + 1 < n && text_[q + 1] == '"') {
          field.push_back('"');
          pos_ = q + 2;
          continue;
        }
        pos_ = q + 1;
        closed = true;
        break;
      }
      if (!closed) {
        return make_error(errc::invalid_argument,
                          "line " + std::to_string(start_line) + ": quoted field is never closed");
      }
      if (pos_ < n && text_[pos_] != ',' && text_[pos_] != '\n' &&
          !(text_[pos_] == '\r' && (pos_ + 1 == n || text_[pos_ + 1] == '\n'))) {
        return make_error(errc::invalid_argument, "line " + std::to_string(line_) +
                                                      ": unexpected text after a closing quote (field " +
                                                      std::to_string(count + 1) + ")");
      }
    } else {
      std::size_t stop = pos_;
      while (stop < n && text_[stop] != ',' && text_[stop] != '\n') ++stop;
      std::size_t end = stop;
      if (end > pos_ && text_[end - 1] == '\r' && (stop == n || text_[stop] == '\n')) --end;
      const std::string_view raw = text_.substr(pos_, end - pos_);
      if (raw.find('"') != std::string_view::npos) {
        return make_error(errc::invalid_argument,
                          "line " + std::to_string(line_) + ": a quote inside an unquoted field (field " +
                              std::to_string(count + 1) + "); quote the whole field and double the quote");
      }
      field.assign(raw);
      pos_ = end;
    }
    ++count;
    if (pos_ >= n) {
      out.fields.resize(count);
      return true;
    }
    if (text_[pos_] == ',') {
      ++pos_;
      if (pos_ >= n) {  // trailing comma at end of input: one more empty field
        out.fields.resize(count + 1);
        out.fields[count].clear();
        return true;
      }
      continue;
    }
    if (text_[pos_] == '\r') ++pos_;
    if (pos_ < n && text_[pos_] == '\n') {
      ++pos_;
      ++line_;
    }
    out.fields.resize(count);
    return true;
  }
}

}  // namespace fleetledger::producers

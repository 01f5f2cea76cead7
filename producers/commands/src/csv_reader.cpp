#include "fleetledger/producers/commands/csv_reader.hpp"

#include <algorithm>
#include <array>

namespace fleetledger::producers {

using events::errc;
using events::make_error;

csv_reader::csv_reader(std::string_view text) noexcept : text_(text) {
  if (text_.starts_with("\xEF\xBB\xBF")) pos_ = 3;
}

csv_reader::csv_reader(std::string_view text, std::size_t start, std::size_t line) noexcept
    : text_(text), pos_(std::min(start, text.size())), line_(line) {}

namespace {

// The bytes that end an unquoted field's scan: its delimiters and a quote (an error there).
constexpr auto unquoted_stop = [] {
  std::array<bool, 256> stop{};
  stop[static_cast<unsigned char>(',')] = true;
  stop[static_cast<unsigned char>('\n')] = true;
  stop[static_cast<unsigned char>('"')] = true;
  return stop;
}();

}  // namespace

events::result<bool> csv_reader::next(csv_row& out) {
  constexpr std::size_t in_text = std::string_view::npos;
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
  out.fields.clear();
  out.unescaped_.clear();
  out.unescaped_at_.clear();
  if (pos_ >= text_.size()) return false;
  out.line = line_;

  const char* const text = text_.data();
  const std::size_t n = text_.size();
  // Appends one field; an unescaped one gets its view once the row is complete (the buffer may move).
  const auto add = [&](std::string_view view, std::size_t unescaped_at) {
    if (unescaped_at != in_text) out.unescaped_at_.emplace_back(out.fields.size(), unescaped_at);
    out.fields.push_back(view);
  };
  for (;;) {
    const std::size_t count = out.fields.size();
    if (pos_ < n && text[pos_] == '"') {
      // Quoted field: runs to the matching quote; "" is a literal quote; newlines are data. Without
      // a doubled quote the value is one slice of the text.
      const std::size_t start_line = line_;
      const std::size_t begin = ++pos_;
      std::size_t unescaped_at = in_text;
      bool closed = false;
      while (pos_ < n) {
        const std::size_t q = text_.find('"', pos_);
        const std::size_t stop = q == std::string_view::npos ? n : q;
        line_ += static_cast<std::size_t>(std::count(text + pos_, text + stop, '\n'));
        if (q == std::string_view::npos) {
          pos_ = n;
          break;
        }
        if (q + 1 < n && text[q + 1] == '"') {
          if (unescaped_at == in_text) {
            unescaped_at = out.unescaped_.size();
            out.unescaped_.append(text + begin, q - begin);
          } else {
            out.unescaped_.append(text + pos_, q - pos_);
          }
          out.unescaped_.push_back('"');
          pos_ = q + 2;
          continue;
        }
        if (unescaped_at == in_text) {
          add(text_.substr(begin, q - begin), in_text);
        } else {
          out.unescaped_.append(text + pos_, q - pos_);
          add(std::string_view(nullptr, 0), unescaped_at);
        }
        pos_ = q + 1;
        closed = true;
        break;
      }
      if (!closed) {
        return make_error(errc::invalid_argument,
                          "line " + std::to_string(start_line) + ": quoted field is never closed");
      }
      if (pos_ < n && text[pos_] != ',' && text[pos_] != '\n' &&
          !(text[pos_] == '\r' && (pos_ + 1 == n || text[pos_ + 1] == '\n'))) {
        return make_error(errc::invalid_argument, "line " + std::to_string(line_) +
                                                      ": unexpected text after a closing quote (field " +
                                                      std::to_string(count + 1) + ")");
      }
    } else {
      // Up to a comma, a newline or (an error) a quote.
      std::size_t stop = pos_;
      while (stop < n && !unquoted_stop[static_cast<unsigned char>(text[stop])]) ++stop;
      std::size_t end = stop;
      if (end > pos_ && text[end - 1] == '\r' && (stop == n || text[stop] == '\n')) --end;
      if (stop < n && text[stop] == '"') {
        return make_error(errc::invalid_argument,
                          "line " + std::to_string(line_) + ": a quote inside an unquoted field (field " +
                              std::to_string(count + 1) + "); quote the whole field and double the quote");
      }
      add(text_.substr(pos_, end - pos_), in_text);
      pos_ = end;
    }
    bool done = false;
    if (pos_ >= n) {
      done = true;
    } else if (text[pos_] == ',') {
      ++pos_;
      if (pos_ >= n) {  // trailing comma at end of input: one more empty field
        add(std::string_view(), in_text);
        done = true;
      }
    } else {
      if (text[pos_] == '\r') ++pos_;
      if (pos_ < n && text[pos_] == '\n') {
        ++pos_;
        ++line_;
      }
      done = true;
    }
    if (done) break;
  }
  // Each unescaped field ends where the next one starts (or at the end of the buffer).
  std::size_t end = out.unescaped_.size();
  for (auto it = out.unescaped_at_.rbegin(); it != out.unescaped_at_.rend(); ++it) {
    out.fields[it->first] = std::string_view(out.unescaped_).substr(it->second, end - it->second);
    end = it->second;
  }
  return true;
}

events::result<bool> csv_reader::next(csv_record& out) {
  auto more = next(row_);
  if (!more) return more;
  if (!*more) {
    out.fields.clear();
    return false;
  }
  out.line = row_.line;
  // Field strings are reused from record to record (assign, not reallocate).
  out.fields.resize(row_.fields.size());
  for (std::size_t i = 0; i < row_.fields.size(); ++i) out.fields[i].assign(row_.fields[i]);
  return true;
}

}  // namespace fleetledger::producers

// check_clean_offering_import: a large file checked in parts on every core, each valid row written
// straight to the protobuf wire format. Setting ~20 fields of a message through reflection, clearing
// it and serializing it cost more than the parsing and checking themselves; here a row is checked
// with the same cell checks (check_cell) and shared rules (events::validate through offering_fields)
// as check_offering_import, then its cells are written in field-number order as protobuf would.
// Any problem stops the check: the caller runs the exact one for the report.
#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <cstring>
#include <future>
#include <utility>

#include "fleetledger/events/offering_rules.hpp"
#include "fleetledger/events/wire_writer.hpp"
#include "fleetledger/producers/commands/validation.hpp"
#include "offering_import_detail.hpp"

namespace fleetledger::producers {

namespace pb = google::protobuf;
using detail::cell_kind;
using detail::column;

void detail::key_log::add(std::string_view key) {
  entries_.push_back({std::hash<std::string_view>{}(key), keys_.size(), key.size()});
  keys_.append(key);
}

void detail::key_log::sort() {
  std::sort(entries_.begin(), entries_.end(), [](const entry& a, const entry& b) { return a.hash < b.hash; });
}

bool detail::key_log::any_repeated(std::span<const key_log> logs) {
  struct ref {
    std::uint64_t hash;
    std::string_view key;
  };
  std::vector<ref> all;
  std::size_t total = 0;
  for (const auto& l : logs) total += l.entries_.size();
  all.reserve(total);
  for (const auto& l : logs) {
    const auto middle = all.size();
    for (const entry& e : l.entries_) all.push_back({e.hash, std::string_view(l.keys_).substr(e.at, e.size)});
    std::inplace_merge(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(middle), all.end(),
                       [](const ref& a, const ref& b) { return a.hash < b.hash; });
  }
  for (std::size_t i = 0; i < all.size();) {
    std::size_t j = i + 1;
    while (j < all.size() && all[j].hash == all[i].hash) ++j;
    for (std::size_t a = i; a < j; ++a) {
      for (std::size_t b = a + 1; b < j; ++b) {
        if (all[a].key == all[b].key) return true;
      }
    }
    i = j;
  }
  return false;
}

// Offsets just after a newline outside quotes, at or after equal shares of [begin, text end). A
// newline is outside quotes when an even number of quotes precede it since begin, a record boundary:
// begin is one and doubled quotes count twice. (In a malformed file the parity can be wrong; then a
// part sees broken quoting at its end and reports it, and the caller checks the whole file again in
// one piece.)
std::vector<std::size_t> detail::cut_points(std::string_view text, std::size_t begin, std::size_t parts) {
  std::vector<std::size_t> cuts{begin};
  bool in_quotes = false;
  std::size_t scanned = begin;
  for (std::size_t k = 1; k < parts; ++k) {
    const std::size_t target = std::max(begin + (text.size() - begin) * k / parts, cuts.back());
    in_quotes ^= (std::count(text.begin() + static_cast<std::ptrdiff_t>(scanned),
                             text.begin() + static_cast<std::ptrdiff_t>(target), '"') % 2) != 0;
    std::size_t i = target;
    for (; i < text.size(); ++i) {
      if (text[i] == '"') in_quotes = !in_quotes;
      else if (text[i] == '\n' && !in_quotes) break;
    }
    if (i + 1 >= text.size()) break;  // no boundary left: fewer parts
    cuts.push_back(i + 1);
    scanned = i + 1;
  }
  cuts.push_back(text.size());
  return cuts;
}

namespace {

using events::wire::put_tag;
using events::wire::write_varint;

bool encodable(const pb::FieldDescriptor& f) {
  switch (f.type()) {
    case pb::FieldDescriptor::TYPE_STRING:
    case pb::FieldDescriptor::TYPE_BYTES: return true;
    case pb::FieldDescriptor::TYPE_DOUBLE:
    case pb::FieldDescriptor::TYPE_INT32:
    case pb::FieldDescriptor::TYPE_INT64:
    case pb::FieldDescriptor::TYPE_BOOL: return !f.is_repeated();
    default: return false;
  }
}

// Calls f(item) for each non-empty trimmed item of a ';'-separated list cell, as set_cell adds them.
template <typename F>
void for_each_item(std::string_view cell, F&& f) {
  std::size_t start = 0;
  while (start <= cell.size()) {
    const std::size_t sep = cell.find(';', start);
    const std::string_view item =
        trim(cell.substr(start, sep == std::string_view::npos ? std::string_view::npos : sep - start));
    if (!item.empty()) f(item);
    if (sep == std::string_view::npos) break;
    start = sep + 1;
  }
}

// One row's checked cells by field index, read by events::validate as the message would be.
class row_fields final : public events::offering_fields {
public:
  struct slot {
    bool set{false};
    detail::cell_value value;
  };

  explicit row_fields(const pb::Descriptor& d) : slots_(static_cast<std::size_t>(d.field_count())) {}

  void clear() {
    for (auto& s : slots_) s.set = false;
  }
  // By field index (the descriptor's field(i)).
  slot& at(std::size_t index) { return slots_[index]; }
  slot& at(const pb::FieldDescriptor& f) { return slots_[static_cast<std::size_t>(f.index())]; }
  const slot& at(const pb::FieldDescriptor& f) const { return slots_[static_cast<std::size_t>(f.index())]; }

  bool present(const pb::FieldDescriptor& f) const override {
    const slot& s = at(f);
    if (!s.set) return false;
    if (f.is_repeated()) {
      bool any = false;
      for_each_item(s.value.text, [&](std::string_view) { any = true; });
      return any;
    }
    if (f.has_presence()) return true;
    switch (f.cpp_type()) {
      case pb::FieldDescriptor::CPPTYPE_STRING: return !s.value.text.empty();
      case pb::FieldDescriptor::CPPTYPE_DOUBLE: return std::bit_cast<std::uint64_t>(s.value.real) != 0;  // as HasField
      case pb::FieldDescriptor::CPPTYPE_BOOL: return s.value.flag;
      default: return s.value.integer != 0;
    }
  }
  std::string_view string_value(const pb::FieldDescriptor& f) const override {
    const slot& s = at(f);
    return s.set ? s.value.text : std::string_view();
  }
  std::int32_t int32_value(const pb::FieldDescriptor& f) const override {
    const slot& s = at(f);
    return s.set ? static_cast<std::int32_t>(s.value.integer) : 0;
  }
  double double_value(const pb::FieldDescriptor& f) const override {
    const slot& s = at(f);
    return s.set ? s.value.real : 0;
  }

private:
  std::vector<slot> slots_;
};

// Checks the rows of one part and encodes the valid ones; stops at the first problem.
class part_checker {
public:
  part_checker(const std::vector<column>& columns, const offering_import_options& options)
      : columns_(columns), options_(options) {
    // The fields a row of this file can carry, in number order, each with its tag written once.
    std::vector<const pb::FieldDescriptor*> fields;
    for (const column& c : columns) {
      if (c.field != nullptr) fields.push_back(c.field);
    }
    if (!options.default_provider_id.empty()) fields.push_back(provider_id_);
    std::sort(fields.begin(), fields.end(),
              [](const pb::FieldDescriptor* a, const pb::FieldDescriptor* b) { return a->number() < b->number(); });
    fields.erase(std::unique(fields.begin(), fields.end()), fields.end());
    for (const pb::FieldDescriptor* f : fields) {
      encoded_field e{static_cast<std::size_t>(f->index()), f->type(), f->is_repeated(), f->has_presence(), {}, 0};
      e.tag_size = static_cast<std::uint8_t>(
          events::wire::write_tag(e.tag.data(), f->number(), wire_type(*f)) - e.tag.data());  // at most 5 bytes
      encoded_.push_back(e);
    }
    for (const column& c : columns) slot_of_column_.push_back(c.field == nullptr ? 0 : static_cast<std::size_t>(c.field->index()));
  }

  // false at the first row with a problem (or when another part found one).
  // ascii: the part's text has no byte above 0x7F, so every cell is valid UTF-8.
  bool check(csv_reader& reader, bool ascii, const encoded_offering_sink& sink, detail::key_log& keys,
             std::size_t& rows, const std::atomic<bool>& stop) {
    ascii_ = ascii;
    csv_row record;
    for (;;) {
      auto more = reader.next(record);
      if (!more) return false;
      if (!*more) return true;
      if ((rows++ & 255) == 0 && stop.load(std::memory_order_relaxed)) return false;
      if (!check_row(record)) return false;
      const std::string_view provider = fields_.string_value(*provider_id_);
      const std::string_view offering = fields_.string_value(*offering_id_);
      if (!offering.empty() && !provider.empty()) {
        detail::make_upsert_key(key_, provider, offering);
        keys.add(key_);
      }
      encode();
      sink(record.line, provider, bytes_);
    }
  }

private:
  static int wire_type(const pb::FieldDescriptor& f) {
    switch (f.type()) {
      case pb::FieldDescriptor::TYPE_DOUBLE: return 1;
      case pb::FieldDescriptor::TYPE_STRING:
      case pb::FieldDescriptor::TYPE_BYTES: return 2;
      default: return 0;  // int32, int64, bool: varints (encodable() allows no other type)
    }
  }

  bool check_row(const csv_row& record) {
    for (std::size_t i = columns_.size(); i < record.fields.size(); ++i) {
      if (!trim(record.fields[i]).empty()) return false;  // extra cells must be empty
    }
    for (const auto& e : encoded_) fields_.at(e.slot).set = false;
    for (std::size_t i = 0; i < columns_.size() && i < record.fields.size(); ++i) {
      const column& c = columns_[i];
      if (c.field == nullptr) continue;
      const std::string_view cell = trim(record.fields[i]);
      if (cell.empty()) continue;
      if (!ascii_ && !is_valid_utf8(cell)) return false;
      auto& s = fields_.at(slot_of_column_[i]);
      if (!detail::checks_content(c.kind)) {
        s.value.text = cell;  // what check_cell would do, without the call
      } else if (detail::check_cell(c, cell, s.value)) {
        return false;
      }
      if (c.kind == cell_kind::product_type) {
        product_type_ = events::normalize_product_type(cell);
        s.value.text = product_type_;
      }
      s.set = true;
    }
    auto& provider = fields_.at(*provider_id_);
    if (!provider.set && !options_.default_provider_id.empty()) {
      provider.set = true;
      provider.value.text = options_.default_provider_id;
    }
    if (!events::validate(fields_).empty()) return false;
    const auto& min_hours = fields_.at(*min_contract_hours_);
    const auto& max_hours = fields_.at(*max_contract_hours_);
    return !(min_hours.set && max_hours.set && min_hours.value.integer > max_hours.value.integer);
  }

  // The row's OfferingPublished in bytes_, fields in number order as protobuf serializes them; a field
  // without presence only when it is not zero or empty. Written through a pointer into a buffer
  // sized for the row first (std::string appends, each checking its capacity, cost 5% more
  // instructions).
  void encode() {
    std::size_t bound = 0;  // per value: its tag, a length or number (at most 10 bytes), its bytes
    for (const auto& e : encoded_) {
      const auto& s = fields_.at(e.slot);
      if (!s.set) continue;
      const std::size_t values = e.repeated ? s.value.text.size() + 1 : 1;  // a list has fewer items than bytes + 1
      bound += values * (e.tag.size() + 10) + s.value.text.size();  // a whole tag array each: see write_tag
    }
    if (buffer_.size() < bound) buffer_.resize(std::max(bound, 2 * buffer_.size()));
    char* const begin = buffer_.data();
    char* at = begin;
    for (const auto& e : encoded_) {
      const auto& s = fields_.at(e.slot);
      if (!s.set) continue;
      switch (e.type) {
        case pb::FieldDescriptor::TYPE_STRING:
        case pb::FieldDescriptor::TYPE_BYTES:
          if (e.repeated) {
            for_each_item(s.value.text, [&](std::string_view item) { at = write_bytes(at, e, item); });
          } else if (e.always || !s.value.text.empty()) {
            at = write_bytes(at, e, s.value.text);
          }
          break;
        case pb::FieldDescriptor::TYPE_DOUBLE:
          if (const auto bits = std::bit_cast<std::uint64_t>(s.value.real); e.always || bits != 0) {
            at = write_tag(at, e);
            for (int i = 0; i < 8; ++i) *at++ = static_cast<char>(bits >> (8 * i));  // little-endian
          }
          break;
        case pb::FieldDescriptor::TYPE_INT32:
        case pb::FieldDescriptor::TYPE_INT64:
          if (e.always || s.value.integer != 0) {
            at = write_tag(at, e);
            at = write_varint(at, static_cast<std::uint64_t>(s.value.integer));  // negative: 10 bytes, as protobuf
          }
          break;
        case pb::FieldDescriptor::TYPE_BOOL:
          if (e.always || s.value.flag) {
            at = write_tag(at, e);
            *at++ = s.value.flag ? 1 : 0;
          }
          break;
        default: break;  // not reached: encodable() refused the file's columns of other types
      }
    }
    bytes_ = std::string_view(begin, static_cast<std::size_t>(at - begin));
  }

  struct encoded_field;
  static char* write_tag(char* at, const encoded_field& e) {
    std::memcpy(at, e.tag.data(), e.tag.size());  // a fixed size: one store, not a memcpy call
    return at + e.tag_size;
  }

  static char* write_bytes(char* at, const encoded_field& e, std::string_view value) {
    at = write_tag(at, e);
    at = write_varint(at, value.size());
    std::memcpy(at, value.data(), value.size());
    return at + value.size();
  }

  // A field a row may carry, in number order.
  struct encoded_field {
    std::size_t slot;  // in fields_
    pb::FieldDescriptor::Type type;
    bool repeated;
    bool always;      // has presence: written whenever set, even when zero
    std::array<char, 8> tag;  // its tag's varint, then room (written whole, see write_tag)
    std::uint8_t tag_size;
  };

  const pb::Descriptor* const d_ = fleetledger::v1::OfferingPublished::descriptor();
  const pb::FieldDescriptor* const provider_id_ = d_->FindFieldByName("provider_id");
  const pb::FieldDescriptor* const offering_id_ = d_->FindFieldByName("offering_id");
  const pb::FieldDescriptor* const min_contract_hours_ = d_->FindFieldByName("min_contract_hours");
  const pb::FieldDescriptor* const max_contract_hours_ = d_->FindFieldByName("max_contract_hours");
  const std::vector<column>& columns_;
  const offering_import_options& options_;
  std::vector<encoded_field> encoded_;
  std::vector<std::size_t> slot_of_column_;  // a known column's field's slot in fields_
  row_fields fields_{*d_};
  std::string product_type_;  // the row's normalized product type
  std::string key_;
  bool ascii_{false};         // the part is ASCII: no cell needs a UTF-8 check
  std::vector<char> buffer_;  // holds bytes_
  std::string_view bytes_;    // the row's wire format
};

// Whether text has no byte above 0x7F: one pass over a part (vectorized) instead of a UTF-8 check
// per cell.
bool all_ascii(std::string_view text) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  unsigned char any = 0;
  for (std::size_t i = 0; i < text.size(); ++i) any |= p[i];
  return any < 0x80;
}

struct part_result {
  bool clean{false};
  std::size_t rows{0};
  detail::key_log keys{0};
};

}  // namespace

std::optional<offering_import_plan> check_clean_offering_import(std::string_view csv_text,
                                                                const offering_import_options& options,
                                                                std::span<const encoded_offering_sink> sinks,
                                                                std::size_t threads) {
  if (sinks.empty()) return std::nullopt;
  offering_import_plan plan;
  csv_reader header_reader(csv_text);
  csv_row record;
  std::vector<column> columns;
  if (!detail::read_header(header_reader, record, options, plan, columns)) return std::nullopt;
  for (const column& c : columns) {
    if (c.field != nullptr && !encodable(*c.field)) return std::nullopt;
  }
  const auto cuts = detail::cut_points(csv_text, header_reader.position(), sinks.size());
  const std::size_t parts = cuts.size() - 1;

  std::vector<part_result> results(parts);
  std::atomic<bool> stop{false};  // a part found a problem: the others need not go on
  const auto check_part = [&](std::size_t k, std::size_t line) {
    csv_reader reader(csv_text.substr(0, cuts[k + 1]), cuts[k], line);
    part_result& r = results[k];
    r.keys = detail::key_log((cuts[k + 1] - cuts[k]) / 64);
    part_checker checker(columns, options);
    r.clean = checker.check(reader, all_ascii(csv_text.substr(cuts[k], cuts[k + 1] - cuts[k])), sinks[k], r.keys, r.rows,
                            stop);
    if (!r.clean) stop = true;
    r.keys.sort();
  };
  // Parts are claimed in order by `threads` workers (this thread is one): with more parts than
  // workers, a worker slowed down (another process on its core) takes fewer of them.
  std::vector<std::size_t> first_lines{header_reader.line()};
  for (std::size_t k = 1; k < parts; ++k) {
    first_lines.push_back(first_lines.back() + static_cast<std::size_t>(std::count(
                                                   csv_text.begin() + static_cast<std::ptrdiff_t>(cuts[k - 1]),
                                                   csv_text.begin() + static_cast<std::ptrdiff_t>(cuts[k]), '\n')));
  }
  std::atomic<std::size_t> next_part{0};
  const auto work = [&] {
    for (std::size_t k; (k = next_part.fetch_add(1)) < parts;) check_part(k, first_lines[k]);
  };
  {
    const std::size_t workers = std::clamp<std::size_t>(threads, 1, parts);
    std::vector<std::future<void>> others;
    for (std::size_t w = 1; w < workers; ++w) others.push_back(std::async(std::launch::async, work));
    work();
    for (auto& f : others) f.get();  // rethrows what a part threw
  }

  for (const auto& r : results) {
    if (!r.clean) return std::nullopt;
    plan.rows += r.rows;
  }
  // A repeated key is an error on its later line: the single-thread check names both lines.
  std::vector<detail::key_log> logs;
  for (auto& r : results) logs.push_back(std::move(r.keys));
  if (detail::key_log::any_repeated(logs)) return std::nullopt;
  return plan;
}

}  // namespace fleetledger::producers

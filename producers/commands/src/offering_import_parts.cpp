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

namespace {

// Runs fn(k) for k in [0, count) on `threads` threads (this one included), the k claimed in order:
// with more items than threads, a thread slowed down (another process on its core) takes fewer.
template <typename Fn>
void for_each_claimed(std::size_t count, std::size_t threads, const Fn& fn) {
  std::atomic<std::size_t> next{0};
  const auto work = [&] {
    for (std::size_t k; (k = next.fetch_add(1)) < count;) fn(k);
  };
  const std::size_t workers = std::clamp<std::size_t>(threads, 1, std::max<std::size_t>(count, 1));
  std::vector<std::future<void>> others;
  for (std::size_t w = 1; w < workers; ++w) others.push_back(std::async(std::launch::async, work));
  work();
  for (auto& f : others) f.get();  // rethrows what fn threw
}

struct byte_counts {
  std::size_t quotes{0};
  std::size_t newlines{0};
};

// Quotes and newlines in s, in one pass: byte compares summed in 8-bit lanes over blocks of at most
// 255 rows of 64 bytes (vectorized), then added up.
byte_counts count_quotes_and_newlines(std::string_view s) noexcept {
  constexpr std::size_t lanes = 64;
  constexpr std::size_t block = lanes * 255;
  byte_counts c;
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  std::size_t n = s.size();
  while (n >= lanes) {
    const std::size_t len = std::min(block, n - n % lanes);
    std::array<std::uint8_t, lanes> q{};
    std::array<std::uint8_t, lanes> nl{};
    for (std::size_t at = 0; at < len; at += lanes) {
      for (std::size_t j = 0; j < lanes; ++j) {
        q[j] = static_cast<std::uint8_t>(q[j] + (p[at + j] == '"'));
        nl[j] = static_cast<std::uint8_t>(nl[j] + (p[at + j] == '\n'));
      }
    }
    for (std::size_t j = 0; j < lanes; ++j) {
      c.quotes += q[j];
      c.newlines += nl[j];
    }
    p += len;
    n -= len;
  }
  for (; n > 0; --n, ++p) {
    c.quotes += *p == '"';
    c.newlines += *p == '\n';
  }
  return c;
}

}  // namespace

detail::key_hash_set::key_hash_set(std::size_t max_keys) {
  std::size_t size = 1024;
  while (size < 2 * max_keys) size *= 2;
  slots_ = std::make_unique<std::atomic<std::uint64_t>[]>(size);  // zeroed: empty
  mask_ = size - 1;
}

std::uint64_t detail::key_hash_set::hash(std::string_view key) noexcept {
  const std::uint64_t h = std::hash<std::string_view>{}(key);
  return h == 0 ? 1 : h;  // 0 marks an empty slot
}

void detail::key_hash_set::prefetch(std::uint64_t hash) const noexcept {
  __builtin_prefetch(&slots_[slot_of(hash)], 1);
}

bool detail::key_hash_set::insert(std::uint64_t hash) noexcept {
  // Relaxed: a slot's value is all that is shared, and the caller reads the outcome after joining.
  std::size_t i = slot_of(hash);
  for (std::size_t probes = 0; probes <= mask_; ++probes, i = (i + 1) & mask_) {
    std::uint64_t seen = slots_[i].load(std::memory_order_relaxed);
    if (seen == 0 && slots_[i].compare_exchange_strong(seen, hash, std::memory_order_relaxed)) return true;
    if (seen == hash) return false;  // (after a lost race, seen is the other thread's hash)
  }
  return false;  // full (more keys than it was made for): the exact check decides
}

// Cuts just after a newline outside quotes, at or after equal shares of [begin, text end). A newline
// is outside quotes when an even number of quotes precede it since begin, a record boundary: begin is
// one and doubled quotes count twice. The counts of each share are taken in parallel; the parity and
// line at each share's start follow from the counts before it. (In a malformed file the parity can be
// wrong; then a part sees broken quoting at its end and reports it, and the caller checks the whole
// file again in one piece.)
detail::part_plan detail::plan_parts(std::string_view text, std::size_t begin, std::size_t first_line, std::size_t parts,
                                     std::size_t threads) {
  parts = std::max<std::size_t>(parts, 1);
  const std::size_t size = text.size();
  const auto share_start = [&](std::size_t k) { return begin + (size - begin) * k / parts; };
  std::vector<byte_counts> counts(parts);
  for_each_claimed(parts, threads, [&](std::size_t k) {
    counts[k] = count_quotes_and_newlines(text.substr(share_start(k), share_start(k + 1) - share_start(k)));
  });
  part_plan plan;
  plan.cuts.push_back(begin);
  plan.first_lines.push_back(first_line);
  std::size_t quotes_before = 0;    // in [begin, share_start(k))
  std::size_t newlines_before = 0;  // the same
  for (std::size_t k = 1; k < parts; ++k) {
    quotes_before += counts[k - 1].quotes;
    newlines_before += counts[k - 1].newlines;
    const std::size_t target = share_start(k);
    if (target < plan.cuts.back()) continue;  // inside a record that began before the last cut
    bool in_quotes = quotes_before % 2 != 0;
    std::size_t newlines = 0;  // in [target, i]
    std::size_t i = target;
    for (; i < size; ++i) {
      if (text[i] == '"') {
        in_quotes = !in_quotes;
      } else if (text[i] == '\n') {
        ++newlines;
        if (!in_quotes) break;
      }
    }
    if (i + 1 >= size) break;  // no boundary left: fewer parts
    plan.cuts.push_back(i + 1);
    plan.first_lines.push_back(first_line + newlines_before + newlines);
  }
  plan.cuts.push_back(size);
  for (const auto& c : counts) plan.newlines += c.newlines;
  return plan;
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
    bit_of_slot_.assign(static_cast<std::size_t>(d_->field_count()), 0);
    for (std::size_t k = 0; k < encoded_.size(); ++k) bit_of_slot_[encoded_[k].slot] = std::uint64_t{1} << k;
  }

  // false at the first row with a problem (or when another part found one).
  // ascii: the part's text has no byte above 0x7F, so every cell is valid UTF-8.
  bool check(csv_reader& reader, bool ascii, const encoded_offering_sink& sink, detail::key_hash_set& keys,
             std::size_t& rows, const std::atomic<bool>& stop) {
    ascii_ = ascii;
    csv_row record;
    std::optional<std::uint64_t> pending_key;  // inserted a row later, its slot prefetched meanwhile
    for (;;) {
      auto more = reader.next(record);
      if (!more) return false;
      if (!*more) return !pending_key || keys.insert(*pending_key);
      if ((rows++ & 255) == 0 && stop.load(std::memory_order_relaxed)) return false;
      if (!check_row(record)) return false;
      const std::string_view provider = fields_.string_value(*provider_id_);
      const std::string_view offering = fields_.string_value(*offering_id_);
      if (!offering.empty() && !provider.empty()) {
        detail::make_upsert_key(key_, provider, offering);
        const std::uint64_t h = detail::key_hash_set::hash(key_);
        keys.prefetch(h);
        if (pending_key && !keys.insert(*pending_key)) return false;  // repeated (the exact check names both lines)
        pending_key = h;
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
    set_ = 0;
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
      set_ |= bit_of_slot_[slot_of_column_[i]];
    }
    auto& provider = fields_.at(*provider_id_);
    if (!provider.set && !options_.default_provider_id.empty()) {
      provider.set = true;
      set_ |= bit_of_slot_[static_cast<std::size_t>(provider_id_->index())];
      provider.value.text = options_.default_provider_id;
    }
    if (!events::validate(fields_).empty()) return false;
    const auto& min_hours = fields_.at(*min_contract_hours_);
    const auto& max_hours = fields_.at(*max_contract_hours_);
    return !(min_hours.set && max_hours.set && min_hours.value.integer > max_hours.value.integer);
  }

  // Calls f for each field of the row that is set, in number order (bit k of set_ is encoded_[k]).
  // Looping over every column and skipping the unset ones mispredicted a branch per column, as rows
  // of different product types set different fields.
  template <typename F>
  void for_each_set(F&& f) const {
    for (std::uint64_t m = set_; m != 0; m &= m - 1) f(encoded_[static_cast<std::size_t>(std::countr_zero(m))]);
  }

  // The row's OfferingPublished in bytes_, fields in number order as protobuf serializes them; a field
  // without presence only when it is not zero or empty. Written through a pointer into a buffer
  // sized for the row first (std::string appends, each checking its capacity, cost 5% more
  // instructions).
  void encode() {
    std::size_t bound = 0;  // per value: its tag, a length or number (at most 10 bytes), its bytes
    for_each_set([&](const encoded_field& e) {
      const auto& s = fields_.at(e.slot);
      const std::size_t values = e.repeated ? s.value.text.size() + 1 : 1;  // a list has fewer items than bytes + 1
      bound += values * (e.tag.size() + 10) + s.value.text.size();  // a whole tag array each: see write_tag
    });
    if (buffer_.size() < bound) buffer_.resize(std::max(bound, 2 * buffer_.size()));
    char* const begin = buffer_.data();
    char* at = begin;
    for_each_set([&](const encoded_field& e) {
      const auto& s = fields_.at(e.slot);
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
    });
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
  std::vector<std::uint64_t> bit_of_slot_;  // a field's bit in set_ (encoded_ order), by slot
  std::uint64_t set_{0};                    // the row's set fields (a schema of up to 64 fields)
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
  // part_checker keeps a row's set fields as the bits of one word: a schema that outgrew it would send
  // every file to the exact check (OfferingPublished has 60 fields).
  if (fleetledger::v1::OfferingPublished::descriptor()->field_count() > 64) return std::nullopt;
  const auto parts_plan =
      detail::plan_parts(csv_text, header_reader.position(), header_reader.line(), sinks.size(), threads);
  const auto& cuts = parts_plan.cuts;
  const std::size_t parts = cuts.size() - 1;

  std::vector<part_result> results(parts);
  detail::key_hash_set keys(parts_plan.newlines + 1);  // no more rows than lines
  std::atomic<bool> stop{false};  // a part found a problem: the others need not go on
  for_each_claimed(parts, threads, [&](std::size_t k) {
    csv_reader reader(csv_text.substr(0, cuts[k + 1]), cuts[k], parts_plan.first_lines[k]);
    part_result& r = results[k];
    part_checker checker(columns, options);
    r.clean = checker.check(reader, all_ascii(csv_text.substr(cuts[k], cuts[k + 1] - cuts[k])), sinks[k], keys, r.rows,
                            stop);
    if (!r.clean) stop = true;
  });
  for (const auto& r : results) {
    if (!r.clean) return std::nullopt;
    plan.rows += r.rows;
  }
  return plan;
}

}  // namespace fleetledger::producers

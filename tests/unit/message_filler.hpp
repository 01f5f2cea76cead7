#pragma once
// Test helper: fills every field of a protobuf message (recursively: nested messages, maps,
// repeated and optional fields, enums) with distinct non-default values through reflection, so a
// field added to a schema is covered by round-trip tests without anyone editing them.
#include <cstdint>
#include <string>
#include <vector>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

namespace fleetledger::testing {

class message_filler {
public:
  // short_values: smaller strings and fewer repeated elements (for seed corpora).
  explicit message_filler(bool short_values = false) : short_(short_values) {}

  void fill(google::protobuf::Message& msg, int depth = 0) {
    using google::protobuf::FieldDescriptor;
    const auto* desc = msg.GetDescriptor();
    const auto* refl = msg.GetReflection();
    if (desc->full_name() == "google.protobuf.Timestamp") {
      // Keep well-known types valid (inside 1970-2262 and nanos < 1e9), as real producers do.
      refl->SetInt64(&msg, desc->FindFieldByName("seconds"), 1'700'000'000 + static_cast<std::int64_t>(next()));
      refl->SetInt32(&msg, desc->FindFieldByName("nanos"), static_cast<std::int32_t>(next() * 1000 + 7));
      return;
    }
    if (desc->full_name() == "google.protobuf.Duration") {
      refl->SetInt64(&msg, desc->FindFieldByName("seconds"), static_cast<std::int64_t>(next()));
      refl->SetInt32(&msg, desc->FindFieldByName("nanos"), static_cast<std::int32_t>(next()));
      return;
    }
    for (int i = 0; i < desc->field_count(); ++i) {
      const FieldDescriptor* field = desc->field(i);
      // Only one member of a real oneof can be set; the first one wins.
      if (field->real_containing_oneof() != nullptr &&
          refl->HasOneof(msg, field->real_containing_oneof())) {
        continue;
      }
      if (field->is_repeated()) {
        const int count = field->is_map() ? 2 : (short_ ? 2 : 3);
        for (int n = 0; n < count; ++n) add_value(msg, field, depth);
      } else {
        set_value(msg, field, depth);
      }
    }
  }

  // Fields of msg (recursively) that hold no value, as dotted paths; fill() leaves none.
  static std::vector<std::string> unset_fields(const google::protobuf::Message& msg,
                                               const std::string& prefix = "") {
    std::vector<std::string> out;
    const auto* desc = msg.GetDescriptor();
    const auto* refl = msg.GetReflection();
    for (int i = 0; i < desc->field_count(); ++i) {
      const auto* field = desc->field(i);
      const std::string path = prefix + field->name();
      if (field->real_containing_oneof() != nullptr) {
        // A oneof is covered when one of its members is set.
        if (!refl->HasOneof(msg, field->real_containing_oneof())) out.push_back(path);
        if (!refl->HasField(msg, field)) continue;
      } else if (field->is_repeated()) {
        if (refl->FieldSize(msg, field) == 0) {
          out.push_back(path);
          continue;
        }
      } else if (!refl->HasField(msg, field)) {
        out.push_back(path);
        continue;
      }
      if (field->cpp_type() == google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) {
        if (field->is_repeated()) {
          for (int n = 0; n < refl->FieldSize(msg, field); ++n) {
            auto sub = unset_fields(refl->GetRepeatedMessage(msg, field, n), path + "[" + std::to_string(n) + "].");
            out.insert(out.end(), sub.begin(), sub.end());
          }
        } else {
          auto sub = unset_fields(refl->GetMessage(msg, field), path + ".");
          out.insert(out.end(), sub.begin(), sub.end());
        }
      }
    }
    return out;
  }

private:
  static constexpr int max_depth = 8;

  std::uint64_t next() { return counter_++; }

  std::string text(const google::protobuf::FieldDescriptor* field) {
    if (short_) return field->name().substr(0, 6) + std::to_string(next());
    return field->name() + "-" + std::to_string(next());
  }

  std::string bytes() {
    // Binary on purpose: NUL and high bytes must survive.
    std::string b("\x00\xff\x80", 3);
    b += std::to_string(next());
    return b;
  }

  int enum_value(const google::protobuf::FieldDescriptor* field) {
    const auto* e = field->enum_type();
    if (e->value_count() < 2) return e->value(0)->number();
    return e->value(1 + static_cast<int>(next() % static_cast<std::uint64_t>(e->value_count() - 1)))->number();
  }

  void set_value(google::protobuf::Message& msg, const google::protobuf::FieldDescriptor* field, int depth) {
    using F = google::protobuf::FieldDescriptor;
    const auto* refl = msg.GetReflection();
    const std::uint64_t n = next();
    switch (field->cpp_type()) {
      case F::CPPTYPE_INT32: refl->SetInt32(&msg, field, static_cast<std::int32_t>(n) + 1); break;
      case F::CPPTYPE_INT64: refl->SetInt64(&msg, field, static_cast<std::int64_t>(n) + (std::int64_t{1} << 33)); break;
      case F::CPPTYPE_UINT32: refl->SetUInt32(&msg, field, static_cast<std::uint32_t>(n) + 1); break;
      case F::CPPTYPE_UINT64: refl->SetUInt64(&msg, field, n + (std::uint64_t{1} << 40)); break;
      case F::CPPTYPE_DOUBLE: refl->SetDouble(&msg, field, static_cast<double>(n) + 0.25); break;
      case F::CPPTYPE_FLOAT: refl->SetFloat(&msg, field, static_cast<float>(n) + 0.5f); break;
      case F::CPPTYPE_BOOL: refl->SetBool(&msg, field, true); break;
      case F::CPPTYPE_ENUM: refl->SetEnumValue(&msg, field, enum_value(field)); break;
      case F::CPPTYPE_STRING:
        refl->SetString(&msg, field, field->type() == F::TYPE_BYTES ? bytes() : text(field));
        break;
      case F::CPPTYPE_MESSAGE:
        if (depth < max_depth) fill(*refl->MutableMessage(&msg, field), depth + 1);
        break;
    }
  }

  void add_value(google::protobuf::Message& msg, const google::protobuf::FieldDescriptor* field, int depth) {
    using F = google::protobuf::FieldDescriptor;
    const auto* refl = msg.GetReflection();
    const std::uint64_t n = next();
    switch (field->cpp_type()) {
      case F::CPPTYPE_INT32: refl->AddInt32(&msg, field, static_cast<std::int32_t>(n) + 1); break;
      case F::CPPTYPE_INT64: refl->AddInt64(&msg, field, static_cast<std::int64_t>(n) + (std::int64_t{1} << 33)); break;
      case F::CPPTYPE_UINT32: refl->AddUInt32(&msg, field, static_cast<std::uint32_t>(n) + 1); break;
      case F::CPPTYPE_UINT64: refl->AddUInt64(&msg, field, n + (std::uint64_t{1} << 40)); break;
      case F::CPPTYPE_DOUBLE: refl->AddDouble(&msg, field, static_cast<double>(n) + 0.25); break;
      case F::CPPTYPE_FLOAT: refl->AddFloat(&msg, field, static_cast<float>(n) + 0.5f); break;
      case F::CPPTYPE_BOOL: refl->AddBool(&msg, field, true); break;
      case F::CPPTYPE_ENUM: refl->AddEnumValue(&msg, field, enum_value(field)); break;
      case F::CPPTYPE_STRING:
        refl->AddString(&msg, field, field->type() == F::TYPE_BYTES ? bytes() : text(field));
        break;
      case F::CPPTYPE_MESSAGE:
        if (depth < max_depth) fill(*refl->AddMessage(&msg, field), depth + 1);
        break;
    }
  }

  bool short_;
  std::uint64_t counter_{1};
};

}  // namespace fleetledger::testing

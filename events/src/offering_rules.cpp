#include "fleetledger/events/offering_rules.hpp"

#include <algorithm>
#include <set>
#include <utility>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

namespace fleetledger::events {
namespace {

using fleetledger::v1::OfferingPublished;
namespace pb = google::protobuf;

struct type_rule {
  std::string_view type;
  std::vector<std::string_view> required;
  std::vector<std::string_view> columns;  // the type's own columns, required ones first
};

const std::vector<std::string_view>& hardware_columns() {
  static const std::vector<std::string_view> cols = {
      "processor_brand", "processor_name",  "processor_cores",    "processor_speed",
      "memory_amount",   "memory_type",     "ssd_amount",         "total_ssd_capacity",
      "hdd_amount",      "total_hdd_capacity", "traffic",         "uplink_speed",
      "virtualization_type"};
  return cols;
}

std::vector<std::string_view> with_hardware(std::vector<std::string_view> cols) {
  cols.insert(cols.end(), hardware_columns().begin(), hardware_columns().end());
  return cols;
}

const std::vector<type_rule>& rules() {
  static const std::vector<type_rule> r = {
      {"compute", {}, with_hardware({})},
      {"dedicated", {}, with_hardware({})},
      {"gpu", {"gpu_model", "gpu_count"}, with_hardware({"gpu_model", "gpu_count"})},
      {"colocation", {"rack_units"}, {"rack_units", "power_watts", "network_ports", "bandwidth_gbps"}},
      {"saas", {"software_name"}, {"software_name", "software_version", "user_quota", "storage_quota_gb"}},
      {"validator",
       {"blockchain"},
       {"blockchain", "commission_percent", "uptime_sla_percent", "minimum_stake"}},
      {"container", {"container_runtime"}, {"container_runtime", "max_containers", "registry_included"}},
      {"object_storage", {"storage_class"}, {"storage_class", "max_objects", "replication_factor"}},
      {"nas", {"nas_protocol"}, {"nas_protocol", "max_snapshots", "raid_level"}},
      {"kubernetes", {"k8s_version"}, {"k8s_version", "max_nodes", "max_pods", "ingress_included"}},
  };
  return r;
}

const type_rule* find_normalized_rule(std::string_view normalized_type) {
  for (const auto& r : rules()) {
    if (r.type == normalized_type) return &r;
  }
  return nullptr;
}

const type_rule* find_rule(std::string_view product_type) {
  return find_normalized_rule(normalize_product_type(product_type));
}

// The descriptors of each rule's required fields, looked up once (validate() runs per imported row).
const std::vector<std::vector<const pb::FieldDescriptor*>>& required_descriptors() {
  static const auto fields = [] {
    const pb::Descriptor& d = *OfferingPublished::descriptor();
    std::vector<std::vector<const pb::FieldDescriptor*>> out;
    for (const auto& r : rules()) {
      auto& fs = out.emplace_back();
      for (std::string_view name : r.required) fs.push_back(d.FindFieldByName(std::string(name)));
    }
    return out;
  }();
  return fields;
}

// An OfferingPublished as validate() reads it.
class message_fields final : public offering_fields {
public:
  explicit message_fields(const OfferingPublished& m) : m_(m), refl_(*m.GetReflection()) {}

  bool present(const pb::FieldDescriptor& f) const override {
    if (f.is_repeated()) return refl_.FieldSize(m_, &f) > 0;
    if (f.has_presence()) return refl_.HasField(m_, &f);
    if (f.cpp_type() == pb::FieldDescriptor::CPPTYPE_STRING) return !string_value(f).empty();
    return refl_.HasField(m_, &f);  // proto3 implicit scalar: set when non-zero
  }
  std::string_view string_value(const pb::FieldDescriptor& f) const override {
    return refl_.GetStringReference(m_, &f, &scratch_);
  }
  std::int32_t int32_value(const pb::FieldDescriptor& f) const override { return refl_.GetInt32(m_, &f); }
  double double_value(const pb::FieldDescriptor& f) const override { return refl_.GetDouble(m_, &f); }

private:
  const OfferingPublished& m_;
  const pb::Reflection& refl_;
  mutable std::string scratch_;  // GetStringReference may need it (never for generated messages)
};

// The fields validate() reads whatever the product type, looked up once.
struct common_fields {
  const pb::FieldDescriptor* offering_id;
  const pb::FieldDescriptor* provider_id;
  const pb::FieldDescriptor* product_type;
  const pb::FieldDescriptor* monthly_price;
  const pb::FieldDescriptor* setup_fee;
};
const common_fields& common_descriptors() {
  static const common_fields f = [] {
    const pb::Descriptor& d = *OfferingPublished::descriptor();
    return common_fields{d.FindFieldByName("offering_id"), d.FindFieldByName("provider_id"),
                         d.FindFieldByName("product_type"), d.FindFieldByName("monthly_price"),
                         d.FindFieldByName("setup_fee")};
  }();
  return f;
}

// Counts that only make sense when positive.
const std::set<std::string_view>& positive_fields() {
  static const std::set<std::string_view> s = {"rack_units", "gpu_count"};
  return s;
}

}  // namespace

const std::vector<std::string_view>& known_product_types() {
  static const std::vector<std::string_view> types = [] {
    std::vector<std::string_view> t;
    for (const auto& r : rules()) t.push_back(r.type);
    return t;
  }();
  return types;
}

std::string normalize_product_type(std::string_view product_type) {
  std::string out(product_type);
  // ASCII only, as std::tolower in the "C" locale (no process sets another), without its call per
  // byte: the offering import normalizes every row's type.
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::vector<std::string_view> required_fields(std::string_view product_type) {
  const type_rule* r = find_rule(product_type);
  return r ? r->required : std::vector<std::string_view>{};
}

std::vector<offering_field_error> validate(const OfferingPublished& offering) {
  return validate(message_fields(offering));
}

std::vector<offering_field_error> validate(const offering_fields& offering) {
  const common_fields& c = common_descriptors();
  std::vector<offering_field_error> errors;
  if (offering.string_value(*c.offering_id).empty()) errors.push_back({"offering_id", "required"});
  if (offering.string_value(*c.provider_id).empty()) errors.push_back({"provider_id", "required"});
  if (offering.string_value(*c.product_type).empty()) errors.push_back({"product_type", "required"});

  const std::string type = normalize_product_type(offering.string_value(*c.product_type));
  const type_rule* rule = find_normalized_rule(type);
  const std::size_t rule_index = rule == nullptr ? 0 : static_cast<std::size_t>(rule - rules().data());
  for (std::size_t i = 0; rule != nullptr && i < rule->required.size(); ++i) {
    const std::string_view name = rule->required[i];
    const pb::FieldDescriptor* f = required_descriptors()[rule_index][i];
    if (f == nullptr) continue;  // rules name proto fields only; guarded by a unit test
    if (!offering.present(*f)) {
      errors.push_back({std::string(name), "required for product_type " + type});
      continue;
    }
    if (positive_fields().contains(name) && f->cpp_type() == pb::FieldDescriptor::CPPTYPE_INT32 &&
        offering.int32_value(*f) <= 0) {
      errors.push_back({std::string(name), "must be greater than 0"});
    }
  }
  if (offering.double_value(*c.monthly_price) < 0) errors.push_back({"monthly_price", "must not be negative"});
  if (offering.double_value(*c.setup_fee) < 0) errors.push_back({"setup_fee", "must not be negative"});
  return errors;
}

OfferingPublished as_published(const fleetledger::v1::OfferingUpdated& update) {
  OfferingPublished out;
  // Same field numbers and types by contract (offering.proto), so the wire bytes are interchangeable.
  (void)out.ParseFromString(update.SerializeAsString());
  return out;
}

const std::vector<std::string_view>& common_columns() {
  static const std::vector<std::string_view> cols = {
      "offering_id",        "provider_id",        "offer_name",         "product_type",
      "currency",           "monthly_price",      "setup_fee",          "visibility",
      "stock_status",       "billing_interval",   "datacenter_country", "datacenter_city",
      "datacenter_latitude", "datacenter_longitude", "description",     "product_page_url",
      "features",           "min_contract_hours", "max_contract_hours", "payment_methods"};
  return cols;
}

std::vector<std::string_view> type_columns(std::string_view product_type) {
  const type_rule* r = find_rule(product_type);
  return r ? r->columns : std::vector<std::string_view>{};
}

std::vector<std::string_view> template_columns(std::string_view product_type) {
  std::vector<std::string_view> cols = common_columns();
  const auto own = type_columns(product_type);
  cols.insert(cols.end(), own.begin(), own.end());
  return cols;
}

std::vector<std::string_view> all_columns() {
  std::vector<std::string_view> cols = common_columns();
  std::set<std::string_view> seen(cols.begin(), cols.end());
  for (const auto& r : rules()) {
    for (std::string_view c : r.columns) {
      if (seen.insert(c).second) cols.push_back(c);
    }
  }
  return cols;
}

}  // namespace fleetledger::events

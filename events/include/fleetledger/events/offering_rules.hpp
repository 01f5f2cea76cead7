#pragma once
// Per-product-type rules for offerings (DESIGN.md section 4, "Offerings"), shared by the CSV importer
// of the write side (which refuses invalid rows before publishing) and the marketplace projection
// (which refuses them again if they reach the log). Column and field names are the proto field names
// of fleetledger.v1.OfferingPublished.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fleetledger/v1/offering.pb.h"

namespace fleetledger::events {

// One problem with an offering: the proto field it concerns and what is wrong with it.
struct offering_field_error {
  std::string field;
  std::string message;
  friend bool operator==(const offering_field_error&, const offering_field_error&) = default;
};

// The product types whose rules we know, lower case: compute, dedicated, gpu, colocation, saas,
// validator, container, object_storage, nas, kubernetes. Any other type is accepted with the common
// rules only.
[[nodiscard]] const std::vector<std::string_view>& known_product_types();

// Lower-cased product type ("GPU" -> "gpu"); types are compared case-insensitively everywhere.
[[nodiscard]] std::string normalize_product_type(std::string_view product_type);

// Fields a row of this type must carry (colocation: rack_units; validator: blockchain; gpu: gpu_model
// and gpu_count; saas: software_name; container: container_runtime; object_storage: storage_class;
// nas: nas_protocol; kubernetes: k8s_version). Empty for compute, dedicated and unknown types.
// The common identity fields (offering_id, provider_id, product_type) are not listed here.
[[nodiscard]] std::vector<std::string_view> required_fields(std::string_view product_type);

// Every problem with the offering, in a stable order (empty: valid):
//   offering_id, provider_id, product_type: required (non-empty);
//   the type's required fields: present (strings non-empty; rack_units and gpu_count > 0);
//   monthly_price, setup_fee: not negative.
[[nodiscard]] std::vector<offering_field_error> validate(const fleetledger::v1::OfferingPublished& offering);

// What validate() reads of an offering, for callers that hold one in another form (the CSV import
// checks large files without building messages). Each answer is what the OfferingPublished message
// with the same content would give:
class offering_fields {
public:
  virtual ~offering_fields() = default;
  // A field with presence is set; a plain string is non-empty; a repeated field has items; a plain
  // scalar is non-zero.
  [[nodiscard]] virtual bool present(const google::protobuf::FieldDescriptor& field) const = 0;
  // The value of a string, int32 or double field; "" or 0 when unset.
  [[nodiscard]] virtual std::string_view string_value(const google::protobuf::FieldDescriptor& field) const = 0;
  [[nodiscard]] virtual std::int32_t int32_value(const google::protobuf::FieldDescriptor& field) const = 0;
  [[nodiscard]] virtual double double_value(const google::protobuf::FieldDescriptor& field) const = 0;
};
// The same rules and errors as validate(const OfferingPublished&).
[[nodiscard]] std::vector<offering_field_error> validate(const offering_fields& offering);

// OfferingUpdated carries the same fields with the same numbers as OfferingPublished.
[[nodiscard]] fleetledger::v1::OfferingPublished as_published(const fleetledger::v1::OfferingUpdated& update);

// The CSV columns common to every type, in template order (offering_id, provider_id, offer_name,
// product_type, currency, monthly_price, ..., payment_methods).
[[nodiscard]] const std::vector<std::string_view>& common_columns();
// The type's own columns (e.g. colocation: rack_units, power_watts, network_ports, bandwidth_gbps;
// compute/dedicated/gpu also get the hardware columns). Empty for unknown types.
[[nodiscard]] std::vector<std::string_view> type_columns(std::string_view product_type);
// common_columns() followed by type_columns(product_type): the template's header row.
[[nodiscard]] std::vector<std::string_view> template_columns(std::string_view product_type);
// Every column an import may carry (common, then every type's, without repeats), for mixed files.
[[nodiscard]] std::vector<std::string_view> all_columns();

}  // namespace fleetledger::events

#include "fleetledger/projections/marketplace/offerings.hpp"

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>
#include <google/protobuf/descriptor.h>

#include "fleetledger/events/offering_rules.hpp"
#include "keys.hpp"
#include "marketplace_records.pb.h"
#include "state.hpp"

namespace fleetledger::projections::marketplace {
namespace {

using namespace detail;
namespace pb = google::protobuf;

boost::json::value scalar_json(const pb::Message& m, const pb::FieldDescriptor& f, int index) {
  const pb::Reflection& r = *m.GetReflection();
  const bool rep = f.is_repeated();
  switch (f.cpp_type()) {
    case pb::FieldDescriptor::CPPTYPE_STRING:
      return boost::json::value(rep ? r.GetRepeatedString(m, &f, index) : r.GetString(m, &f));
    case pb::FieldDescriptor::CPPTYPE_INT32: return rep ? r.GetRepeatedInt32(m, &f, index) : r.GetInt32(m, &f);
    case pb::FieldDescriptor::CPPTYPE_INT64: return rep ? r.GetRepeatedInt64(m, &f, index) : r.GetInt64(m, &f);
    case pb::FieldDescriptor::CPPTYPE_UINT32: return rep ? r.GetRepeatedUInt32(m, &f, index) : r.GetUInt32(m, &f);
    case pb::FieldDescriptor::CPPTYPE_UINT64: return rep ? r.GetRepeatedUInt64(m, &f, index) : r.GetUInt64(m, &f);
    case pb::FieldDescriptor::CPPTYPE_DOUBLE: return rep ? r.GetRepeatedDouble(m, &f, index) : r.GetDouble(m, &f);
    case pb::FieldDescriptor::CPPTYPE_FLOAT: return rep ? r.GetRepeatedFloat(m, &f, index) : r.GetFloat(m, &f);
    case pb::FieldDescriptor::CPPTYPE_BOOL: return rep ? r.GetRepeatedBool(m, &f, index) : r.GetBool(m, &f);
    default: return nullptr;  // the offering has no enum or message fields
  }
}

}  // namespace

std::vector<offering_entry> list_offerings(const state_reader& s, const offering_filter& filter) {
  std::vector<offering_entry> out;
  s.scan(keys::offering_prefix(), [&](std::string_view, std::string_view value) {
    OfferingRecord r;
    if (!r.ParseFromArray(value.data(), static_cast<int>(value.size()))) return true;
    const auto& o = r.offering();
    if (filter.product_type && !iequals(o.product_type(), *filter.product_type)) return true;
    if (filter.country && !iequals(o.datacenter_country(), *filter.country)) return true;
    if (filter.max_price && !(o.monthly_price() <= *filter.max_price)) return true;
    if (filter.provider_id && o.provider_id() != *filter.provider_id) return true;
    out.push_back({o, to_time_point(r.published_at()), to_time_point(r.updated_at())});
    return true;
  });
  return out;
}

std::string offering_template_csv(std::string_view product_type) {
  std::string row;
  for (std::string_view column : events::template_columns(product_type)) {
    if (!row.empty()) row += ',';
    row += column;
  }
  row += '\n';
  return row;
}

boost::json::object to_json(const offering_entry& e) {
  boost::json::object o;
  const pb::Message& m = e.offering;
  const pb::Reflection& r = *m.GetReflection();
  std::vector<const pb::FieldDescriptor*> fields;
  r.ListFields(m, &fields);  // set fields only, in field-number order
  for (const pb::FieldDescriptor* f : fields) {
    if (f->is_repeated()) {
      boost::json::array items;
      for (int i = 0; i < r.FieldSize(m, f); ++i) items.push_back(scalar_json(m, *f, i));
      o[f->name()] = std::move(items);
    } else {
      o[f->name()] = scalar_json(m, *f, 0);
    }
  }
  o["published_at"] = rfc3339(e.published_at);
  o["updated_at"] = rfc3339(e.updated_at);
  return o;
}

}  // namespace fleetledger::projections::marketplace

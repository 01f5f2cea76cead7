#pragma once
// GET /v1/offerings?product_type=&country=&max_price= and GET /v1/offerings/template/{product_type}.
// OfferingPublished and OfferingUpdated upsert (provider_id, offering_id) with the full description
// (first publication time kept); OfferingRetired removes it. Per-type rules and columns:
// fleetledger/events/offering_rules.hpp.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "fleetledger/projections/view.hpp"
#include "fleetledger/v1/offering.pb.h"

namespace fleetledger::projections::marketplace {

struct offering_entry {
  fleetledger::v1::OfferingPublished offering;
  std::chrono::system_clock::time_point published_at;
  std::chrono::system_clock::time_point updated_at;
};

struct offering_filter {
  std::optional<std::string> product_type{};  // any case
  std::optional<std::string> country{};       // datacenter_country, any case
  std::optional<double> max_price{};          // monthly_price <= max_price
  std::optional<std::string> provider_id{};
};

// Every offering in the catalogue that matches, ordered by (provider_id, offering_id).
[[nodiscard]] std::vector<offering_entry> list_offerings(const state_reader& state, const offering_filter& filter);

// The CSV header row of the type's import template, with a trailing "\n"
// (events::template_columns: common columns, then the type's).
[[nodiscard]] std::string offering_template_csv(std::string_view product_type);

// Every field the provider set, under its proto name (numbers as numbers, repeated fields as arrays),
// plus published_at and updated_at.
[[nodiscard]] boost::json::object to_json(const offering_entry& entry);

}  // namespace fleetledger::projections::marketplace

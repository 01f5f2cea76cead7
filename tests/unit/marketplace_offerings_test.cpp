// Offerings: per-type validation (events/offering_rules), upsert, retire, query filters, templates.
#include "fleetledger/events/offering_rules.hpp"
#include "marketplace_test_harness.hpp"

using namespace marketplace_test;

namespace {

using strings = std::vector<std::string>;

strings offering_ids(const std::vector<fm::offering_entry>& entries) {
  strings out;
  for (const auto& e : entries) out.push_back(e.offering.provider_id() + "/" + e.offering.offering_id());
  return out;
}

strings fields_of(const std::vector<fe::offering_field_error>& errors) {
  strings out;
  for (const auto& e : errors) out.push_back(e.field);
  return out;
}

}  // namespace

TEST_CASE("required fields per product type", "[marketplace][offerings]") {
  using sv = std::vector<std::string_view>;
  CHECK(fe::required_fields("colocation") == sv{"rack_units"});
  CHECK(fe::required_fields("validator") == sv{"blockchain"});
  CHECK(fe::required_fields("GPU") == sv{"gpu_model", "gpu_count"});
  CHECK(fe::required_fields("saas") == sv{"software_name"});
  CHECK(fe::required_fields("container") == sv{"container_runtime"});
  CHECK(fe::required_fields("object_storage") == sv{"storage_class"});
  CHECK(fe::required_fields("nas") == sv{"nas_protocol"});
  CHECK(fe::required_fields("kubernetes") == sv{"k8s_version"});
  CHECK(fe::required_fields("compute").empty());
  CHECK(fe::required_fields("quantum").empty());
}

TEST_CASE("validate reports each missing type field", "[marketplace][offerings]") {
  v1::OfferingPublished o;
  o.set_offering_id("o1");
  o.set_provider_id("p1");
  o.set_product_type("gpu");
  CHECK(fields_of(fe::validate(o)) == strings{"gpu_model", "gpu_count"});
  o.set_gpu_model("H100");
  o.set_gpu_count(0);
  const auto errors = fe::validate(o);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0] == fe::offering_field_error{"gpu_count", "must be greater than 0"});
  o.set_gpu_count(8);
  CHECK(fe::validate(o).empty());

  v1::OfferingPublished unknown;
  unknown.set_offering_id("o2");
  unknown.set_provider_id("p1");
  unknown.set_product_type("quantum");
  CHECK(fe::validate(unknown).empty());
  unknown.set_monthly_price(-1);
  CHECK(fields_of(fe::validate(unknown)) == strings{"monthly_price"});
  CHECK(fields_of(fe::validate(v1::OfferingPublished{})) == strings{"offering_id", "provider_id", "product_type"});
}

TEST_CASE("every rule and column names a field of OfferingPublished", "[marketplace][offerings]") {
  const auto* d = v1::OfferingPublished::descriptor();
  for (std::string_view c : fe::all_columns()) {
    INFO(c);
    CHECK(d->FindFieldByName(std::string(c)) != nullptr);
  }
  for (std::string_view t : fe::known_product_types()) {
    for (std::string_view f : fe::required_fields(t)) CHECK(d->FindFieldByName(std::string(f)) != nullptr);
  }
}

TEST_CASE("template columns are the common ones then the type's", "[marketplace][offerings]") {
  const std::string common =
      "offering_id,provider_id,offer_name,product_type,currency,monthly_price,setup_fee,visibility,stock_status,"
      "billing_interval,datacenter_country,datacenter_city,datacenter_latitude,datacenter_longitude,description,"
      "product_page_url,features,min_contract_hours,max_contract_hours,payment_methods";
  CHECK(fm::offering_template_csv("colocation") == common + ",rack_units,power_watts,network_ports,bandwidth_gbps\n");
  CHECK(fm::offering_template_csv("Validator") ==
        common + ",blockchain,commission_percent,uptime_sla_percent,minimum_stake\n");
  CHECK(fm::offering_template_csv("quantum") == common + "\n");
  const auto gpu = fe::template_columns("gpu");
  REQUIRE(gpu.size() == 20 + 2 + 13);
  CHECK(gpu[20] == "gpu_model");
  CHECK(gpu[21] == "gpu_count");
  CHECK(gpu.back() == "virtualization_type");
}

TEST_CASE("the projection refuses invalid offerings and dead-letters ones without ids", "[marketplace][offerings]") {
  harness h;
  CHECK(h.apply(published("p1", "o1", "colocation", 100, t0)).reason ==
        "INVALID_OFFERING: rack_units required for product_type colocation");
  auto no_id = published("p1", "", "compute", 10, t0);
  CHECK(h.apply(no_id).what == fp::verdict::malformed);
  auto no_provider = published("", "o1", "compute", 10, t0);
  CHECK(h.apply(no_provider).what == fp::verdict::malformed);
  CHECK(fm::list_offerings(h.reader(), {}).empty());
  auto unknown = published("p1", "o9", "quantum", 10, t0);
  CHECK(applied(h.apply(unknown)));
}

TEST_CASE("published and updated upsert by provider and offering and retired removes", "[marketplace][offerings]") {
  harness h;
  auto colo = published("p1", "o1", "colocation", 100, t0);
  colo.mutable_offering_published()->set_rack_units(4);
  REQUIRE(applied(h.apply(colo)));

  auto upd = envelope(t0 + 1h, "p1");
  auto* u = upd.mutable_offering_updated();
  u->set_offering_id("o1");
  u->set_provider_id("p1");
  u->set_product_type("colocation");
  u->set_rack_units(8);
  u->set_monthly_price(150);
  REQUIRE(applied(h.apply(upd)));

  auto all = fm::list_offerings(h.reader(), {});
  REQUIRE(all.size() == 1);
  CHECK(all[0].offering.rack_units() == 8);
  CHECK(all[0].offering.monthly_price() == 150);
  CHECK(all[0].published_at == t0);
  CHECK(all[0].updated_at == t0 + 1h);

  // An update that breaks the type's rules is refused and keeps the previous version.
  auto bad = upd;
  bad.set_event_id(fe::new_event_id().value());
  bad.mutable_offering_updated()->clear_rack_units();
  CHECK(rejected_with(h.apply(bad), "INVALID_OFFERING"));
  CHECK(fm::list_offerings(h.reader(), {})[0].offering.rack_units() == 8);

  auto retire = envelope(t0 + 2h, "p1");
  retire.mutable_offering_retired()->set_offering_id("o1");
  retire.mutable_offering_retired()->set_provider_id("p1");
  REQUIRE(applied(h.apply(retire)));
  CHECK(fm::list_offerings(h.reader(), {}).empty());
  auto again = retire;
  again.set_event_id(fe::new_event_id().value());
  CHECK(rejected_with(h.apply(again), "OFFERING_NOT_FOUND"));
}

TEST_CASE("offerings query filters product_type country and max_price", "[marketplace][offerings]") {
  harness h;
  auto gpu = published("p1", "g1", "gpu", 900, t0);
  gpu.mutable_offering_published()->set_gpu_model("H100");
  gpu.mutable_offering_published()->set_gpu_count(8);
  gpu.mutable_offering_published()->add_features("nvlink");
  REQUIRE(applied(h.apply(gpu)));
  auto c1 = published("p1", "c1", "compute", 50, t0);
  c1.mutable_offering_published()->set_datacenter_country("DE");
  REQUIRE(applied(h.apply(c1)));
  REQUIRE(applied(h.apply(published("p2", "c2", "Compute", 40, t0))));

  CHECK(offering_ids(fm::list_offerings(h.reader(), {})) == strings{"p1/c1", "p1/g1", "p2/c2"});
  CHECK(offering_ids(fm::list_offerings(h.reader(), {.product_type = std::string("COMPUTE")})) ==
        strings{"p1/c1", "p2/c2"});
  CHECK(offering_ids(fm::list_offerings(h.reader(), {.country = std::string("nl")})) == strings{"p1/g1", "p2/c2"});
  CHECK(offering_ids(fm::list_offerings(h.reader(), {.max_price = 50.0})) == strings{"p1/c1", "p2/c2"});
  CHECK(offering_ids(fm::list_offerings(h.reader(), {.max_price = 49.99})) == strings{"p2/c2"});

  const auto j = fm::to_json(fm::list_offerings(h.reader(), {.product_type = std::string("gpu")}).at(0));
  CHECK(j.at("gpu_model").as_string() == "H100");
  CHECK(j.at("gpu_count").as_int64() == 8);
  CHECK(j.at("monthly_price").as_double() == 900.0);
  CHECK(j.at("features").as_array().at(0).as_string() == "nvlink");
  CHECK(j.at("published_at").as_string() == "2025-01-01T00:00:00Z");
  CHECK_FALSE(j.contains("rack_units"));
}

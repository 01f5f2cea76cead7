#include "fleetledger/producers/commands/commands.hpp"

#include <chrono>
#include <fstream>
#include <optional>
#include <sstream>

#include "fleetledger/events/cluster_rules.hpp"
#include "fleetledger/events/timestamps.hpp"
#include "fleetledger/producers/commands/tokens.hpp"
#include "fleetledger/producers/commands/validation.hpp"

namespace fleetledger::producers {
namespace {

namespace v1 = fleetledger::v1;
using events::errc;
using events::make_error;

// A validation failure that unwinds to build_command (an internal exception, never escapes).
struct bad_value {
  std::string message;
};

[[noreturn]] void fail(std::string_view option, std::string_view why) {
  throw bad_value{"--" + std::string(option) + ": " + std::string(why)};
}

// Typed access to the given values; each getter validates and names the option on failure.
class values_view {
public:
  values_view(const command_spec& spec, const command_values& values) : spec_(spec), values_(values) {
    for (const auto& [k, v] : values) {
      bool known = false;
      for (const auto& o : spec.options) known = known || o.name == k;
      if (!known) throw bad_value{"--" + k + ": not an option of " + spec.group + " " + spec.verb};
    }
    for (const auto& o : spec.options) {
      if (o.required && !has(o.name)) fail(o.name, "required");
    }
  }
  [[nodiscard]] bool has(std::string_view name) const {
    const auto it = values_.find(name);
    return it != values_.end() && !(it->second.empty());
  }
  [[nodiscard]] bool given(std::string_view name) const { return values_.find(name) != values_.end(); }
  [[nodiscard]] std::string raw(std::string_view name) const {
    const auto it = values_.find(name);
    return it == values_.end() ? std::string() : it->second;
  }
  [[nodiscard]] std::string text(std::string_view name, std::size_t max = 4096) const {
    std::string v = raw(name);
    if (auto r = validate_text(v, max); !r) fail(name, r.err().message);
    return v;
  }
  [[nodiscard]] std::string id(std::string_view name) const {
    std::string v = raw(name);
    if (auto r = validate_id(v); !r) fail(name, r.err().message);
    return v;
  }
  // The value, or a new UUID (reported in outputs under output_name) when not given.
  [[nodiscard]] std::string id_or_new(std::string_view name, std::string_view output_name, built_command& out) const {
    if (has(name)) return id(name);
    std::string v = events::new_event_id().value();
    out.outputs.emplace_back(std::string(output_name), v);
    return v;
  }
  [[nodiscard]] std::string url(std::string_view name) const {
    std::string v = raw(name);
    if (auto r = validate_url(v); !r) fail(name, r.err().message);
    return v;
  }
  [[nodiscard]] std::int64_t integer(std::string_view name, std::int64_t min, std::int64_t max) const {
    const auto v = parse_integer(raw(name));
    if (!v) fail(name, "'" + raw(name) + "' is not a whole number");
    if (*v < min || *v > max) fail(name, std::to_string(*v) + " is out of range " + std::to_string(min) + ".." + std::to_string(max));
    return *v;
  }
  [[nodiscard]] double number(std::string_view name, double min, double max) const {
    const auto v = parse_double(raw(name));
    if (!v) fail(name, "'" + raw(name) + "' is not a number");
    if (*v < min || *v > max) fail(name, raw(name) + " is out of range " + format_number(min) + ".." + format_number(max));
    return *v;
  }
  [[nodiscard]] bool toggle(std::string_view name) const {
    if (!has(name)) return false;
    const auto v = parse_bool(raw(name));
    if (!v) fail(name, "'" + raw(name) + "' is not true/false");
    return *v;
  }
  template <typename E>
  [[nodiscard]] E enumeration(std::string_view name, const google::protobuf::EnumDescriptor& d, std::string_view prefix) const {
    auto r = parse_enum(d, prefix, raw(name));
    if (!r) fail(name, r.err().message);
    return static_cast<E>(*r);
  }
  [[nodiscard]] std::map<std::string, std::string> labels(std::string_view name) const {
    std::map<std::string, std::string> out;
    for_each_item(name, [&](const std::string& item) {
      const auto eq = item.find('=');
      if (eq == std::string::npos || eq == 0) fail(name, "'" + item + "' is not key=value");
      const std::string key(trim(std::string_view(item).substr(0, eq)));
      if (auto r = validate_id(key); !r) fail(name, "label key " + r.err().message);
      const std::string val(trim(std::string_view(item).substr(eq + 1)));
      if (auto r = validate_text(val, 1024); !r) fail(name, "label value " + r.err().message);
      out[key] = val;
    });
    return out;
  }
  [[nodiscard]] std::vector<std::string> list(std::string_view name) const {
    std::vector<std::string> out;
    for_each_item(name, [&](const std::string& item) {
      if (auto r = validate_id(item); !r) fail(name, "'" + item + "' " + r.err().message);
      out.push_back(item);
    });
    return out;
  }
  // Each non-empty, trimmed item of a comma-separated value.
  template <typename F>
  void for_each_item(std::string_view name, F&& fn) const {
    const std::string v = raw(name);
    std::size_t start = 0;
    while (start <= v.size()) {
      const std::size_t comma = v.find(',', start);
      const std::string item(trim(std::string_view(v).substr(start, comma == std::string::npos ? std::string::npos : comma - start)));
      if (!item.empty()) fn(item);
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  // --expires-at RFC 3339 or --expires-in duration (relative to now); nullopt when neither.
  [[nodiscard]] std::optional<google::protobuf::Timestamp> expiry() const {
    if (has("expires-at") && has("expires-in")) fail("expires-in", "give either --expires-at or --expires-in");
    if (has("expires-at")) {
      auto t = events::parse_rfc3339(raw("expires-at"));
      if (!t) fail("expires-at", "'" + raw("expires-at") + "' is not an RFC 3339 time (e.g. 2026-12-31T23:59:59Z)");
      return events::to_timestamp(*t);
    }
    if (has("expires-in")) {
      auto d = parse_duration(raw("expires-in"));
      if (!d) fail("expires-in", d.err().message);
      return events::to_timestamp(std::chrono::system_clock::now() + *d);
    }
    return std::nullopt;
  }
  [[nodiscard]] std::string file_text(std::string_view name) const {
    std::ifstream in(raw(name), std::ios::binary);
    if (!in) fail(name, "cannot read '" + raw(name) + "'");
    std::ostringstream ss;
    ss << in.rdbuf();
    std::string t = ss.str();
    if (t.size() > 1024 * 1024) fail(name, "file is larger than 1 MiB");
    return t;
  }

private:
  const command_spec& spec_;
  const command_values& values_;
};

// ---- option sets ----
std::vector<option_spec> cluster_fields(bool for_register) {
  std::vector<option_spec> o = {
      {"display-name", "human-readable name"},
      {"owner", "owner tenant id (default: --actor)"},
      {"api-server-url", "Kubernetes API server URL (http/https)", false},
      {"type", "hub | spoke | edge | far_edge", false},
      {"platform", "openshift | kubernetes | microshift | k3s | other"},
      {"region", "region, e.g. eu-west-1"},
      {"environment", "production | staging | development | lab"},
      {"labels", "labels as key=value,key=value" + std::string(for_register ? "" : " (replaces all labels)")},
      {"prometheus-url", "Prometheus endpoint URL"},
      {"tempo-url", "Tempo endpoint URL"},
      {"loki-url", "Loki endpoint URL"},
      {"alertmanager-url", "Alertmanager endpoint URL"},
      {"latitude", "latitude, -90..90"},
      {"longitude", "longitude, -180..180"},
      {"country", "country code, e.g. DE"},
      {"city", "city"},
      {"class", "platform_official | tenant_private | third_party_marketplace"},
      {"max-streams", "capacity: streams (>= 0)"},
      {"max-viewers", "capacity: viewers (>= 0)"},
      {"max-bandwidth-mbps", "capacity: megabits per second (>= 0)"},
      {"ca-cert-file", "PEM file with the CA that signs the API server's certificate"},
      {"domain", "DNS domain for ingest/playback URLs"},
  };
  if (for_register) {
    o[2].required = true;
    o[3].required = true;
    o.insert(o.begin(), {"name", "DNS label: lower-case letters, digits, '-', 3..63 chars", true});
    o.insert(o.begin(), {"cluster-id", "cluster id (default: a new UUID, printed)"});
  } else {
    o.insert(o.begin(), {"cluster-id", "cluster id", true});
    o.push_back({"set-labels", "labels to add or change, key=value,key=value"});
    o.push_back({"remove-labels", "label keys to remove, key,key"});
  }
  return o;
}

std::vector<command_spec> make_specs() {
  std::vector<command_spec> s;
  s.push_back({"cluster", "register", "Register a cluster (ClusterRegistered)",
               "fleetctl cluster register --name edge-fra-1 --owner acme --api-server-url https://api.fra1.example.com:6443 "
               "--type edge --platform k3s --region eu-central --environment production --labels tier=gold,zone=a "
               "--latitude 50.11 --longitude 8.68 --country DE --city Frankfurt",
               cluster_fields(true)});
  s.push_back({"cluster", "update", "Change some fields of a cluster (ClusterUpdated with a field mask)",
               "fleetctl cluster update --cluster-id 5f0c... --display-name 'Frankfurt edge' --set-labels tier=silver",
               cluster_fields(false)});
  s.push_back({"cluster", "delete", "Delete a cluster (ClusterDeleted)",
               "fleetctl cluster delete --cluster-id 5f0c... --reason decommissioned",
               {{"cluster-id", "cluster id", true}, {"reason", "why"}}});
  s.push_back({"cluster", "refresh", "Ask the prober for an immediate check (ClusterRefreshRequested)",
               "fleetctl cluster refresh --cluster-id 5f0c...", {{"cluster-id", "cluster id", true}}});
  s.push_back({"marketplace", "update", "Set a cluster's marketplace settings (ClusterMarketplaceUpdated)",
               "fleetctl marketplace update --cluster-id 5f0c... --visibility public --pricing monthly "
               "--monthly-price-cents 4900 --currency EUR --required-tier 2 --requires-approval",
               {{"cluster-id", "cluster id", true},
                {"visibility", "public | unlisted | private", true},
                {"pricing", "free_unmetered | metered | monthly | tier_inherit | custom", true},
                {"monthly-price-cents", "monthly price in cents (>= 0)"},
                {"currency", "ISO 4217 code (default USD)"},
                {"per-gb-egress-cents", "metered price per GB egress, cents (>= 0)"},
                {"per-viewer-hour-cents", "metered price per viewer hour, cents (>= 0)"},
                {"required-tier", "minimum billing tier 0-5 (default 0)"},
                {"requires-approval", "subscriptions need the owner's approval", false, true},
                {"description", "short description"}}});
  s.push_back({"invite", "create", "Create an invite; prints the token once (ClusterInviteCreated)",
               "fleetctl invite create --cluster-id 5f0c... --target-tenant globex --expires-in 7d --max-uses 1",
               {{"cluster-id", "cluster id", true},
                {"invite-id", "invite id (default: a new UUID, printed)"},
                {"target-tenant", "only this tenant may use it"},
                {"expires-at", "RFC 3339 expiry"},
                {"expires-in", "expiry from now: 30m, 72h, 7d"},
                {"max-uses", "uses allowed (0 = unlimited, default 1)"}}});
  s.push_back({"invite", "revoke", "Revoke an invite (ClusterInviteRevoked)",
               "fleetctl invite revoke --cluster-id 5f0c... --invite-id 9a1b... --reason leaked",
               {{"cluster-id", "cluster id", true}, {"invite-id", "invite id", true}, {"reason", "why"}}});
  s.push_back({"subscription", "request", "Ask for access to a cluster (SubscriptionRequested)",
               "fleetctl --actor globex subscription request --cluster-id 5f0c... --invite-token-file token.txt",
               {{"cluster-id", "cluster id", true},
                {"subscription-id", "subscription id (default: a new UUID, printed)"},
                {"tenant", "subscribing tenant (default: --actor)"},
                {"invite-token-file", "file with the invite token ('-' = stdin); only its SHA-256 is published"},
                {"invite-token-stdin", "read the invite token from stdin", false, true}}});
  s.push_back({"subscription", "approve", "Approve a pending subscription, as the cluster owner (SubscriptionApproved)",
               "fleetctl --actor acme subscription approve --cluster-id 5f0c... --subscription-id 77aa...",
               {{"cluster-id", "cluster id", true}, {"subscription-id", "subscription id", true},
                {"approved-by", "the owner (default and must equal: --actor)"}}});
  s.push_back({"subscription", "reject", "Reject a pending subscription, as the cluster owner (SubscriptionRejected)",
               "fleetctl --actor acme subscription reject --cluster-id 5f0c... --subscription-id 77aa... --reason 'not a customer'",
               {{"cluster-id", "cluster id", true}, {"subscription-id", "subscription id", true},
                {"rejected-by", "the owner (default and must equal: --actor)"}, {"reason", "why"}}});
  s.push_back({"subscription", "suspend", "Suspend an active subscription (SubscriptionSuspended)",
               "fleetctl --actor acme subscription suspend --cluster-id 5f0c... --subscription-id 77aa... --reason unpaid",
               {{"cluster-id", "cluster id", true}, {"subscription-id", "subscription id", true}, {"reason", "why"}}});
  s.push_back({"subscription", "reinstate", "Reinstate a suspended subscription (SubscriptionReinstated)",
               "fleetctl --actor acme subscription reinstate --cluster-id 5f0c... --subscription-id 77aa...",
               {{"cluster-id", "cluster id", true}, {"subscription-id", "subscription id", true}}});
  s.push_back({"subscription", "cancel", "Cancel a subscription, as the tenant (SubscriptionCancelled)",
               "fleetctl --actor globex subscription cancel --cluster-id 5f0c... --subscription-id 77aa...",
               {{"cluster-id", "cluster id", true}, {"subscription-id", "subscription id", true},
                {"tenant", "the subscribing tenant (default: --actor)"}, {"reason", "why"}}});
  s.push_back({"tenant", "create", "Create a tenant (TenantCreated)",
               "fleetctl tenant create --tenant-id acme --name 'Acme Corp' --provider",
               {{"tenant-id", "tenant id", true}, {"name", "display name"},
                {"provider", "the tenant is a provider (no private-cluster cap)", false, true},
                {"max-owned-clusters", "private clusters a non-provider may own (default 1)"}}});
  s.push_back({"tenant", "tier", "Set a tenant's billing tier and official cluster (TenantBillingTierChanged)",
               "fleetctl tenant tier --tenant-id acme --tier 3 --official-cluster-id 5f0c...",
               {{"tenant-id", "tenant id", true}, {"tier", "tier level 0-5", true},
                {"official-cluster-id", "the tenant's official cluster"}}});
  s.push_back({"tenant", "prefer", "Set (or --clear) a tenant's preferred cluster (PreferredClusterSet)",
               "fleetctl tenant prefer --tenant-id acme --cluster-id 5f0c...",
               {{"tenant-id", "tenant id", true}, {"cluster-id", "preferred cluster"},
                {"clear", "clear the preference", false, true}}});
  s.push_back({"private-cluster", "create", "Create a private cluster; prints the bootstrap token once (PrivateClusterCreated)",
               "fleetctl --actor globex private-cluster create --name globex-lab --region eu-west --usage-limit 5 --expires-in 24h",
               {{"cluster-id", "cluster id (default: a new UUID, printed)"},
                {"owner", "owner tenant (default: --actor)"},
                {"name", "DNS label, unique", true},
                {"display-name", "human-readable name"},
                {"region", "region"},
                {"usage-limit", "edge enrolments the token allows (0 = unlimited, default 0)"},
                {"expires-at", "RFC 3339 token expiry"},
                {"expires-in", "token expiry from now: 30m, 24h, 7d"},
                {"latitude", "latitude, -90..90"},
                {"longitude", "longitude, -180..180"},
                {"country", "country code"},
                {"city", "city"}}});
  for (const char* verb : {"activate", "deactivate"}) {
    s.push_back({"peering", verb,
                 std::string(verb[0] == 'a' ? "Activate" : "Deactivate") + " peering of a subscribed cluster for a tenant's stream (Peering" +
                     (verb[0] == 'a' ? "Activated" : "Deactivated") + ")",
                 std::string("fleetctl peering ") + verb + " --cluster-id 5f0c... --tenant-id globex --stream live-1",
                 {{"cluster-id", "the peered (subscribed) cluster", true}, {"tenant-id", "tenant (default: --actor)"},
                  {"stream", "stream that triggered it"}}});
  }
  return s;
}

void set_geo(const values_view& v, v1::GeoLocation& geo, std::vector<std::string>* mask) {
  if (v.has("latitude") != v.has("longitude") && mask == nullptr) {
    fail(v.has("latitude") ? "longitude" : "latitude", "give both --latitude and --longitude");
  }
  if (v.has("latitude")) {
    geo.set_latitude(v.number("latitude", -90, 90));
    if (mask) mask->push_back("geo.latitude");
  }
  if (v.has("longitude")) {
    geo.set_longitude(v.number("longitude", -180, 180));
    if (mask) mask->push_back("geo.longitude");
  }
  if (v.given("country")) {
    geo.set_country(v.text("country", 64));
    if (mask) mask->push_back("geo.country");
  }
  if (v.given("city")) {
    geo.set_city(v.text("city", 200));
    if (mask) mask->push_back("geo.city");
  }
}

// Fields shared by ClusterRegistered and ClusterUpdated (same names and numbers). mask == nullptr:
// registration (all given fields set); else the update's mask paths are collected.
template <typename Msg>
void set_cluster_fields(const values_view& v, Msg& m, std::vector<std::string>* mask) {
  const auto track = [&](const char* path) {
    if (mask) mask->push_back(path);
  };
  if (v.given("display-name")) { m.set_display_name(v.text("display-name", 200)); track("display_name"); }
  if (v.has("owner")) { m.set_owner_tenant_id(v.id("owner")); track("owner_tenant_id"); }
  if (v.has("api-server-url")) { m.set_api_server_url(v.url("api-server-url")); track("api_server_url"); }
  if (v.has("type")) { m.set_cluster_type(v.template enumeration<v1::ClusterType>("type", *v1::ClusterType_descriptor(), "CLUSTER_TYPE_")); track("cluster_type"); }
  if (v.has("platform")) { m.set_platform(v.template enumeration<v1::Platform>("platform", *v1::Platform_descriptor(), "PLATFORM_")); track("platform"); }
  if (v.given("region")) { m.set_region(v.text("region", 100)); track("region"); }
  if (v.has("environment")) { m.set_environment(v.template enumeration<v1::Environment>("environment", *v1::Environment_descriptor(), "ENVIRONMENT_")); track("environment"); }
  if (v.given("labels")) {
    for (const auto& [k, val] : v.labels("labels")) (*m.mutable_labels())[k] = val;
    track("labels");
  }
  const struct { const char* flag; const char* path; } endpoints[] = {
      {"prometheus-url", "endpoints.prometheus_url"}, {"tempo-url", "endpoints.tempo_url"},
      {"loki-url", "endpoints.loki_url"}, {"alertmanager-url", "endpoints.alertmanager_url"}};
  for (const auto& e : endpoints) {
    if (!v.given(e.flag)) continue;
    const std::string u = v.has(e.flag) ? v.url(e.flag) : std::string();  // empty clears (update)
    auto* ep = m.mutable_endpoints();
    if (e.path == std::string_view("endpoints.prometheus_url")) ep->set_prometheus_url(u);
    else if (e.path == std::string_view("endpoints.tempo_url")) ep->set_tempo_url(u);
    else if (e.path == std::string_view("endpoints.loki_url")) ep->set_loki_url(u);
    else ep->set_alertmanager_url(u);
    track(e.path);
  }
  if (v.has("latitude") || v.has("longitude") || v.given("country") || v.given("city")) {
    set_geo(v, *m.mutable_geo(), mask);
  }
  if (v.has("class")) { m.set_cluster_class(v.template enumeration<v1::ClusterClass>("class", *v1::ClusterClass_descriptor(), "CLUSTER_CLASS_")); track("cluster_class"); }
  constexpr std::int64_t big = 1'000'000'000'000LL;
  if (v.has("max-streams")) { m.mutable_capacity()->set_max_streams(v.integer("max-streams", 0, big)); track("capacity.max_streams"); }
  if (v.has("max-viewers")) { m.mutable_capacity()->set_max_viewers(v.integer("max-viewers", 0, big)); track("capacity.max_viewers"); }
  if (v.has("max-bandwidth-mbps")) { m.mutable_capacity()->set_max_bandwidth_mbps(v.integer("max-bandwidth-mbps", 0, big)); track("capacity.max_bandwidth_mbps"); }
  if (v.has("ca-cert-file")) {
    std::string pem = v.file_text("ca-cert-file");
    if (pem.find("-----BEGIN CERTIFICATE-----") == std::string::npos) fail("ca-cert-file", "not a PEM certificate");
    m.set_ca_cert_pem(std::move(pem));
    track("ca_cert_pem");
  }
  if (v.given("domain")) { m.set_domain(v.text("domain", 253)); track("domain"); }
}

std::string tenant_or_actor(const values_view& v, std::string_view option, const events::event_metadata& md) {
  if (v.has(option)) return v.id(option);
  if (md.actor.empty()) fail(option, "required (or set --actor)");
  if (auto r = validate_id(md.actor); !r) fail("actor", r.err().message);
  return md.actor;
}

// The owner acting: option defaults to the actor and must equal it.
std::string owner_actor(const values_view& v, std::string_view option, const events::event_metadata& md) {
  if (v.has(option)) {
    std::string who = v.id(option);
    if (!md.actor.empty() && md.actor != who) {
      fail(option, "'" + who + "' differs from --actor '" + md.actor + "'; the owner approves as the actor");
    }
    return who;
  }
  if (md.actor.empty()) fail("actor", "required: the cluster owner approves or rejects as the envelope actor");
  if (auto r = validate_id(md.actor); !r) fail("actor", r.err().message);
  return md.actor;
}

built_command build(const command_spec& spec, const values_view& v, const events::event_metadata& md_in) {
  built_command out;
  events::event_metadata md = md_in;
  v1::Envelope env;
  const std::string key = spec.group + " " + spec.verb;
  auto finish = [&]() {
    v1::Envelope e = events::make_envelope(md);
    e.MergeFrom(env);
    out.events.push_back(std::move(e));
  };

  if (key == "cluster register") {
    auto& m = *env.mutable_cluster_registered();
    m.set_cluster_id(v.id_or_new("cluster-id", "cluster_id", out));
    const std::string name = v.raw("name");
    if (auto r = events::validate_cluster_name(name); !r) fail("name", r.err().message);
    m.set_name(name);
    set_cluster_fields(v, m, nullptr);
    if (m.owner_tenant_id().empty()) m.set_owner_tenant_id(tenant_or_actor(v, "owner", md));
  } else if (key == "cluster update") {
    auto& m = *env.mutable_cluster_updated();
    m.set_cluster_id(v.id("cluster-id"));
    std::vector<std::string> mask;
    set_cluster_fields(v, m, &mask);
    if (v.has("set-labels")) {
      if (v.given("labels")) fail("set-labels", "give either --labels or --set-labels");
      for (const auto& [k, val] : v.labels("set-labels")) {
        (*m.mutable_labels())[k] = val;
        mask.push_back("labels." + k);
      }
    }
    if (v.has("remove-labels")) {
      if (v.given("labels")) fail("remove-labels", "give either --labels or --remove-labels");
      for (const auto& k : v.list("remove-labels")) {
        if (m.labels().contains(k)) fail("remove-labels", "'" + k + "' is also in --set-labels");
        mask.push_back("labels." + k);
      }
    }
    if (mask.empty()) fail("cluster-id", "nothing to update: give at least one field to change");
    for (auto& p : mask) m.mutable_update_mask()->add_paths(std::move(p));
  } else if (key == "cluster delete") {
    auto& m = *env.mutable_cluster_deleted();
    m.set_cluster_id(v.id("cluster-id"));
    m.set_reason(v.text("reason", 1000));
  } else if (key == "cluster refresh") {
    auto& m = *env.mutable_cluster_refresh_requested();
    m.set_cluster_id(v.id("cluster-id"));
    m.set_requested_by(md.actor);
  } else if (key == "marketplace update") {
    auto& m = *env.mutable_cluster_marketplace_updated();
    m.set_cluster_id(v.id("cluster-id"));
    m.set_visibility(v.enumeration<v1::Visibility>("visibility", *v1::Visibility_descriptor(), "VISIBILITY_"));
    m.set_pricing_model(v.enumeration<v1::PricingModel>("pricing", *v1::PricingModel_descriptor(), "PRICING_MODEL_"));
    if (v.has("monthly-price-cents")) m.set_monthly_price_cents(v.integer("monthly-price-cents", 0, 1'000'000'000'000LL));
    std::string currency = v.has("currency") ? v.raw("currency") : std::string("USD");
    for (auto& c : currency) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (currency.size() != 3 || !std::all_of(currency.begin(), currency.end(), [](char c) { return c >= 'A' && c <= 'Z'; })) {
      fail("currency", "'" + v.raw("currency") + "' is not a 3-letter ISO 4217 code");
    }
    m.set_currency(currency);
    if (v.has("per-gb-egress-cents")) m.set_metered_price_per_gb_egress_cents(v.number("per-gb-egress-cents", 0, 1e12));
    if (v.has("per-viewer-hour-cents")) m.set_metered_price_per_viewer_hour_cents(v.number("per-viewer-hour-cents", 0, 1e12));
    if (v.has("required-tier")) m.set_required_tier_level(static_cast<std::int32_t>(v.integer("required-tier", 0, 5)));
    m.set_requires_approval(v.toggle("requires-approval"));
    m.set_short_description(v.text("description", 1000));
    if (m.pricing_model() == v1::PRICING_MODEL_MONTHLY && m.monthly_price_cents() <= 0) {
      fail("monthly-price-cents", "required (> 0) for --pricing monthly");
    }
    if (m.pricing_model() == v1::PRICING_MODEL_METERED && m.metered_price_per_gb_egress_cents() <= 0 &&
        m.metered_price_per_viewer_hour_cents() <= 0) {
      fail("per-gb-egress-cents", "--pricing metered needs --per-gb-egress-cents or --per-viewer-hour-cents > 0");
    }
  } else if (key == "invite create") {
    auto& m = *env.mutable_cluster_invite_created();
    m.set_cluster_id(v.id("cluster-id"));
    m.set_invite_id(v.id_or_new("invite-id", "invite_id", out));
    if (v.has("target-tenant")) m.set_target_tenant_id(v.id("target-tenant"));
    if (auto t = v.expiry()) *m.mutable_expires_at() = *t;
    m.set_max_uses(v.has("max-uses") ? static_cast<std::int32_t>(v.integer("max-uses", 0, 1'000'000)) : 1);
    auto token = random_token_hex(32);
    if (!token) throw bad_value{token.err().message};
    m.set_token_sha256(sha256_hex(*token));
    out.outputs.emplace_back("token", *token);
    out.outputs.emplace_back("token_sha256", m.token_sha256());
  } else if (key == "invite revoke") {
    auto& m = *env.mutable_cluster_invite_revoked();
    m.set_cluster_id(v.id("cluster-id"));
    m.set_invite_id(v.id("invite-id"));
    m.set_reason(v.text("reason", 1000));
  } else if (key == "subscription request") {
    auto& m = *env.mutable_subscription_requested();
    m.set_cluster_id(v.id("cluster-id"));
    m.set_subscription_id(v.id_or_new("subscription-id", "subscription_id", out));
    m.set_tenant_id(tenant_or_actor(v, "tenant", md));
    if (v.has("invite-token")) {  // set by the caller from --invite-token-file / stdin
      const std::string token(trim(v.raw("invite-token")));
      if (token.empty()) fail("invite-token-file", "the invite token is empty");
      m.set_invite_token_sha256(sha256_hex(token));
    }
  } else if (key == "subscription approve") {
    auto& m = *env.mutable_subscription_approved();
    m.set_cluster_id(v.id("cluster-id"));
    m.set_subscription_id(v.id("subscription-id"));
    m.set_approved_by(owner_actor(v, "approved-by", md));
    md.actor = m.approved_by();
  } else if (key == "subscription reject") {
    auto& m = *env.mutable_subscription_rejected();
    m.set_cluster_id(v.id("cluster-id"));
    m.set_subscription_id(v.id("subscription-id"));
    m.set_rejected_by(owner_actor(v, "rejected-by", md));
    m.set_reason(v.text("reason", 1000));
    md.actor = m.rejected_by();
  } else if (key == "subscription suspend") {
    auto& m = *env.mutable_subscription_suspended();
    m.set_cluster_id(v.id("cluster-id"));
    m.set_subscription_id(v.id("subscription-id"));
    m.set_reason(v.text("reason", 1000));
    m.set_suspended_by(md.actor);
  } else if (key == "subscription reinstate") {
    auto& m = *env.mutable_subscription_reinstated();
    m.set_cluster_id(v.id("cluster-id"));
    m.set_subscription_id(v.id("subscription-id"));
    m.set_reinstated_by(md.actor);
  } else if (key == "subscription cancel") {
    auto& m = *env.mutable_subscription_cancelled();
    m.set_cluster_id(v.id("cluster-id"));
    m.set_subscription_id(v.id("subscription-id"));
    m.set_tenant_id(tenant_or_actor(v, "tenant", md));
    m.set_reason(v.text("reason", 1000));
  } else if (key == "tenant create") {
    auto& m = *env.mutable_tenant_created();
    m.set_tenant_id(v.id("tenant-id"));
    m.set_name(v.has("name") ? v.text("name", 200) : m.tenant_id());
    m.set_is_provider(v.toggle("provider"));
    if (v.has("max-owned-clusters")) m.set_max_owned_clusters(static_cast<std::int32_t>(v.integer("max-owned-clusters", 0, 1'000'000)));
  } else if (key == "tenant tier") {
    auto& m = *env.mutable_tenant_billing_tier_changed();
    m.set_tenant_id(v.id("tenant-id"));
    m.set_tier_level(static_cast<std::int32_t>(v.integer("tier", 0, 5)));
    if (v.has("official-cluster-id")) m.set_official_cluster_id(v.id("official-cluster-id"));
  } else if (key == "tenant prefer") {
    auto& m = *env.mutable_preferred_cluster_set();
    m.set_tenant_id(v.id("tenant-id"));
    if (v.toggle("clear")) {
      if (v.has("cluster-id")) fail("clear", "give either --cluster-id or --clear");
    } else {
      if (!v.has("cluster-id")) fail("cluster-id", "required (or --clear)");
      m.set_cluster_id(v.id("cluster-id"));
    }
  } else if (key == "private-cluster create") {
    auto& m = *env.mutable_private_cluster_created();
    m.set_cluster_id(v.id_or_new("cluster-id", "cluster_id", out));
    m.set_owner_tenant_id(tenant_or_actor(v, "owner", md));
    const std::string name = v.raw("name");
    if (auto r = events::validate_cluster_name(name); !r) fail("name", r.err().message);
    m.set_name(name);
    m.set_display_name(v.text("display-name", 200));
    m.set_region(v.text("region", 100));
    if (v.has("usage-limit")) m.set_usage_limit(static_cast<std::int32_t>(v.integer("usage-limit", 0, 1'000'000)));
    if (auto t = v.expiry()) *m.mutable_expires_at() = *t;
    if (v.has("latitude") || v.has("longitude") || v.given("country") || v.given("city")) set_geo(v, *m.mutable_geo(), nullptr);
    auto token = random_token_hex(32);
    if (!token) throw bad_value{token.err().message};
    m.set_bootstrap_token_sha256(sha256_hex(*token));
    m.set_bootstrap_token_prefix(token->substr(0, 8));
    out.outputs.emplace_back("bootstrap_token", *token);
    out.outputs.emplace_back("bootstrap_token_prefix", m.bootstrap_token_prefix());
  } else if (key == "peering activate" || key == "peering deactivate") {
    const bool on = spec.verb == "activate";
    auto set = [&](auto& m) {
      m.set_cluster_id(v.id("cluster-id"));
      m.set_tenant_id(tenant_or_actor(v, "tenant-id", md));
      m.set_stream_name(v.text("stream", 200));
    };
    if (on) set(*env.mutable_peering_activated());
    else set(*env.mutable_peering_deactivated());
  } else {
    throw bad_value{"unknown command " + key};
  }
  finish();
  return out;
}

}  // namespace

const std::vector<command_spec>& command_specs() {
  static const std::vector<command_spec> specs = make_specs();
  return specs;
}

const command_spec* find_command(std::string_view group, std::string_view verb) {
  for (const auto& s : command_specs()) {
    if (s.group == group && s.verb == verb) return &s;
  }
  return nullptr;
}

events::result<built_command> build_command(const command_spec& spec, const command_values& values,
                                            const events::event_metadata& metadata) {
  // "invite-token" is not a flag: the caller fills it from --invite-token-file / --invite-token-stdin.
  command_values checked = values;
  std::string invite_token;
  if (auto it = checked.find("invite-token"); it != checked.end()) {
    invite_token = it->second;
    checked.erase(it);
  }
  try {
    if (!metadata.actor.empty()) {
      if (auto r = validate_id(metadata.actor); !r) fail("actor", r.err().message);
    }
    if (!metadata.correlation_id.empty()) {
      if (auto r = validate_id(metadata.correlation_id); !r) fail("correlation-id", r.err().message);
    }
    values_view check(spec, checked);
    (void)check;
    command_values all = checked;
    if (!invite_token.empty()) all["invite-token"] = invite_token;
    // values_view over `all` would refuse the non-flag key; build reads it through a spec copy.
    command_spec extended = spec;
    extended.options.push_back({"invite-token", "", false, false});
    values_view v(extended, all);
    return build(spec, v, metadata);
  } catch (const bad_value& e) {
    return make_error(errc::invalid_argument, e.message);
  }
}

}  // namespace fleetledger::producers

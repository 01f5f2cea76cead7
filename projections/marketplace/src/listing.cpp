// The marketplace listing and cluster detail, with eligibility computed at read time.
#include "fleetledger/projections/marketplace/listing.hpp"

#include <map>
#include <set>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "json_util.hpp"
#include "keys.hpp"
#include "marketplace_records.pb.h"
#include "ownership.hpp"
#include "state.hpp"

namespace fleetledger::projections::marketplace {
namespace {

using namespace detail;
using fleetledger::v1::SubscriptionStatus;

// What the view knows about the tenant reading the marketplace.
struct reader_context {
  std::optional<std::string> tenant_id;
  std::int32_t tier_level{0};                               // 0 without a tier (and for anonymous reads)
  std::map<std::string, TenantSubscriptionRef, std::less<>> subscriptions;  // by cluster id
  std::set<std::string, std::less<>> invited_to;  // clusters with an unexpired, unrevoked invite for T
};

reader_context load_reader_context(const state_reader& s, std::optional<std::string_view> tenant_id, time_point now) {
  reader_context ctx;
  if (!tenant_id || tenant_id->empty()) return ctx;
  ctx.tenant_id = std::string(*tenant_id);
  if (auto t = load<TenantRecord>(s, keys::tenant(*tenant_id)); t && t->has_tier()) ctx.tier_level = t->tier_level();
  s.scan(keys::tenant_subscriptions_of(*tenant_id), [&](std::string_view key, std::string_view value) {
    TenantSubscriptionRef ref;
    if (ref.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
      ctx.subscriptions.emplace(std::string(keys::segment(key, 2)), std::move(ref));
    }
    return true;
  });
  s.scan(keys::targeted_invites_of(*tenant_id), [&](std::string_view key, std::string_view) {
    const std::string cluster_id(keys::segment(key, 2));
    const std::string invite_id(keys::segment(key, 3));
    auto inv = load<InviteRecord>(s, keys::invite(cluster_id, invite_id));
    const bool expired = inv && inv->has_expires_at() && now > to_time_point(inv->expires_at());
    if (inv && !inv->revoked() && !expired) ctx.invited_to.insert(cluster_id);
    return true;
  });
  return ctx;
}

const TenantSubscriptionRef* subscription_of(const reader_context& ctx, const std::string& cluster_id) {
  auto it = ctx.subscriptions.find(cluster_id);
  return it == ctx.subscriptions.end() ? nullptr : &it->second;
}

// Owner, a subscriber (with the given statuses), or an invitee.
bool is_related(const ClusterRecord& c, const reader_context& ctx, bool suspended_counts) {
  if (!ctx.tenant_id) return false;
  if (c.owner_tenant_id() == *ctx.tenant_id) return true;
  if (const auto* ref = subscription_of(ctx, c.cluster_id())) {
    const auto st = ref->status();
    if (st == fleetledger::v1::SUBSCRIPTION_STATUS_ACTIVE || st == fleetledger::v1::SUBSCRIPTION_STATUS_PENDING_APPROVAL ||
        (suspended_counts && st == fleetledger::v1::SUBSCRIPTION_STATUS_SUSPENDED)) {
      return true;
    }
  }
  return ctx.invited_to.contains(c.cluster_id());
}

std::optional<utilisation_info> utilisation_of(const state_reader& s, const ClusterRecord& c, time_point now) {
  auto u = load<ClusterUtilisation>(s, keys::utilisation(c.cluster_id()));
  if (!u) return std::nullopt;
  utilisation_info out;
  out.reported_at = to_time_point(u->reported_at());
  out.stale = now > out.reported_at + 3 * std::chrono::milliseconds(u->report_interval_ms());
  out.edge_count = u->edge_count();
  out.viewers = u->viewers();
  out.streams = u->streams();
  out.bandwidth_used_bytes_per_sec = u->bw_used_bytes_per_sec();
  out.bandwidth_limit_bytes_per_sec = u->bw_limit_bytes_per_sec();
  if (c.max_viewers() > 0) out.viewer_utilisation = static_cast<double>(u->viewers()) / static_cast<double>(c.max_viewers());
  if (c.max_streams() > 0) out.stream_utilisation = static_cast<double>(u->streams()) / static_cast<double>(c.max_streams());
  if (c.max_bandwidth_mbps() > 0) {
    out.bandwidth_utilisation = static_cast<double>(u->bw_used_bytes_per_sec()) * 8.0 /
                                (static_cast<double>(c.max_bandwidth_mbps()) * 1e6);
  }
  return out;
}

listing_entry make_entry(const state_reader& s, const ClusterRecord& c, const reader_context& ctx, time_point now) {
  listing_entry e;
  e.cluster_id = c.cluster_id();
  e.name = c.name();
  e.display_name = c.display_name();
  e.owner_tenant_id = c.owner_tenant_id();
  e.region = c.region();
  e.cluster_class = c.cluster_class();
  e.visibility = c.visibility();
  e.pricing = {c.pricing_model(), c.monthly_price_cents(), c.currency(), c.metered_price_per_gb_egress_cents(),
               c.metered_price_per_viewer_hour_cents()};
  e.required_tier_level = c.required_tier_level();
  e.requires_approval = c.requires_approval();
  e.short_description = c.short_description();
  const bool is_owner = ctx.tenant_id && *ctx.tenant_id == c.owner_tenant_id();
  if (!is_owner && ctx.tier_level < c.required_tier_level()) {
    e.is_eligible = false;
    e.denial_reason = "TIER_TOO_LOW: tenant tier " + std::to_string(ctx.tier_level) + " < required " +
                      std::to_string(c.required_tier_level());
  }
  if (const auto* ref = subscription_of(ctx, c.cluster_id())) {
    e.subscription_status = ref->status();
    e.subscription_id = ref->subscription_id();
  }
  e.capacity = {c.max_streams(), c.max_viewers(), c.max_bandwidth_mbps()};
  e.utilisation = utilisation_of(s, c, now);
  return e;
}

bool matches(const listing_entry& e, const listing_filter& f) {
  if (f.pricing_model && e.pricing.pricing_model != *f.pricing_model) return false;
  if (f.region && !iequals(e.region, *f.region)) return false;
  if (f.eligible && e.is_eligible != *f.eligible) return false;
  return true;
}

}  // namespace

events::result<listing_filter> make_listing_filter(std::string_view tenant_id, std::string_view pricing_model,
                                                   std::string_view region, std::string_view eligible) {
  listing_filter f;
  if (!tenant_id.empty()) f.tenant_id = std::string(tenant_id);
  if (!pricing_model.empty()) {
    auto v = parse_enum(*fleetledger::v1::PricingModel_descriptor(), pricing_model);
    if (!v) return events::make_error(events::errc::invalid_argument, "unknown pricing_model '" + std::string(pricing_model) + "'");
    f.pricing_model = static_cast<fleetledger::v1::PricingModel>(*v);
  }
  if (!region.empty()) f.region = std::string(region);
  if (!eligible.empty()) {
    if (iequals(eligible, "true")) {
      f.eligible = true;
    } else if (iequals(eligible, "false")) {
      f.eligible = false;
    } else {
      return events::make_error(events::errc::invalid_argument, "eligible must be true or false, not '" +
                                                                    std::string(eligible) + "'");
    }
  }
  return f;
}

std::vector<listing_entry> list_clusters(const state_reader& s, const listing_filter& filter, time_point now) {
  const reader_context ctx =
      load_reader_context(s, filter.tenant_id ? std::optional<std::string_view>(*filter.tenant_id) : std::nullopt, now);
  ownership owners(s);
  std::vector<listing_entry> out;
  s.scan(keys::cluster_prefix(), [&](std::string_view, std::string_view value) {
    ClusterRecord c;
    if (!c.ParseFromArray(value.data(), static_cast<int>(value.size())) || c.deleted()) return true;
    const bool listed = c.visibility() == fleetledger::v1::VISIBILITY_PUBLIC || is_related(c, ctx, false);
    if (!listed || !owners.is_live(c)) return true;
    listing_entry e = make_entry(s, c, ctx, now);
    if (matches(e, filter)) out.push_back(std::move(e));
    return true;
  });
  return out;
}

std::optional<listing_entry> find_cluster(const state_reader& s, std::string_view cluster_id,
                                          std::optional<std::string_view> tenant_id, time_point now) {
  auto c = load<ClusterRecord>(s, keys::cluster(cluster_id));
  if (!c || c->deleted()) return std::nullopt;
  const reader_context ctx = load_reader_context(s, tenant_id, now);
  // PUBLIC and UNLISTED: anyone with the id; PRIVATE: owner, subscribers (suspended ones too), invitees.
  if (c->visibility() == fleetledger::v1::VISIBILITY_PRIVATE && !is_related(*c, ctx, true)) return std::nullopt;
  ownership owners(s);
  if (!owners.is_live(*c)) return std::nullopt;
  return make_entry(s, *c, ctx, now);
}

boost::json::object to_json(const listing_entry& e) {
  boost::json::object o;
  o["cluster_id"] = e.cluster_id;
  o["name"] = e.name;
  o["display_name"] = e.display_name;
  o["owner_tenant_id"] = e.owner_tenant_id;
  o["region"] = e.region;
  o["cluster_class"] = enum_json(e.cluster_class);
  o["visibility"] = enum_json(e.visibility);
  o["pricing"] = boost::json::object{
      {"pricing_model", enum_json(e.pricing.pricing_model)},
      {"monthly_price_cents", e.pricing.monthly_price_cents},
      {"currency", e.pricing.currency},
      {"metered_price_per_gb_egress_cents", e.pricing.metered_price_per_gb_egress_cents},
      {"metered_price_per_viewer_hour_cents", e.pricing.metered_price_per_viewer_hour_cents},
  };
  o["required_tier_level"] = e.required_tier_level;
  o["requires_approval"] = e.requires_approval;
  o["short_description"] = e.short_description;
  o["is_eligible"] = e.is_eligible;
  o["denial_reason"] = optional_string_json(e.denial_reason);
  o["subscription_status"] = e.subscription_status ? enum_json(*e.subscription_status) : boost::json::value(nullptr);
  o["subscription_id"] = optional_string_json(e.subscription_id);
  o["capacity"] = boost::json::object{
      {"max_streams", e.capacity.max_streams},
      {"max_viewers", e.capacity.max_viewers},
      {"max_bandwidth_mbps", e.capacity.max_bandwidth_mbps},
  };
  if (e.utilisation) {
    const auto& u = *e.utilisation;
    auto ratio = [](const std::optional<double>& r) { return r ? boost::json::value(*r) : boost::json::value(nullptr); };
    o["utilisation"] = boost::json::object{
        {"reported_at", rfc3339(u.reported_at)},
        {"stale", u.stale},
        {"edge_count", u.edge_count},
        {"viewers", u.viewers},
        {"streams", u.streams},
        {"bandwidth_used_bytes_per_sec", u.bandwidth_used_bytes_per_sec},
        {"bandwidth_limit_bytes_per_sec", u.bandwidth_limit_bytes_per_sec},
        {"viewer_utilisation", ratio(u.viewer_utilisation)},
        {"stream_utilisation", ratio(u.stream_utilisation)},
        {"bandwidth_utilisation", ratio(u.bandwidth_utilisation)},
    };
  } else {
    o["utilisation"] = nullptr;
  }
  return o;
}

}  // namespace fleetledger::projections::marketplace

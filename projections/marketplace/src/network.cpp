// A tenant's network (official, preferred, effective cluster and their URLs) and its scoring pool.
#include "fleetledger/projections/marketplace/network.hpp"

#include <algorithm>
#include <map>

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>

#include "json_util.hpp"
#include "keys.hpp"
#include "marketplace_records.pb.h"
#include "state.hpp"

namespace fleetledger::projections::marketplace {
namespace {

using namespace detail;
constexpr auto active = fleetledger::v1::SUBSCRIPTION_STATUS_ACTIVE;

std::map<std::string, TenantSubscriptionRef> subscriptions_of(const state_reader& s, std::string_view tenant_id) {
  std::map<std::string, TenantSubscriptionRef> out;
  s.scan(keys::tenant_subscriptions_of(tenant_id), [&](std::string_view key, std::string_view value) {
    TenantSubscriptionRef ref;
    if (ref.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
      out.emplace(std::string(keys::segment(key, 2)), std::move(ref));
    }
    return true;
  });
  return out;
}

struct effective_choice {
  std::string cluster_id;              // empty: none
  std::optional<std::string> fallback; // why the preferred cluster is not effective
};

// Preferred while the tenant's subscription to it is ACTIVE (and the cluster is not deleted), or when
// it is the official cluster; otherwise official.
effective_choice choose_effective(const state_reader& s, const TenantRecord& t,
                                  const std::map<std::string, TenantSubscriptionRef>& subs) {
  const std::string& preferred = t.preferred_cluster_id();
  const std::string& official = t.official_cluster_id();
  if (preferred.empty() || preferred == official) return {official, std::nullopt};
  auto cluster = load<ClusterRecord>(s, keys::cluster(preferred));
  if (!cluster) return {official, "CLUSTER_NOT_FOUND: preferred cluster " + preferred + " is not registered"};
  if (cluster->deleted()) return {official, "CLUSTER_DELETED: preferred cluster " + preferred + " is deleted"};
  auto it = subs.find(preferred);
  if (it == subs.end()) return {official, "NOT_SUBSCRIBED: no subscription to preferred cluster " + preferred};
  if (it->second.status() != active) {
    return {official, "SUBSCRIPTION_NOT_ACTIVE: subscription " + it->second.subscription_id() + " to " + preferred +
                          " is " + name_of(it->second.status())};
  }
  return {preferred, std::nullopt};
}

std::optional<cluster_endpoints> endpoints_of(const state_reader& s, const std::string& cluster_id,
                                              std::string_view fallback_domain) {
  if (cluster_id.empty()) return std::nullopt;
  auto c = load<ClusterRecord>(s, keys::cluster(cluster_id));
  if (!c) return std::nullopt;
  const std::string_view domain = c->domain().empty() ? fallback_domain : std::string_view(c->domain());
  return cluster_endpoints{cluster_id, c->name(), ingest_url(c->name(), domain), playback_url(c->name(), domain)};
}

bool is_peered(const state_reader& s, std::string_view cluster_id, std::string_view tenant_id) {
  return any_key(s, keys::peerings_of(cluster_id, tenant_id));
}

}  // namespace

std::string ingest_url(std::string_view cluster_name, std::string_view domain) {
  return "rtmp://edge-ingest." + std::string(cluster_name) + "." + std::string(domain) + ":1935/live/" +
         std::string(stream_key_placeholder);
}

std::string playback_url(std::string_view cluster_name, std::string_view domain) {
  return "https://foghorn." + std::string(cluster_name) + "." + std::string(domain);
}

std::optional<network_info> tenant_network(const state_reader& s, std::string_view tenant_id,
                                            std::string_view fallback_domain) {
  auto tenant = load<TenantRecord>(s, keys::tenant(tenant_id));
  const auto subs = subscriptions_of(s, tenant_id);
  if (!tenant && subs.empty()) return std::nullopt;
  TenantRecord t = tenant.value_or(TenantRecord{});
  network_info n;
  n.tenant_id = std::string(tenant_id);
  if (t.has_tier()) n.tier_level = t.tier_level();
  if (!t.official_cluster_id().empty()) n.official_cluster_id = t.official_cluster_id();
  if (!t.preferred_cluster_id().empty()) n.preferred_cluster_id = t.preferred_cluster_id();
  const effective_choice eff = choose_effective(s, t, subs);
  if (!eff.cluster_id.empty()) n.effective_cluster_id = eff.cluster_id;
  n.preferred_fallback_reason = eff.fallback;
  for (const auto& [cluster_id, ref] : subs) {
    const auto st = ref.status();
    if (st != active && st != fleetledger::v1::SUBSCRIPTION_STATUS_PENDING_APPROVAL &&
        st != fleetledger::v1::SUBSCRIPTION_STATUS_SUSPENDED) {
      continue;
    }
    auto c = load<ClusterRecord>(s, keys::cluster(cluster_id));
    n.subscribed_clusters.push_back({cluster_id, c ? c->name() : std::string(), ref.subscription_id(), st});
  }
  n.effective = endpoints_of(s, eff.cluster_id, fallback_domain);
  if (t.official_cluster_id() != eff.cluster_id) n.official = endpoints_of(s, t.official_cluster_id(), fallback_domain);
  return n;
}

tenant_pool_members tenant_pool(const state_reader& s, std::string_view tenant_id) {
  tenant_pool_members pool;
  auto tenant = load<TenantRecord>(s, keys::tenant(tenant_id));
  const auto subs = subscriptions_of(s, tenant_id);
  const TenantRecord t = tenant.value_or(TenantRecord{});
  pool.home_cluster_id = choose_effective(s, t, subs).cluster_id;
  pool.official_cluster_id = t.official_cluster_id();
  std::vector<std::string> remote;
  if (!pool.official_cluster_id.empty()) remote.push_back(pool.official_cluster_id);
  for (const auto& [cluster_id, ref] : subs) {
    if (ref.status() != active || !is_peered(s, cluster_id, tenant_id)) continue;
    auto c = load<ClusterRecord>(s, keys::cluster(cluster_id));
    if (c && !c->deleted()) remote.push_back(cluster_id);
  }
  std::sort(remote.begin(), remote.end());
  remote.erase(std::unique(remote.begin(), remote.end()), remote.end());
  std::erase(remote, pool.home_cluster_id);
  pool.remote_cluster_ids = std::move(remote);
  return pool;
}

boost::json::object to_json(const network_info& n) {
  auto endpoints = [](const std::optional<cluster_endpoints>& e) -> boost::json::value {
    if (!e) return nullptr;
    return boost::json::object{{"cluster_id", e->cluster_id},
                               {"name", e->name},
                               {"ingest_url", e->ingest_url},
                               {"playback_url", e->playback_url}};
  };
  boost::json::object o;
  o["tenant_id"] = n.tenant_id;
  o["tier_level"] = n.tier_level ? boost::json::value(*n.tier_level) : boost::json::value(nullptr);
  o["official_cluster_id"] = optional_string_json(n.official_cluster_id);
  o["preferred_cluster_id"] = optional_string_json(n.preferred_cluster_id);
  o["effective_cluster_id"] = optional_string_json(n.effective_cluster_id);
  o["preferred_fallback_reason"] = optional_string_json(n.preferred_fallback_reason);
  boost::json::array subs;
  for (const auto& sc : n.subscribed_clusters) {
    subs.push_back(boost::json::object{{"cluster_id", sc.cluster_id},
                                       {"name", sc.name},
                                       {"subscription_id", sc.subscription_id},
                                       {"status", enum_json(sc.status)}});
  }
  o["subscribed_clusters"] = std::move(subs);
  o["effective"] = endpoints(n.effective);
  o["official"] = endpoints(n.official);
  return o;
}

}  // namespace fleetledger::projections::marketplace

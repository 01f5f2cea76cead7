#include "fleetledger/producers/commands/state_checks.hpp"

#include <boost/json.hpp>

namespace fleetledger::producers {
namespace {

namespace v1 = fleetledger::v1;
using events::errc;
using events::make_error;

std::string string_of(const boost::json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

events::result<boost::json::object> get_json(const reader_client& reader, const std::string& target, int& status) {
  auto r = reader.get(target);
  if (!r) return r.err();
  status = r->status;
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(r->body, ec);
  if (ec || !v.is_object()) {
    if (status == 404) return boost::json::object{};
    return make_error(errc::unavailable, "reader answered " + std::to_string(status) + " without JSON for " + target);
  }
  return std::move(v.as_object());
}

// The cluster as the reader sees it; errc::not_found when unknown or deleted.
events::result<boost::json::object> cluster(const reader_client& reader, const std::string& cluster_id) {
  int status = 0;
  auto o = get_json(reader, "/v1/clusters/" + url_encode(cluster_id), status);
  if (!o) return o;
  if (status == 404) return make_error(errc::not_found, "CLUSTER_NOT_FOUND: cluster '" + cluster_id + "' is not registered (reader " + reader.base_url() + ")");
  if (status != 200) return make_error(errc::unavailable, "reader answered " + std::to_string(status) + " for cluster " + cluster_id);
  if (const auto* d = o->if_contains("deleted"); d != nullptr && d->is_bool() && d->as_bool()) {
    return make_error(errc::not_found, "CLUSTER_NOT_FOUND: cluster '" + cluster_id + "' is deleted");
  }
  return o;
}

events::result<void> cluster_exists(const reader_client& reader, const std::string& cluster_id) {
  auto c = cluster(reader, cluster_id);
  if (!c) return c.err();
  return {};
}

events::result<void> name_free(const reader_client& reader, const std::string& name, const std::string& cluster_id) {
  int status = 0;
  auto o = get_json(reader, "/v1/clusters/by-name/" + url_encode(name), status);
  if (!o) return o.err();
  if (status == 200) {
    const std::string holder = string_of(*o, "cluster_id");
    if (holder != cluster_id) {
      return make_error(errc::conflict, "CLUSTER_ALREADY_EXISTS: name '" + name + "' is taken by cluster " + holder);
    }
  } else if (status != 404) {
    return make_error(errc::unavailable, "reader answered " + std::to_string(status) + " for name " + name);
  }
  return {};
}

// The subscription's status ("PENDING_APPROVAL", ...), from the operator view of the cluster.
events::result<std::string> subscription_status(const reader_client& reader, const std::string& cluster_id,
                                                const std::string& subscription_id) {
  for (int page = 1; page <= 1000; ++page) {
    int status = 0;
    auto o = get_json(reader, "/v1/marketplace/clusters/" + url_encode(cluster_id) + "/subscriptions?page_size=100&page=" +
                                  std::to_string(page), status);
    if (!o) return o.err();
    if (status == 404) return make_error(errc::not_found, "CLUSTER_NOT_FOUND: cluster '" + cluster_id + "' is not in the marketplace view");
    if (status != 200) return make_error(errc::unavailable, "reader answered " + std::to_string(status) + " listing subscriptions");
    const auto* items = o->if_contains("items");
    if (items == nullptr || !items->is_array()) break;
    for (const auto& it : items->as_array()) {
      if (it.is_object() && string_of(it.as_object(), "subscription_id") == subscription_id) {
        return string_of(it.as_object(), "status");
      }
    }
    const auto* pages = o->if_contains("total_pages");
    if (pages == nullptr || !pages->is_int64() || page >= pages->as_int64()) break;
  }
  return make_error(errc::not_found, "SUBSCRIPTION_NOT_FOUND: subscription '" + subscription_id + "' is not on cluster " + cluster_id);
}

events::result<void> expect_status(const reader_client& reader, const std::string& cluster_id,
                                   const std::string& subscription_id, std::initializer_list<std::string_view> allowed,
                                   std::string_view action) {
  auto s = subscription_status(reader, cluster_id, subscription_id);
  if (!s) return s.err();
  for (auto a : allowed) {
    if (*s == a) return {};
  }
  return make_error(errc::conflict, "SUBSCRIPTION_STATE: cannot " + std::string(action) + " subscription " + subscription_id +
                                        ": it is " + *s);
}

events::result<void> owner_is(const reader_client& reader, const std::string& cluster_id, const std::string& who) {
  auto c = cluster(reader, cluster_id);
  if (!c) return c.err();
  const std::string owner = string_of(*c, "owner_tenant_id");
  if (!owner.empty() && owner != who) {
    return make_error(errc::invalid_argument, "FORBIDDEN: '" + who + "' is not the owner of cluster " + cluster_id +
                                                  " (owner: " + owner + ")");
  }
  return {};
}

}  // namespace

events::result<void> check_state(const command_spec& spec, const built_command& command, const reader_client& reader) {
  if (command.events.empty()) return {};
  const v1::Envelope& e = command.events.front();
  switch (e.payload_case()) {
    case v1::Envelope::kClusterRegistered: {
      const auto& m = e.cluster_registered();
      int status = 0;
      auto o = get_json(reader, "/v1/clusters/" + url_encode(m.cluster_id()), status);
      if (!o) return o.err();
      if (status == 200) return make_error(errc::conflict, "CLUSTER_ALREADY_EXISTS: cluster id " + m.cluster_id() + " is already registered");
      return name_free(reader, m.name(), m.cluster_id());
    }
    case v1::Envelope::kPrivateClusterCreated: {
      const auto& m = e.private_cluster_created();
      return name_free(reader, m.name(), m.cluster_id());
    }
    case v1::Envelope::kClusterUpdated: return cluster_exists(reader, e.cluster_updated().cluster_id());
    case v1::Envelope::kClusterDeleted: return cluster_exists(reader, e.cluster_deleted().cluster_id());
    case v1::Envelope::kClusterRefreshRequested: return cluster_exists(reader, e.cluster_refresh_requested().cluster_id());
    case v1::Envelope::kClusterMarketplaceUpdated: return cluster_exists(reader, e.cluster_marketplace_updated().cluster_id());
    case v1::Envelope::kClusterInviteCreated: return cluster_exists(reader, e.cluster_invite_created().cluster_id());
    case v1::Envelope::kClusterInviteRevoked: return cluster_exists(reader, e.cluster_invite_revoked().cluster_id());
    case v1::Envelope::kPeeringActivated: return cluster_exists(reader, e.peering_activated().cluster_id());
    case v1::Envelope::kPreferredClusterSet:
      if (e.preferred_cluster_set().cluster_id().empty()) return {};
      return cluster_exists(reader, e.preferred_cluster_set().cluster_id());
    case v1::Envelope::kTenantBillingTierChanged:
      if (e.tenant_billing_tier_changed().official_cluster_id().empty()) return {};
      return cluster_exists(reader, e.tenant_billing_tier_changed().official_cluster_id());
    case v1::Envelope::kSubscriptionRequested: {
      const auto& m = e.subscription_requested();
      if (auto r = cluster_exists(reader, m.cluster_id()); !r) return r;
      int status = 0;
      auto o = get_json(reader, "/v1/marketplace/clusters/" + url_encode(m.cluster_id()) + "?tenant_id=" + url_encode(m.tenant_id()), status);
      if (!o) return o.err();
      if (status != 200) return {};  // not visible to this tenant (private): the invite decides in the projection
      const std::string sub = string_of(*o, "subscription_status");
      if (sub == "ACTIVE" || sub == "PENDING_APPROVAL") {
        return make_error(errc::conflict, "SUBSCRIPTION_EXISTS: tenant " + m.tenant_id() + " already has a " + sub +
                                              " subscription (" + string_of(*o, "subscription_id") + ") to cluster " + m.cluster_id());
      }
      if (const auto* el = o->if_contains("is_eligible"); el != nullptr && el->is_bool() && !el->as_bool()) {
        const std::string reason = string_of(*o, "denial_reason");
        return make_error(errc::invalid_argument, "NOT_ELIGIBLE: tenant " + m.tenant_id() + " may not subscribe to cluster " +
                                                      m.cluster_id() + (reason.empty() ? "" : ": " + reason));
      }
      return {};
    }
    case v1::Envelope::kSubscriptionApproved: {
      const auto& m = e.subscription_approved();
      if (auto r = owner_is(reader, m.cluster_id(), m.approved_by()); !r) return r;
      return expect_status(reader, m.cluster_id(), m.subscription_id(), {"PENDING_APPROVAL"}, "approve");
    }
    case v1::Envelope::kSubscriptionRejected: {
      const auto& m = e.subscription_rejected();
      if (auto r = owner_is(reader, m.cluster_id(), m.rejected_by()); !r) return r;
      return expect_status(reader, m.cluster_id(), m.subscription_id(), {"PENDING_APPROVAL"}, "reject");
    }
    case v1::Envelope::kSubscriptionSuspended: {
      const auto& m = e.subscription_suspended();
      return expect_status(reader, m.cluster_id(), m.subscription_id(), {"ACTIVE"}, "suspend");
    }
    case v1::Envelope::kSubscriptionReinstated: {
      const auto& m = e.subscription_reinstated();
      return expect_status(reader, m.cluster_id(), m.subscription_id(), {"SUSPENDED"}, "reinstate");
    }
    case v1::Envelope::kSubscriptionCancelled: {
      const auto& m = e.subscription_cancelled();
      return expect_status(reader, m.cluster_id(), m.subscription_id(), {"ACTIVE", "PENDING_APPROVAL", "SUSPENDED"}, "cancel");
    }
    default:
      (void)spec;
      return {};
  }
}

}  // namespace fleetledger::producers

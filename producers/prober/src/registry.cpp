// Folding fleet.cluster.v1 into the prober's target list.
#include "fleetledger/producers/prober/registry.hpp"

#include <set>

namespace fleetledger::producers::prober {
namespace {

namespace v1 = fleetledger::v1;

// Applies a ClusterUpdated's fields named by its mask (or, with an empty mask, every non-default one)
// that matter to probing.
void apply_update(const v1::ClusterUpdated& u, cluster_target& t) {
  std::set<std::string> paths(u.update_mask().paths().begin(), u.update_mask().paths().end());
  const bool implicit = paths.empty();
  auto named = [&](const std::string& p) { return paths.contains(p); };
  if (named("api_server_url") || (implicit && !u.api_server_url().empty())) t.api_server_url = u.api_server_url();
  if (named("cluster_type") || (implicit && u.cluster_type() != v1::CLUSTER_TYPE_UNSPECIFIED)) t.type = u.cluster_type();
  if (named("ca_cert_pem") || (implicit && !u.ca_cert_pem().empty())) t.ca_cert_pem = u.ca_cert_pem();
  if (named("endpoints")) {
    t.endpoints = u.endpoints();
    return;
  }
  const auto& e = u.endpoints();
  if (named("endpoints.prometheus_url") || (implicit && !e.prometheus_url().empty())) t.endpoints.set_prometheus_url(e.prometheus_url());
  if (named("endpoints.tempo_url") || (implicit && !e.tempo_url().empty())) t.endpoints.set_tempo_url(e.tempo_url());
  if (named("endpoints.loki_url") || (implicit && !e.loki_url().empty())) t.endpoints.set_loki_url(e.loki_url());
  if (named("endpoints.alertmanager_url") || (implicit && !e.alertmanager_url().empty())) t.endpoints.set_alertmanager_url(e.alertmanager_url());
}

}  // namespace

cluster_target* cluster_registry::find(const std::string& cluster_id) {
  auto it = clusters_.find(cluster_id);
  return it == clusters_.end() ? nullptr : &it->second;
}

registry_change cluster_registry::apply(const v1::Envelope& env, bool learn_results) {
  switch (env.payload_case()) {
    case v1::Envelope::kClusterRegistered: {
      const auto& r = env.cluster_registered();
      auto& t = clusters_[r.cluster_id()];
      const bool existed = !t.cluster_id.empty();
      t.cluster_id = r.cluster_id();
      t.api_server_url = r.api_server_url();
      t.type = r.cluster_type();
      t.endpoints = r.endpoints();
      t.ca_cert_pem = r.ca_cert_pem();
      return existed ? registry_change::updated : registry_change::added;
    }
    case v1::Envelope::kClusterUpdated: {
      auto* t = find(env.cluster_updated().cluster_id());
      if (t == nullptr) return registry_change::none;
      apply_update(env.cluster_updated(), *t);
      return registry_change::updated;
    }
    case v1::Envelope::kClusterDeleted:
      return clusters_.erase(env.cluster_deleted().cluster_id()) > 0 ? registry_change::deleted : registry_change::none;
    case v1::Envelope::kClusterCredentialsStored:
    case v1::Envelope::kClusterCredentialsRotated: {
      const bool stored = env.payload_case() == v1::Envelope::kClusterCredentialsStored;
      const auto& id = stored ? env.cluster_credentials_stored().cluster_id() : env.cluster_credentials_rotated().cluster_id();
      auto* t = find(id);
      if (t == nullptr) return registry_change::none;
      if (stored) {
        t->secret = env.cluster_credentials_stored().secret();
        t->auth_type = env.cluster_credentials_stored().auth_type();
        t->secret_fingerprint = env.cluster_credentials_stored().fingerprint();
      } else {
        t->secret = env.cluster_credentials_rotated().secret();
        t->auth_type = env.cluster_credentials_rotated().auth_type();
        t->secret_fingerprint = env.cluster_credentials_rotated().fingerprint();
      }
      return registry_change::credentials_changed;
    }
    case v1::Envelope::kClusterCredentialsDeleted: {
      auto* t = find(env.cluster_credentials_deleted().cluster_id());
      if (t == nullptr) return registry_change::none;
      t->secret.reset();
      t->auth_type = v1::AUTH_TYPE_UNSPECIFIED;
      t->secret_fingerprint.clear();
      return registry_change::credentials_changed;
    }
    case v1::Envelope::kClusterRefreshRequested:
      return find(env.cluster_refresh_requested().cluster_id()) != nullptr ? registry_change::refresh_requested
                                                                           : registry_change::none;
    case v1::Envelope::kClusterHealthChecked: {
      if (!learn_results) return registry_change::none;
      auto* t = find(env.cluster_health_checked().cluster_id());
      if (t != nullptr && env.cluster_health_checked().state() != v1::CLUSTER_STATE_UNSPECIFIED) {
        t->last_state = env.cluster_health_checked().state();
      }
      return registry_change::none;
    }
    case v1::Envelope::kClusterStatusChanged: {
      if (!learn_results) return registry_change::none;
      auto* t = find(env.cluster_status_changed().cluster_id());
      if (t != nullptr && env.cluster_status_changed().new_state() != v1::CLUSTER_STATE_UNSPECIFIED) {
        t->last_state = env.cluster_status_changed().new_state();
      }
      return registry_change::none;
    }
    case v1::Envelope::kClusterCapabilitiesChanged: {
      if (!learn_results) return registry_change::none;
      auto* t = find(env.cluster_capabilities_changed().cluster_id());
      if (t != nullptr) t->last_capabilities = env.cluster_capabilities_changed();
      return registry_change::none;
    }
    default:
      return registry_change::none;
  }
}

}  // namespace fleetledger::producers::prober

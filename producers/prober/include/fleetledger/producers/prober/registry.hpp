#pragma once
// What the prober knows about registered clusters, folded from fleet.cluster.v1: endpoints, type, CA,
// sealed credentials, and the last health state and capabilities the topic holds (so a restarted
// prober neither reports a spurious state change nor republishes unchanged capabilities).
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "fleetledger/v1/envelope.pb.h"

namespace fleetledger::producers::prober {

struct cluster_target {
  std::string cluster_id;
  std::string api_server_url;
  fleetledger::v1::ClusterType type{fleetledger::v1::CLUSTER_TYPE_UNSPECIFIED};
  fleetledger::v1::ClusterEndpoints endpoints;
  std::string ca_cert_pem;
  // Credentials (ciphertext only) from ClusterCredentialsStored/Rotated; cleared on Deleted.
  std::optional<fleetledger::v1::SealedSecret> secret;
  fleetledger::v1::AuthType auth_type{fleetledger::v1::AUTH_TYPE_UNSPECIFIED};
  std::string secret_fingerprint;
  // Last state published on the topic (UNKNOWN before any check).
  fleetledger::v1::ClusterState last_state{fleetledger::v1::CLUSTER_STATE_UNKNOWN};
  // Last capabilities published on the topic, if any.
  std::optional<fleetledger::v1::ClusterCapabilitiesChanged> last_capabilities;
};

// What applying one event means for the scheduler.
enum class registry_change { none, added, updated, deleted, refresh_requested, credentials_changed };

class cluster_registry {
public:
  // Folds one cluster-topic event. learn_results: also take ClusterHealthChecked/StatusChanged
  // states and ClusterCapabilitiesChanged as "last published" (true while catching up on start;
  // afterwards the prober tracks its own results and must not be moved back by its older events).
  registry_change apply(const fleetledger::v1::Envelope& env, bool learn_results);

  [[nodiscard]] cluster_target* find(const std::string& cluster_id);
  [[nodiscard]] const std::map<std::string, cluster_target>& clusters() const noexcept { return clusters_; }
  [[nodiscard]] std::size_t size() const noexcept { return clusters_.size(); }

private:
  std::map<std::string, cluster_target> clusters_;
};

}  // namespace fleetledger::producers::prober

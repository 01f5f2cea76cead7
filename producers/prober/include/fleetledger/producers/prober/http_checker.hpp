#pragma once
// The prober's network side: asynchronous HTTP(S) GETs (Boost.Beast over Asio, OpenSSL) run on one
// background I/O thread. TLS verifies the peer against the system CAs plus the cluster's ca_cert_pem
// (when set) and checks the host name or IP address. Every request has a deadline; nothing blocks the
// caller: check() returns at once and calls back (on the I/O thread) with the outcome.
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "fleetledger/producers/prober/assessment.hpp"
#include "fleetledger/v1/cluster.pb.h"

namespace fleetledger::producers::prober {

// One cluster to check: its URLs, TLS trust, timeout, and (when discovery is wanted) the bearer token.
struct check_job {
  std::string cluster_id;
  std::string api_server_url;
  fleetledger::v1::ClusterEndpoints endpoints;
  std::string ca_cert_pem;
  std::chrono::milliseconds timeout{std::chrono::seconds(10)};
  std::string bearer_token;  // sent to the API server (and used for discovery) when not empty
  bool discover{false};      // after a successful API check, read nodes/namespaces/pods
};

struct check_outcome {
  std::string cluster_id;
  probe_result api_server, prometheus, tempo, loki;
  std::chrono::system_clock::time_point checked_at;
  bool discovery_attempted{false};
  std::optional<fleetledger::v1::ClusterCapabilitiesChanged> capabilities;  // set when discovery succeeded
  std::string discovery_error;
};

class http_checker {
public:
  http_checker();
  ~http_checker();  // stops the I/O thread; pending callbacks are dropped
  http_checker(const http_checker&) = delete;
  http_checker& operator=(const http_checker&) = delete;

  // Starts the checks of one cluster (all its endpoints concurrently); done runs on the I/O thread.
  void check(check_job job, std::function<void(check_outcome)> done);

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace fleetledger::producers::prober

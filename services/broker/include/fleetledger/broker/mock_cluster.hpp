#pragma once
// The dev broker's Kafka side: a librdkafka mock cluster (one broker) listening on the configured
// address and port, with the topic catalogue created.
//
// Limits of the mock (librdkafka 2.0.2) that users must know: each partition keeps only the last
// 5 MiB or 100,000 message sets and silently drops older ones (retention_monitor warns about it);
// no SSL/SASL; transactions are not enforced; ListOffsets by timestamp returns -1. Durable history
// arrives with the archive (issue 6: the broker will run the archiver inside itself and re-append
// archived records on restart, before it prints its bootstrap line).
#include <cstdint>
#include <string>
#include <vector>

#include "fleetledger/broker/config.hpp"
#include "fleetledger/broker/kafka_handles.hpp"
#include "fleetledger/events/result.hpp"

namespace fleetledger::broker {

// The mock's retention limits per partition (rdkafka_mock.c, not configurable in 2.0.2).
inline constexpr std::int64_t mock_max_partition_bytes = 5 * 1024 * 1024;
inline constexpr std::int64_t mock_max_partition_message_sets = 100'000;

class mock_cluster {
 public:
  // Creates the cluster on config.listen_address:config.port and the topics. A port in use or a
  // topic that cannot be created is an error with a one-line message.
  [[nodiscard]] static events::result<mock_cluster> start(const broker_config& config);

  // "<address>:<port>", the same address the mock advertises in Metadata.
  [[nodiscard]] const std::string& bootstrap() const { return bootstrap_; }
  [[nodiscard]] const std::vector<topic_partitions>& topics() const { return topics_; }
  [[nodiscard]] rd_kafka_mock_cluster_t* handle() const { return cluster_.get(); }

 private:
  mock_cluster() = default;
  // Declaration order matters: the cluster is destroyed before the handle that owns it.
  kafka_handle_ptr owner_;
  mock_cluster_ptr cluster_;
  std::string bootstrap_;
  std::vector<topic_partitions> topics_;
};

}  // namespace fleetledger::broker

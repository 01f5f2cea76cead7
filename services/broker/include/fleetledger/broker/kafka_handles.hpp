#pragma once
// RAII for the mock cluster handle (the client handles' deleters live in fleetledger::events), and
// the log routing every librdkafka handle of the broker uses.
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <memory>

#include "fleetledger/events/kafka_handles.hpp"

namespace fleetledger::broker {

using events::kafka_conf_ptr;
using events::kafka_handle_ptr;
using events::kafka_partition_list_ptr;
using events::kafka_queue_ptr;

// Destroy before the rd_kafka_t that owns the cluster.
struct mock_cluster_deleter {
  void operator()(rd_kafka_mock_cluster_t* m) const noexcept { rd_kafka_mock_cluster_destroy(m); }
};
using mock_cluster_ptr = std::unique_ptr<rd_kafka_mock_cluster_t, mock_cluster_deleter>;

// Routes librdkafka's own log lines (warnings at warn, errors at error, the rest at debug) into the
// JSON-lines log on stderr. Set on every configuration the broker creates.
void route_logs(rd_kafka_conf_t* conf) noexcept;

}  // namespace fleetledger::broker

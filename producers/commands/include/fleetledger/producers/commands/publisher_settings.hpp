#pragma once
// The producer settings of the write side's command-line tools (fleetctl), in one place so that the
// offering import benchmark's publish phase uses exactly what fleetctl uses.
#include <chrono>
#include <string>

#include "fleetledger/events/kafka_config.hpp"

namespace fleetledger::producers {

// fleetctl's publisher: quiet librdkafka logging, at most 5,000 records queued, no linger, the given
// delivery timeout (and a close timeout of at most 10 s).
[[nodiscard]] events::publisher_config command_line_publisher(const std::string& brokers,
                                                              std::chrono::milliseconds delivery_timeout);

}  // namespace fleetledger::producers

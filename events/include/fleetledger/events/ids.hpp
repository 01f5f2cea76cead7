#pragma once
// Identifiers and log positions used across fleetledger.
#include <cstdint>
#include <string>
#include <vector>

#include "fleetledger/events/strong_type.hpp"

namespace fleetledger::events {

using cluster_id = strong_type<std::string, struct cluster_id_tag>;
using tenant_id = strong_type<std::string, struct tenant_id_tag>;
using event_id = strong_type<std::string, struct event_id_tag>;
using topic_name = strong_type<std::string, struct topic_name_tag>;
using partition_id = strong_type<std::int32_t, struct partition_id_tag>;
// A Kafka offset. Where it names a consumer position it follows Kafka's committed-offset convention:
// the next offset to read.
using offset = strong_type<std::int64_t, struct offset_tag>;

struct topic_partition {
  topic_name topic;
  partition_id partition;
  friend auto operator<=>(const topic_partition&, const topic_partition&) = default;
  friend bool operator==(const topic_partition&, const topic_partition&) = default;
};

// Where one record was appended: its topic, partition and offset.
struct record_position {
  topic_name topic;
  partition_id partition;
  offset at;
  friend auto operator<=>(const record_position&, const record_position&) = default;
  friend bool operator==(const record_position&, const record_position&) = default;
};

// A consumer position per partition ("the next offset to apply"), e.g. a view's progress.
struct partition_offset {
  topic_partition where;
  offset next;
  friend bool operator==(const partition_offset&, const partition_offset&) = default;
};
using offset_vector = std::vector<partition_offset>;

}  // namespace fleetledger::events

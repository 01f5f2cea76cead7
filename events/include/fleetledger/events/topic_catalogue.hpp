#pragma once
// The topic catalogue of DESIGN.md section 2: names, what the key is, default partition counts.
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace fleetledger::events {

enum class key_kind { cluster_id, tenant_id, provider_id, original_key };

struct topic_spec {
  std::string_view name;
  key_kind key;
  std::int32_t default_partitions;
  bool is_event_topic;  // the four topics whose log is the source of truth (retention.ms=-1)
};

inline constexpr std::string_view cluster_topic = "fleet.cluster.v1";
inline constexpr std::string_view tenant_topic = "fleet.tenant.v1";
inline constexpr std::string_view edge_topic = "fleet.edge.v1";
inline constexpr std::string_view offering_topic = "fleet.offering.v1";
inline constexpr std::string_view deadletter_topic = "fleet.deadletter.v1";

// Every topic fleetledger uses, in a fixed order.
[[nodiscard]] std::span<const topic_spec> topic_catalogue() noexcept;
// The four event topics (everything but the dead-letter topic).
[[nodiscard]] std::span<const topic_spec> event_topics() noexcept;
[[nodiscard]] std::optional<topic_spec> find_topic(std::string_view name) noexcept;
[[nodiscard]] std::string_view to_string(key_kind k) noexcept;

// Record headers every fleetledger producer sets.
inline constexpr std::string_view header_type = "fl-type";
inline constexpr std::string_view header_event_id = "fl-event-id";
inline constexpr std::string_view header_schema = "fl-schema";
inline constexpr std::string_view schema_name = "fleetledger.v1";

// Headers on a dead-letter record naming where it came from and why it was refused.
inline constexpr std::string_view header_dlq_topic = "fl-dlq-topic";
inline constexpr std::string_view header_dlq_partition = "fl-dlq-partition";
inline constexpr std::string_view header_dlq_offset = "fl-dlq-offset";
inline constexpr std::string_view header_dlq_consumer = "fl-dlq-consumer";
inline constexpr std::string_view header_dlq_reason = "fl-dlq-reason";

}  // namespace fleetledger::events

#include "fleetledger/events/topic_catalogue.hpp"

#include <array>

namespace fleetledger::events {
namespace {
// The dead-letter topic is last so that event_topics() is a prefix of the catalogue.
constexpr std::array<topic_spec, 5> catalogue{{
    {cluster_topic, key_kind::cluster_id, 12, true},
    {tenant_topic, key_kind::tenant_id, 6, true},
    {edge_topic, key_kind::cluster_id, 12, true},
    {offering_topic, key_kind::provider_id, 6, true},
    {deadletter_topic, key_kind::original_key, 3, false},
}};
}  // namespace

std::span<const topic_spec> topic_catalogue() noexcept { return catalogue; }

std::span<const topic_spec> event_topics() noexcept {
  return std::span<const topic_spec>(catalogue).first(4);
}

std::optional<topic_spec> find_topic(std::string_view name) noexcept {
  for (const auto& t : catalogue) {
    if (t.name == name) return t;
  }
  return std::nullopt;
}

std::string_view to_string(key_kind k) noexcept {
  switch (k) {
    case key_kind::cluster_id: return "cluster_id";
    case key_kind::tenant_id: return "tenant_id";
    case key_kind::provider_id: return "provider_id";
    case key_kind::original_key: return "original_key";
  }
  return "unknown";
}

}  // namespace fleetledger::events

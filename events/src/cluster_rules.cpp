#include "fleetledger/events/cluster_rules.hpp"

#include <algorithm>
#include <string>

namespace fleetledger::events {
namespace {

constexpr std::size_t name_min = 3;
constexpr std::size_t name_max = 63;

constexpr bool is_lower_alnum(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// What is wrong with the name, or nullptr when it is a valid DNS label.
const char* name_problem(std::string_view name) noexcept {
  if (name.size() < name_min) return "must be at least 3 characters";
  if (name.size() > name_max) return "must be at most 63 characters";
  for (const char c : name) {
    if (!is_lower_alnum(c) && c != '-') return "may contain only lower-case letters, digits and '-'";
  }
  if (!is_lower_alnum(name.front())) return "must start with a lower-case letter or digit";
  if (!is_lower_alnum(name.back())) return "must end with a lower-case letter or digit";
  return nullptr;
}

// Printable rendering of an arbitrary (possibly binary) name for messages.
std::string quoted(std::string_view name) {
  std::string out = "\"";
  const std::size_t shown = std::min<std::size_t>(name.size(), 80);
  for (std::size_t i = 0; i < shown; ++i) {
    const auto c = static_cast<unsigned char>(name[i]);
    if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {
      static constexpr char hex[] = "0123456789abcdef";
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 0xf];
    } else {
      out += static_cast<char>(c);
    }
  }
  if (shown < name.size()) out += "...";
  out += '"';
  return out;
}

}  // namespace

bool is_valid_cluster_name(std::string_view name) noexcept { return name_problem(name) == nullptr; }

result<void> validate_cluster_name(std::string_view name) {
  if (const char* problem = name_problem(name)) {
    return make_error(errc::invalid_argument,
                      "INVALID_CLUSTER_NAME: name " + quoted(name) +
                          " is not a DNS label ^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$: " + problem);
  }
  return {};
}

health_assessment assess_health(const fleetledger::v1::ClusterHealthChecked& check) noexcept {
  using fleetledger::v1::CHECK_STATUS_FAILED;
  using fleetledger::v1::CHECK_STATUS_OK;
  const bool api_up = check.api_server().status() == CHECK_STATUS_OK;
  int score = health_score_max;
  bool other_failed = false;
  if (!api_up) score -= api_server_down_penalty;
  if (check.prometheus().status() == CHECK_STATUS_FAILED) {
    score -= prometheus_down_penalty;
    other_failed = true;
  }
  if (check.tempo().status() == CHECK_STATUS_FAILED) {
    score -= tempo_down_penalty;
    other_failed = true;
  }
  if (check.loki().status() == CHECK_STATUS_FAILED) {
    score -= loki_down_penalty;
    other_failed = true;
  }
  health_assessment out;
  out.score = std::max(score, 0);
  if (!api_up) {
    out.state = fleetledger::v1::CLUSTER_STATE_OFFLINE;
  } else if (other_failed) {
    out.state = fleetledger::v1::CLUSTER_STATE_DEGRADED;
  } else {
    out.state = fleetledger::v1::CLUSTER_STATE_ONLINE;
  }
  return out;
}

std::chrono::seconds check_interval(fleetledger::v1::ClusterType type) noexcept {
  switch (type) {
    case fleetledger::v1::CLUSTER_TYPE_HUB: return std::chrono::seconds(15);
    case fleetledger::v1::CLUSTER_TYPE_EDGE: return std::chrono::seconds(60);
    case fleetledger::v1::CLUSTER_TYPE_FAR_EDGE: return std::chrono::seconds(120);
    default: return std::chrono::seconds(30);  // SPOKE, unspecified, unknown
  }
}

std::chrono::seconds check_timeout(fleetledger::v1::ClusterType type) noexcept {
  switch (type) {
    case fleetledger::v1::CLUSTER_TYPE_HUB: return std::chrono::seconds(5);
    case fleetledger::v1::CLUSTER_TYPE_EDGE: return std::chrono::seconds(15);
    case fleetledger::v1::CLUSTER_TYPE_FAR_EDGE: return std::chrono::seconds(30);
    default: return std::chrono::seconds(10);
  }
}

}  // namespace fleetledger::events

// Bearer tokens, capabilities and health events: no I/O here, so all of it is unit-tested.
#include "fleetledger/producers/prober/assessment.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <vector>

#include "fleetledger/events/cluster_rules.hpp"
#include "fleetledger/events/timestamps.hpp"

namespace fleetledger::producers::prober {
namespace {

using fleetledger::events::errc;
using fleetledger::events::make_error;
namespace v1 = fleetledger::v1;
namespace json = boost::json;

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string unquote(std::string_view s) {
  s = trim(s);
  if (s.size() >= 2 && ((s.front() == '"' && s.back() == '"') || (s.front() == '\'' && s.back() == '\''))) {
    s = s.substr(1, s.size() - 2);
  }
  return std::string(s);
}

// A tiny reader for the block-style YAML of kubeconfig files: enough to find current-context, the
// context's user and that user's token. Lines: indentation, optional "- ", "key: value".
struct yaml_line {
  std::size_t indent{0};
  bool item{false};  // starts with "- "
  std::string key, value;
};

std::vector<yaml_line> yaml_lines(std::string_view text) {
  std::vector<yaml_line> out;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    yaml_line l;
    while (l.indent < line.size() && line[l.indent] == ' ') ++l.indent;
    std::string_view rest = line.substr(l.indent);
    if (rest.empty() || rest.front() == '#') continue;
    if (rest.starts_with("- ") || rest == "-") {
      l.item = true;
      rest.remove_prefix(std::min<std::size_t>(2, rest.size()));
      l.indent += 2;
    }
    const auto colon = rest.find(':');
    if (colon == std::string_view::npos) continue;
    l.key = std::string(trim(rest.substr(0, colon)));
    l.value = unquote(rest.substr(colon + 1));
    out.push_back(std::move(l));
  }
  return out;
}

struct kube_entry {
  std::string name;
  std::map<std::string, std::string> fields;  // nested fields by key (user.token, context.user, ...)
};

// Entries of a top-level list (contexts, users): each "- name: x" with its nested key/values.
std::vector<kube_entry> top_list(const std::vector<yaml_line>& lines, const std::string& list_key) {
  std::vector<kube_entry> out;
  bool inside = false;
  std::size_t item_indent = 0;
  for (const auto& l : lines) {
    if (l.indent == 0 && !l.item) {
      inside = l.key == list_key;
      continue;
    }
    if (!inside) continue;
    if (l.item && (out.empty() || l.indent <= item_indent)) {
      out.emplace_back();
      item_indent = l.indent;
    }
    if (out.empty()) continue;
    if (l.key == "name" && l.indent == item_indent) {
      out.back().name = l.value;
    } else if (!l.value.empty()) {
      out.back().fields[l.key] = l.value;
    } else {
      out.back().fields.emplace(l.key, "");
    }
  }
  return out;
}

const json::value* at_path(const json::value& v, std::initializer_list<std::string_view> path) {
  const json::value* cur = &v;
  for (auto key : path) {
    if (!cur->is_object()) return nullptr;
    cur = cur->get_object().if_contains(key);
    if (cur == nullptr) return nullptr;
  }
  return cur;
}

std::string string_at(const json::value& v, std::initializer_list<std::string_view> path) {
  const auto* x = at_path(v, path);
  return x != nullptr && x->is_string() ? std::string(x->get_string()) : std::string();
}

fleetledger::events::result<json::array> list_items(std::string_view body, std::string_view what) {
  boost::system::error_code ec;
  auto doc = json::parse(json::string_view(body.data(), body.size()), ec);
  if (ec) return make_error(errc::decode_failed, std::string(what) + " is not JSON: " + ec.message());
  const auto* items = at_path(doc, {"items"});
  if (items == nullptr || !items->is_array()) {
    return make_error(errc::decode_failed, std::string(what) + " is not a Kubernetes list (no items array)");
  }
  return items->get_array();
}

// "4", "2k" (unlikely for GPUs), integers in JSON: the count as an integer, 0 when unreadable.
std::int64_t quantity(const json::value* v) {
  if (v == nullptr) return 0;
  if (v->is_int64()) return std::max<std::int64_t>(v->get_int64(), 0);
  if (v->is_uint64()) return static_cast<std::int64_t>(v->get_uint64());
  if (!v->is_string()) return 0;
  std::string s(v->get_string());
  try {
    std::size_t used = 0;
    const long long n = std::stoll(s, &used);
    if (used == s.size()) return std::max<long long>(n, 0);
    if (s.substr(used) == "k") return n * 1000;
  } catch (...) {
  }
  return 0;
}

struct observability {
  bool prometheus{false}, thanos{false}, tempo{false}, loki{false}, mesh{false};
  void note(std::string_view name) {
    std::string n(name);
    std::transform(n.begin(), n.end(), n.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (n.find("thanos") != std::string::npos) thanos = true;
    else if (n.find("prometheus") != std::string::npos) prometheus = true;
    if (n.find("tempo") != std::string::npos) tempo = true;
    if (n.find("loki") != std::string::npos) loki = true;
    if (n.find("istio") != std::string::npos || n.find("linkerd") != std::string::npos) mesh = true;
  }
};

void add_probe(v1::CheckResult& out, const probe_result& p) {
  out.set_status(p.status);
  if (p.status != v1::CHECK_STATUS_NOT_CONFIGURED) {
    out.mutable_latency()->set_seconds(p.latency.count() / 1000);
    out.mutable_latency()->set_nanos(static_cast<std::int32_t>((p.latency.count() % 1000) * 1'000'000));
  }
  out.set_error(p.error);
  out.set_http_status(p.http_status);
}

}  // namespace

fleetledger::events::result<std::string> bearer_token(v1::AuthType type, std::string_view secret) {
  if (type != v1::AUTH_TYPE_KUBECONFIG) {
    const auto t = trim(secret);
    if (t.empty()) return make_error(errc::not_found, "the stored token is empty");
    if (t.find_first_of(" \t\r\n") != std::string_view::npos) {
      return make_error(errc::invalid_argument, "the stored token contains whitespace; is it a kubeconfig?");
    }
    return std::string(t);
  }
  const auto lines = yaml_lines(secret);
  std::string current_context;
  for (const auto& l : lines) {
    if (l.indent == 0 && !l.item && l.key == "current-context") current_context = l.value;
  }
  const auto users = top_list(lines, "users");
  if (users.empty()) return make_error(errc::not_found, "the kubeconfig has no users");
  const kube_entry* user = &users.front();
  if (!current_context.empty()) {
    for (const auto& c : top_list(lines, "contexts")) {
      if (c.name != current_context) continue;
      const auto it = c.fields.find("user");
      if (it == c.fields.end()) break;
      const auto u = std::find_if(users.begin(), users.end(), [&](const kube_entry& e) { return e.name == it->second; });
      if (u == users.end()) return make_error(errc::not_found, "the kubeconfig's context user '" + it->second + "' is not defined");
      user = &*u;
    }
  }
  if (const auto it = user->fields.find("token"); it != user->fields.end() && !it->second.empty()) return it->second;
  if (user->fields.contains("client-certificate-data") || user->fields.contains("client-certificate")) {
    return make_error(errc::not_found, "the kubeconfig user '" + user->name +
                                           "' authenticates with a client certificate; only bearer tokens are supported");
  }
  if (user->fields.contains("exec") || user->fields.contains("auth-provider")) {
    return make_error(errc::not_found, "the kubeconfig user '" + user->name +
                                           "' uses an exec/auth-provider plugin; only bearer tokens are supported");
  }
  return make_error(errc::not_found, "the kubeconfig user '" + user->name + "' has no token");
}

fleetledger::events::result<v1::ClusterCapabilitiesChanged> capabilities_from(const std::string& cluster_id,
                                                                              std::string_view nodes_json,
                                                                              std::string_view namespaces_json,
                                                                              std::string_view pods_json) {
  auto nodes = list_items(nodes_json, "/api/v1/nodes");
  if (!nodes) return nodes.err();
  auto namespaces = list_items(namespaces_json, "/api/v1/namespaces");
  if (!namespaces) return namespaces.err();

  v1::ClusterCapabilitiesChanged caps;
  caps.set_cluster_id(cluster_id);
  std::int64_t gpus = 0;
  std::set<std::string> gpu_types;
  for (const auto& n : *nodes) {
    const std::int64_t count = quantity(at_path(n, {"status", "capacity", "nvidia.com/gpu"}));
    gpus += count;
    const auto product = string_at(n, {"metadata", "labels", "nvidia.com/gpu.product"});
    if (!product.empty()) gpu_types.insert(product);
  }
  caps.set_gpu_count(static_cast<std::int32_t>(std::min<std::int64_t>(gpus, INT32_MAX)));
  caps.set_has_gpu_nodes(gpus > 0);
  for (const auto& t : gpu_types) caps.add_gpu_types(t);

  observability obs;
  std::set<int> cnf;
  for (const auto& ns : *namespaces) {
    const auto name = string_at(ns, {"metadata", "name"});
    if (name.starts_with("du-")) cnf.insert(v1::CNF_TYPE_VDU);
    else if (name.starts_with("cu-")) cnf.insert(v1::CNF_TYPE_VCU);
    else if (name.starts_with("upf-")) cnf.insert(v1::CNF_TYPE_UPF);
    else if (name.starts_with("amf-")) cnf.insert(v1::CNF_TYPE_AMF);
    else if (name.starts_with("smf-")) cnf.insert(v1::CNF_TYPE_SMF);
    obs.note(name);
  }
  caps.set_has_cnf_workloads(!cnf.empty());
  for (int t : cnf) caps.add_cnf_types(static_cast<v1::CnfType>(t));

  if (!trim(pods_json).empty()) {
    auto pods = list_items(pods_json, "/api/v1/pods");
    if (!pods) return pods.err();
    for (const auto& p : *pods) {
      obs.note(string_at(p, {"metadata", "name"}));
      obs.note(string_at(p, {"metadata", "labels", "app"}));
      obs.note(string_at(p, {"metadata", "labels", "app.kubernetes.io/name"}));
      if (const auto* containers = at_path(p, {"spec", "containers"}); containers != nullptr && containers->is_array()) {
        for (const auto& c : containers->get_array()) obs.note(string_at(c, {"name"}));
      }
    }
  }
  caps.set_has_prometheus(obs.prometheus);
  caps.set_has_thanos(obs.thanos);
  caps.set_has_tempo(obs.tempo);
  caps.set_has_loki(obs.loki);
  caps.set_has_service_mesh(obs.mesh);
  return caps;
}

bool same_capabilities(const v1::ClusterCapabilitiesChanged& a, const v1::ClusterCapabilitiesChanged& b) {
  return a.SerializeAsString() == b.SerializeAsString();
}

v1::ClusterHealthChecked health_event(const std::string& cluster_id, const probe_result& api_server,
                                      const probe_result& prometheus, const probe_result& tempo,
                                      const probe_result& loki, std::chrono::system_clock::time_point checked_at) {
  v1::ClusterHealthChecked e;
  e.set_cluster_id(cluster_id);
  add_probe(*e.mutable_api_server(), api_server);
  add_probe(*e.mutable_prometheus(), prometheus);
  add_probe(*e.mutable_tempo(), tempo);
  add_probe(*e.mutable_loki(), loki);
  const auto assessed = fleetledger::events::assess_health(e);
  e.set_health_score(assessed.score);
  e.set_state(assessed.state);
  const bool others_failed = prometheus.status == v1::CHECK_STATUS_FAILED || tempo.status == v1::CHECK_STATUS_FAILED ||
                             loki.status == v1::CHECK_STATUS_FAILED;
  e.set_connectivity(api_server.status != v1::CHECK_STATUS_OK ? v1::CONNECTIVITY_DISCONNECTED
                     : others_failed                            ? v1::CONNECTIVITY_PARTIAL
                                                                : v1::CONNECTIVITY_CONNECTED);
  *e.mutable_checked_at() = fleetledger::events::to_timestamp(checked_at);
  return e;
}

std::string state_reason(const v1::ClusterHealthChecked& check) {
  std::string out;
  auto add = [&](const char* name, const v1::CheckResult& r) {
    if (r.status() != v1::CHECK_STATUS_FAILED) return;
    if (!out.empty()) out += "; ";
    out += std::string(name) + " failed: " + (r.error().empty() ? "HTTP " + std::to_string(r.http_status()) : r.error());
  };
  add("api_server", check.api_server());
  add("prometheus", check.prometheus());
  add("tempo", check.tempo());
  add("loki", check.loki());
  if (check.api_server().status() == v1::CHECK_STATUS_NOT_CONFIGURED) out = "api_server_url is not configured";
  return out.empty() ? "all configured checks passed" : out;
}

std::string_view state_name(v1::ClusterState state) noexcept {
  switch (state) {
    case v1::CLUSTER_STATE_UNKNOWN: return "UNKNOWN";
    case v1::CLUSTER_STATE_ONLINE: return "ONLINE";
    case v1::CLUSTER_STATE_DEGRADED: return "DEGRADED";
    case v1::CLUSTER_STATE_OFFLINE: return "OFFLINE";
    default: return "UNSPECIFIED";
  }
}

}  // namespace fleetledger::producers::prober

// Parsing and validating the edge reporter's JSON source.
#include "fleetledger/producers/edge_reporter/source.hpp"

#include <boost/json.hpp>

#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

namespace fleetledger::producers::edge_reporter {
namespace {

using fleetledger::events::errc;
using fleetledger::events::make_error;
namespace json = boost::json;

// Thrown inside the parser only; turned into an error result at the boundary.
struct field_error {
  std::string message;
};

[[noreturn]] void fail(const std::string& path, const std::string& what) { throw field_error{path + ": " + what}; }

double as_number(const json::value& v, const std::string& path) {
  if (v.is_int64()) return static_cast<double>(v.get_int64());
  if (v.is_uint64()) return static_cast<double>(v.get_uint64());
  if (v.is_double()) return v.get_double();
  fail(path, "must be a number");
}

std::uint64_t as_unsigned(const json::value& v, const std::string& path) {
  if (v.is_uint64()) return v.get_uint64();
  if (v.is_int64()) {
    if (v.get_int64() < 0) fail(path, "must be a non-negative integer");
    return static_cast<std::uint64_t>(v.get_int64());
  }
  if (v.is_double()) {
    const double d = v.get_double();
    if (!(d >= 0) || d != std::floor(d) || d >= 18446744073709551615.0) fail(path, "must be a non-negative integer");
    return static_cast<std::uint64_t>(d);
  }
  fail(path, "must be a non-negative integer");
}

std::string as_string(const json::value& v, const std::string& path, bool non_empty) {
  if (!v.is_string()) fail(path, "must be a string");
  std::string s(v.get_string());
  if (non_empty && s.empty()) fail(path, "must not be empty");
  return s;
}

const json::value& required(const json::object& o, std::string_view key, const std::string& path) {
  const auto* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) fail(path + "." + std::string(key), "is required");
  return *v;
}

void parse_edge(const json::value& v, const std::string& path, fleetledger::v1::EdgeNode& e) {
  if (!v.is_object()) fail(path, "must be an object");
  const auto& o = v.get_object();
  static const std::set<std::string, std::less<>> known = {
      "node_id", "base_url", "geo_lat", "geo_lon", "bw_available_bytes_per_sec", "bw_limit_bytes_per_sec",
      "cpu_percent", "ram_used", "ram_max", "viewers", "streams", "roles", "draining"};
  for (const auto& kv : o) {
    if (!known.contains(std::string_view(kv.key()))) fail(path + "." + std::string(kv.key()), "unknown field");
  }
  auto f = [&](std::string_view k) { return path + "." + std::string(k); };
  e.set_node_id(as_string(required(o, "node_id", path), f("node_id"), true));
  const std::string url = as_string(required(o, "base_url", path), f("base_url"), true);
  if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) fail(f("base_url"), "must be an http(s) URL");
  e.set_base_url(url);
  const double lat = as_number(required(o, "geo_lat", path), f("geo_lat"));
  if (lat < -90 || lat > 90) fail(f("geo_lat"), "must be between -90 and 90");
  const double lon = as_number(required(o, "geo_lon", path), f("geo_lon"));
  if (lon < -180 || lon > 180) fail(f("geo_lon"), "must be between -180 and 180");
  e.set_geo_lat(lat);
  e.set_geo_lon(lon);
  e.set_bw_available_bytes_per_sec(
      as_unsigned(required(o, "bw_available_bytes_per_sec", path), f("bw_available_bytes_per_sec")));
  e.set_bw_limit_bytes_per_sec(as_unsigned(required(o, "bw_limit_bytes_per_sec", path), f("bw_limit_bytes_per_sec")));
  const double cpu = as_number(required(o, "cpu_percent", path), f("cpu_percent"));
  if (cpu < 0 || cpu > 100) fail(f("cpu_percent"), "must be a number between 0 and 100");
  e.set_cpu_percent(cpu);
  e.set_ram_used(as_unsigned(required(o, "ram_used", path), f("ram_used")));
  e.set_ram_max(as_unsigned(required(o, "ram_max", path), f("ram_max")));
  if (e.ram_max() != 0 && e.ram_used() > e.ram_max()) fail(f("ram_used"), "must not exceed ram_max");
  if (const auto* x = o.if_contains("viewers"); x != nullptr && !x->is_null()) {
    const auto n = as_unsigned(*x, f("viewers"));
    if (n > 0xffffffffULL) fail(f("viewers"), "is too large");
    e.set_viewers(static_cast<std::uint32_t>(n));
  }
  if (const auto* x = o.if_contains("streams"); x != nullptr && !x->is_null()) {
    const auto n = as_unsigned(*x, f("streams"));
    if (n > 0xffffffffULL) fail(f("streams"), "is too large");
    e.set_streams(static_cast<std::uint32_t>(n));
  }
  if (const auto* x = o.if_contains("roles"); x != nullptr && !x->is_null()) {
    if (!x->is_array()) fail(f("roles"), "must be an array of strings");
    std::size_t i = 0;
    for (const auto& r : x->get_array()) {
      e.add_roles(as_string(r, f("roles") + "[" + std::to_string(i++) + "]", true));
    }
  }
  if (const auto* x = o.if_contains("draining"); x != nullptr && !x->is_null()) {
    if (!x->is_bool()) fail(f("draining"), "must be true or false");
    e.set_draining(x->get_bool());
  }
}

}  // namespace

fleetledger::events::result<std::vector<fleetledger::v1::EdgeSummaryReported>> parse_source(std::string_view text) {
  boost::system::error_code ec;
  json::value doc = json::parse(json::string_view(text.data(), text.size()), ec);
  if (ec) return make_error(errc::invalid_argument, "source is not valid JSON: " + ec.message());
  try {
    if (!doc.is_object()) fail("$", "must be an object with a \"clusters\" array");
    const auto* clusters = doc.get_object().if_contains("clusters");
    if (clusters == nullptr || !clusters->is_array()) fail("clusters", "is required and must be an array");
    std::vector<fleetledger::v1::EdgeSummaryReported> out;
    std::set<std::string> seen_clusters;
    std::size_t ci = 0;
    for (const auto& c : clusters->get_array()) {
      const std::string path = "clusters[" + std::to_string(ci++) + "]";
      if (!c.is_object()) fail(path, "must be an object");
      const auto& co = c.get_object();
      for (const auto& kv : co) {
        if (kv.key() != "cluster_id" && kv.key() != "edges") fail(path + "." + std::string(kv.key()), "unknown field");
      }
      fleetledger::v1::EdgeSummaryReported summary;
      summary.set_cluster_id(as_string(required(co, "cluster_id", path), path + ".cluster_id", true));
      if (!seen_clusters.insert(summary.cluster_id()).second) {
        fail(path + ".cluster_id", "duplicate cluster '" + summary.cluster_id() + "'");
      }
      const auto& edges = required(co, "edges", path);
      if (!edges.is_array()) fail(path + ".edges", "must be an array");
      std::set<std::string> seen_nodes;
      std::size_t ei = 0;
      for (const auto& e : edges.get_array()) {
        const std::string epath = path + ".edges[" + std::to_string(ei++) + "]";
        auto* node = summary.add_edges();
        parse_edge(e, epath, *node);
        if (!seen_nodes.insert(node->node_id()).second) {
          fail(epath + ".node_id", "duplicate node '" + node->node_id() + "'");
        }
      }
      out.push_back(std::move(summary));
    }
    return out;
  } catch (const field_error& e) {
    return make_error(errc::invalid_argument, e.message);
  }
}

}  // namespace fleetledger::producers::edge_reporter

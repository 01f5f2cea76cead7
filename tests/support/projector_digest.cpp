#include "support/projector_digest.hpp"

#include <boost/json.hpp>

#include <stdexcept>

#include "support/child_process.hpp"

namespace fleetledger::testing {

view_digest projector_digest(const std::string& view, const std::string& view_dir) {
  auto r = run(bin_path("fleetledger-projector"), {.args = {"--view", view, "--view-dir", view_dir, "--digest"}});
  if (r.exit_code != 0) throw std::runtime_error("digest of " + view_dir + " failed: " + r.stderr_text);
  const auto v = boost::json::parse(r.stdout_text).as_object();
  view_digest d;
  d.sha256 = v.at("sha256").as_string().c_str();
  d.offsets = v.at("offsets").as_string().c_str();
  d.keys = v.at("keys").to_number<std::int64_t>();
  d.applied = v.at("applied").to_number<std::int64_t>();
  d.rejected = v.at("rejected").to_number<std::int64_t>();
  d.ignored = v.at("ignored").to_number<std::int64_t>();
  d.duplicates = v.at("duplicates").to_number<std::int64_t>();
  d.dead_lettered = v.at("dead_lettered").to_number<std::int64_t>();
  std::size_t pos = 0;
  while (pos < d.offsets.size()) {
    auto end = d.offsets.find(',', pos);
    if (end == std::string::npos) end = d.offsets.size();
    const auto item = d.offsets.substr(pos, end - pos);
    d.records += std::stoll(item.substr(item.rfind(':') + 1));
    pos = end + 1;
  }
  return d;
}

}  // namespace fleetledger::testing

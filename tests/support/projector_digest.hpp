#pragma once
// Runs `fleetledger-projector --digest` on a view directory and parses its one JSON line.
#include <cstdint>
#include <string>

namespace fleetledger::testing {

struct view_digest {
  std::string sha256;
  std::string offsets;  // "topic:partition:next,..."
  std::int64_t keys{0}, applied{0}, rejected{0}, ignored{0}, duplicates{0}, dead_lettered{0};
  std::int64_t records{0};  // sum of next offsets over partitions: records the view has consumed
};

// Throws std::runtime_error when the digest cannot be read.
[[nodiscard]] view_digest projector_digest(const std::string& view, const std::string& view_dir);

}  // namespace fleetledger::testing

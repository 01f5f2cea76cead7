#pragma once
// RAII temporary directory: created with mkdtemp under /tmp, removed recursively on destruction.
#include <filesystem>
#include <string>

namespace fleetledger::testing {

class temp_dir {
 public:
  explicit temp_dir(const std::string& prefix = "fleetledger-test");
  ~temp_dir();
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  [[nodiscard]] const std::filesystem::path& path() const { return path_; }
  // path() / name, as a string.
  [[nodiscard]] std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace fleetledger::testing

// Smoke tests for every fleetledger binary (the list is FLEETLEDGER_SMOKE_BINARIES in
// tests/integration/CMakeLists.txt): --help exits 0 and names the binary, --version prints
// "<name> <version>", and an unknown flag exits non-zero with exactly one line on stderr.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "support/child_process.hpp"

namespace fl = fleetledger;

namespace {

std::vector<std::string> smoke_binaries() {
  std::vector<std::string> out;
  std::string_view csv = FLEETLEDGER_SMOKE_BINARIES;
  while (!csv.empty()) {
    const auto comma = csv.find(',');
    if (comma != 0) out.emplace_back(csv.substr(0, comma));
    if (comma == std::string_view::npos) break;
    csv.remove_prefix(comma + 1);
  }
  return out;
}

}  // namespace

TEST_CASE("every binary answers --help with exit code 0 and its name", "[smoke]") {
  const std::string name = GENERATE(from_range(smoke_binaries()));
  INFO(name);
  const auto r = fl::testing::run(fl::testing::bin_path(name), {.args = {"--help"}});
  CHECK(r.exit_code == 0);
  CHECK(r.stdout_text.find(name) != std::string::npos);
}

TEST_CASE("every binary prints its name and the project version for --version", "[smoke]") {
  const std::string name = GENERATE(from_range(smoke_binaries()));
  INFO(name);
  const auto r = fl::testing::run(fl::testing::bin_path(name), {.args = {"--version"}});
  CHECK(r.exit_code == 0);
  CHECK(r.stdout_text == name + " " + FLEETLEDGER_VERSION + "\n");
}

TEST_CASE("every binary rejects an unknown flag with one line on stderr", "[smoke]") {
  const std::string name = GENERATE(from_range(smoke_binaries()));
  INFO(name);
  const auto r = fl::testing::run(fl::testing::bin_path(name), {.args = {"--no-such-flag"}});
  CHECK(r.exit_code != 0);
  CHECK(r.exit_code < 128);  // an orderly exit, not a crash
  CHECK(!r.stderr_text.empty());
  CHECK(r.stderr_text.find('\n') == r.stderr_text.size() - 1);
  CHECK(r.stderr_text.find("--no-such-flag") != std::string::npos);
}

#pragma once
// The real fleetledger-broker process for integration tests. Starts bin_path("fleetledger-broker")
// with `--port 0` (unless extra_args already name a --port) and waits, bounded, for the one bootstrap
// line the broker prints on stdout. Throws std::runtime_error when the broker does not come up.
#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "support/child_process.hpp"

namespace fleetledger::testing {

struct broker_options {
  std::vector<std::string> extra_args{};  // e.g. {"--partitions-all", "4"} or {"--port", "19092"}
  std::map<std::string, std::string> env{};
  std::string stderr_path{};  // empty: inherit the test's stderr (JSON-lines logs)
  std::chrono::milliseconds startup_timeout{std::chrono::seconds(20)};
};

class broker_process {
 public:
  explicit broker_process(broker_options options = {});
  ~broker_process();
  broker_process(const broker_process&) = delete;
  broker_process& operator=(const broker_process&) = delete;

  // "127.0.0.1:<port>", as printed by the broker.
  [[nodiscard]] const std::string& bootstrap() const { return bootstrap_; }
  [[nodiscard]] int port() const { return port_; }
  // The whole bootstrap line (JSON).
  [[nodiscard]] const std::string& startup_line() const { return startup_line_; }
  // SIGTERM and wait (bounded); returns the exit code (or 128+signal, -1 if it had to be SIGKILLed).
  int stop();
  // SIGKILL and reap.
  void kill();
  [[nodiscard]] int pid() const;
  [[nodiscard]] bool running();

 private:
  std::unique_ptr<child_process> child_;
  std::string bootstrap_;
  std::string startup_line_;
  int port_{0};
};

}  // namespace fleetledger::testing

#include "support/broker_process.hpp"

#include <algorithm>
#include <csignal>
#include <stdexcept>

namespace fleetledger::testing {
namespace {

// Extracts the "bootstrap" string of the broker's startup line: {"bootstrap":"127.0.0.1:9092",...}.
std::string bootstrap_of(const std::string& line) {
  constexpr std::string_view key = "\"bootstrap\":\"";
  const auto at = line.find(key);
  if (at == std::string::npos) return {};
  const auto begin = at + key.size();
  const auto end = line.find('"', begin);
  if (end == std::string::npos) return {};
  return line.substr(begin, end - begin);
}

}  // namespace

broker_process::broker_process(broker_options options) {
  child_options co;
  co.env = std::move(options.env);
  co.stderr_path = std::move(options.stderr_path);
  const bool has_port =
      std::any_of(options.extra_args.begin(), options.extra_args.end(),
                  [](const std::string& a) { return a == "--port" || a.rfind("--port=", 0) == 0; });
  if (!has_port) co.args = {"--port", "0"};
  for (auto& a : options.extra_args) co.args.push_back(std::move(a));
  child_ = std::make_unique<child_process>(bin_path("fleetledger-broker"), std::move(co));

  const auto deadline = std::chrono::steady_clock::now() + options.startup_timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    auto line = child_->read_line(std::max(left, std::chrono::milliseconds(1)));
    if (!line) break;
    if (auto b = bootstrap_of(*line); !b.empty()) {
      startup_line_ = *line;
      bootstrap_ = std::move(b);
      const auto colon = bootstrap_.rfind(':');
      port_ = colon == std::string::npos ? 0 : std::stoi(bootstrap_.substr(colon + 1));
      return;
    }
  }
  const auto code = child_->wait(std::chrono::milliseconds(500));
  child_.reset();
  throw std::runtime_error(code ? "fleetledger-broker exited with " + std::to_string(*code) +
                                      " before printing its bootstrap line"
                                : "fleetledger-broker printed no bootstrap line in time");
}

broker_process::~broker_process() = default;  // child_process SIGKILLs and reaps

int broker_process::stop() {
  if (!child_) return -1;
  child_->send_signal(SIGTERM);
  if (auto code = child_->wait(std::chrono::seconds(20))) return *code;
  child_->send_signal(SIGKILL);
  (void)child_->wait(std::chrono::seconds(5));
  return -1;
}

void broker_process::kill() {
  if (!child_) return;
  child_->send_signal(SIGKILL);
  (void)child_->wait(std::chrono::seconds(10));
}

int broker_process::pid() const {
  return child_ ? child_->pid() : -1;
}

bool broker_process::running() {
  return child_ && child_->running();
}

}  // namespace fleetledger::testing

#include "fleetledger/events/stop_signal.hpp"

#include <signal.h>

namespace fleetledger::events {
namespace {
std::atomic<bool> stop_requested{false};
static_assert(std::atomic<bool>::is_always_lock_free);
}  // namespace

const std::atomic<bool>& install_stop_signals() {
  struct sigaction sa {};
  sa.sa_handler = [](int) { stop_requested.store(true); };
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  return stop_requested;
}

}  // namespace fleetledger::events

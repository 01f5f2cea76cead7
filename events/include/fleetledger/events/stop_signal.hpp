#pragma once
// Graceful stop for every long-running binary: SIGTERM and SIGINT set one flag that the main loop
// polls (then flush, commit, close). Async-signal-safe: the handler only stores to a lock-free atomic.
#include <atomic>

namespace fleetledger::events {

// Installs the handlers (idempotent) and returns the flag they set.
const std::atomic<bool>& install_stop_signals();

}  // namespace fleetledger::events

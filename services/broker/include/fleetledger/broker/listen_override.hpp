#pragma once
// Makes librdkafka 2.0.2's mock cluster listen on a chosen address and port.
//
// Why: rd_kafka_mock_cluster_new() creates each mock broker's listener itself, always bound to
// 127.0.0.1:0 (an ephemeral port), and advertises whatever getsockname() returns in Metadata.
// 2.0.2 has no API to choose the port. A dev broker needs a fixed, documented port (9092) that stays
// the same across restarts, so clients reconnect, and the bootstrap address must equal the
// advertised one.
//
// How: arm() first creates, configures (SO_REUSEADDR, so a restart can take the port again at once
// even with connections in TIME_WAIT) and binds a socket on the requested address and port itself;
// a port in use is an ordinary error here. This library defines bind(2) (extern "C"); the executable
// exports it, so the dynamic linker resolves librdkafka.so's call to it. While the override is
// armed, the first AF_INET bind to 127.0.0.1 port 0 (the mock's listener) does not bind at all: it
// dup2()s the prepared socket onto the mock's descriptor and returns 0. The mock then listens on it,
// reads the address back with getsockname() and advertises it. Every other bind, and every bind
// outside that window, goes unchanged to the C library's bind (dlsym(RTLD_NEXT, "bind")).
// Binding beforehand also avoids a librdkafka 2.0.2 bug: when the mock's own bind fails,
// rd_kafka_mock_cluster_new() aborts the process on an assertion instead of returning NULL.
#include <cstdint>
#include <memory>
#include <string>

#include "fleetledger/events/result.hpp"

namespace fleetledger::broker {

class listen_override {
 public:
  // address: dotted IPv4; port 0 lets the kernel choose. Only one may be armed at a time.
  [[nodiscard]] static events::result<std::unique_ptr<listen_override>> arm(const std::string& address,
                                                                            std::uint16_t port);
  ~listen_override();  // disarms; closes the prepared socket if the mock never took it
  listen_override(const listen_override&) = delete;
  listen_override& operator=(const listen_override&) = delete;

  // Whether the mock's listener bind went through the override.
  [[nodiscard]] bool used() const;

 private:
  listen_override() = default;
};

}  // namespace fleetledger::broker

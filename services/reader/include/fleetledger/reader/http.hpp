#pragma once
// The reader over Beast messages and sockets. handle() is the plain request -> response function
// (no sockets; tests and the fuzzer call it); run_server() is the Boost.Beast server: one strand per
// connection, keep-alive, a deadline on every read (a client trickling bytes is cut off), bounded
// header/body/target sizes, read-your-writes waits that hold no thread, and a graceful stop on
// SIGTERM/SIGINT (stop accepting, finish in-flight requests, close idle connections).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "fleetledger/reader/service.hpp"

namespace fleetledger::reader {

namespace http = boost::beast::http;
using request = http::request<http::string_body>;
using response = http::response<http::string_body>;

[[nodiscard]] response handle(service& svc, const request& req);
[[nodiscard]] response to_beast(const api_response& r, unsigned version, bool keep_alive, bool head);

struct server_options {
  std::string listen{"127.0.0.1"};
  std::uint16_t port{8080};  // 0: pick a free port (reported through on_listening)
  int threads{2};            // worker threads running the io_context
  std::chrono::milliseconds read_timeout{10'000};   // whole request (header + body) and keep-alive idle
  std::chrono::milliseconds write_timeout{10'000};
  std::size_t header_limit{8 * 1024};  // 431 beyond (414 when the request line alone is too long)
  std::size_t body_limit{64 * 1024};   // 413 beyond
  std::size_t target_limit{4 * 1024};  // 414 beyond
};

// Blocks until SIGTERM/SIGINT (or stop_requested()); returns 0 after a graceful stop, 1 when the
// address cannot be bound (logged). on_listening gets the bound port once listening.
int run_server(service& svc, const server_options& options, const std::function<void(std::uint16_t)>& on_listening);

}  // namespace fleetledger::reader

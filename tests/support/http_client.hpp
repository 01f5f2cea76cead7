#pragma once
// A tiny blocking HTTP/1.1 client over a real 127.0.0.1 TCP socket (plain POSIX sockets), for tests
// that talk to the reader like any client would: well-formed GETs, raw bytes (malformed requests),
// and a slow drip (one byte at a time) to exercise server timeouts. One connection per call,
// `Connection: close`. Every call is bounded by its timeout.
#include <chrono>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json/value.hpp>

namespace fleetledger::testing {

using http_headers = std::vector<std::pair<std::string, std::string>>;

struct http_response {
  int status{0};  // 0: no (parsable) status line received
  std::string reason;
  http_headers headers;  // names lower-cased, in order received
  std::string body;      // de-chunked when Transfer-Encoding: chunked

  // First header with that name (case-insensitive), or "".
  [[nodiscard]] std::string header(std::string_view name) const;
  [[nodiscard]] bool has_header(std::string_view name) const;
  // The body parsed as JSON; throws std::runtime_error with the body in the message when it is not.
  [[nodiscard]] boost::json::value json() const;
  // error.code of a JSON error body, or "" when the body is not one.
  [[nodiscard]] std::string error_code() const;
};

// Thrown when no TCP connection could be made or the peer reset it before a response.
struct http_connection_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// GET target (path + query, already percent-encoded) with extra headers.
[[nodiscard]] http_response http_get(int port, const std::string& target, const http_headers& headers = {},
                                     std::chrono::milliseconds timeout = std::chrono::seconds(15));

struct raw_exchange {
  bool connected{false};
  bool send_failed{false};       // the peer closed/reset while we were still sending
  bool peer_closed{false};       // EOF (or reset) seen before the timeout
  std::string raw;               // every byte received
  http_response response;        // parsed from raw (status 0 if nothing parsable)
  std::chrono::milliseconds elapsed{0};
};

// Sends bytes as given (no framing added), half-closes nothing, reads until the peer closes, a
// complete response arrived (Content-Length/chunked) or timeout.
[[nodiscard]] raw_exchange http_raw(int port, std::string_view bytes,
                                    std::chrono::milliseconds timeout = std::chrono::seconds(10));

// Sends bytes one at a time with `interval` between them and stops early when the peer closes the
// connection or answers; never runs longer than max_total. `bytes_sent` says how far it got.
struct drip_exchange : raw_exchange {
  std::size_t bytes_sent{0};
};
[[nodiscard]] drip_exchange http_slow_drip(int port, std::string_view bytes, std::chrono::milliseconds interval,
                                           std::chrono::milliseconds max_total);

// Percent-encodes a query value (RFC 3986 unreserved characters kept).
[[nodiscard]] std::string url_encode(std::string_view text);

}  // namespace fleetledger::testing

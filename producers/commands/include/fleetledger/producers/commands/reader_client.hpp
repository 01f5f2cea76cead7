#pragma once
// A minimal HTTP/1.1 GET client for the fleetledger reader (DESIGN.md section 6), used by the write
// side to see obvious state errors before publishing. http:// only (the reader listens on loopback or
// behind a proxy that terminates TLS); Content-Length, chunked and close-delimited bodies.
#include <chrono>
#include <string>
#include <string_view>

#include "fleetledger/events/result.hpp"

namespace fleetledger::producers {

struct http_response {
  int status{0};
  std::string body;
};

class reader_client {
public:
  // base_url: "http://host:port" (a trailing '/' is ignored). bearer_token: sent as Authorization
  // when not empty.
  reader_client(std::string base_url, std::string bearer_token, std::chrono::milliseconds timeout);

  // Checks the base URL; errc::invalid_argument when it is not http://host[:port].
  [[nodiscard]] events::result<void> validate() const;
  // GET base_url + target (target starts with '/'). errc::unavailable when the reader cannot be
  // reached or answers garbage, errc::timed_out after the timeout.
  [[nodiscard]] events::result<http_response> get(std::string_view target) const;

  [[nodiscard]] const std::string& base_url() const noexcept { return base_url_; }

private:
  std::string base_url_;
  std::string bearer_token_;
  std::chrono::milliseconds timeout_;
};

// Percent-encodes a path segment or query value (unreserved characters kept).
[[nodiscard]] std::string url_encode(std::string_view s);

}  // namespace fleetledger::producers

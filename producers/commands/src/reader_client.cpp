#include "fleetledger/producers/commands/reader_client.hpp"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <fcntl.h>

#include <cerrno>
#include <cstring>

#include "fleetledger/producers/commands/validation.hpp"

namespace fleetledger::producers {

using events::errc;
using events::make_error;
using clock_type = std::chrono::steady_clock;

namespace {

struct fd_guard {
  int fd{-1};
  ~fd_guard() {
    if (fd >= 0) ::close(fd);
  }
};

struct parsed_base {
  std::string host;
  std::string port{"80"};
};

events::result<parsed_base> parse_base(std::string_view url) {
  if (!url.starts_with("http://")) {
    return make_error(errc::invalid_argument, "reader URL '" + std::string(url) + "' must start with http://");
  }
  std::string_view rest = url.substr(7);
  if (const auto slash = rest.find('/'); slash != std::string_view::npos) rest = rest.substr(0, slash);
  parsed_base b;
  if (const auto colon = rest.rfind(':'); colon != std::string_view::npos && rest.find(']') == std::string_view::npos) {
    b.port = std::string(rest.substr(colon + 1));
    rest = rest.substr(0, colon);
    const auto p = parse_integer(b.port);
    if (!p || *p < 1 || *p > 65535) return make_error(errc::invalid_argument, "reader URL has a bad port");
  }
  if (rest.starts_with('[') && rest.ends_with(']')) rest = rest.substr(1, rest.size() - 2);
  if (rest.empty()) return make_error(errc::invalid_argument, "reader URL has no host");
  b.host = std::string(rest);
  return b;
}

int remaining_ms(clock_type::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock_type::now()).count();
  return left < 0 ? 0 : static_cast<int>(left);
}

events::result<std::string> decode_chunked(std::string_view body) {
  std::string out;
  std::size_t pos = 0;
  for (int guard = 0; guard < 1'000'000; ++guard) {
    const auto eol = body.find("\r\n", pos);
    if (eol == std::string_view::npos) return make_error(errc::unavailable, "reader sent a truncated chunked body");
    std::size_t size = 0;
    const std::string_view hex = body.substr(pos, eol - pos);
    for (char c : hex) {
      if (c == ';') break;
      const int d = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
      if (d < 0) return make_error(errc::unavailable, "reader sent a bad chunk size");
      size = size * 16 + static_cast<std::size_t>(d);
    }
    pos = eol + 2;
    if (size == 0) return out;
    if (pos + size > body.size()) return make_error(errc::unavailable, "reader sent a truncated chunk");
    out.append(body.substr(pos, size));
    pos += size + 2;
  }
  return make_error(errc::unavailable, "reader sent too many chunks");
}

}  // namespace

std::string url_encode(std::string_view s) {
  static constexpr char digits[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(digits[c >> 4]);
      out.push_back(digits[c & 0x0F]);
    }
  }
  return out;
}

reader_client::reader_client(std::string base_url, std::string bearer_token, std::chrono::milliseconds timeout)
    : base_url_(std::move(base_url)), bearer_token_(std::move(bearer_token)), timeout_(timeout) {
  while (base_url_.ends_with('/')) base_url_.pop_back();
}

events::result<void> reader_client::validate() const {
  auto b = parse_base(base_url_);
  if (!b) return b.err();
  return {};
}

events::result<http_response> reader_client::get(std::string_view target) const {
  auto base = parse_base(base_url_);
  if (!base) return base.err();
  const auto deadline = clock_type::now() + timeout_;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (const int rc = ::getaddrinfo(base->host.c_str(), base->port.c_str(), &hints, &res); rc != 0) {
    return make_error(errc::unavailable, "reader " + base_url_ + ": " + ::gai_strerror(rc));
  }
  fd_guard sock;
  std::string last_error = "no address";
  for (addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
    const int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) continue;
    if (::connect(fd, ai->ai_addr, ai->ai_addrlen) != 0 && errno != EINPROGRESS) {
      last_error = std::strerror(errno);
      ::close(fd);
      continue;
    }
    pollfd p{fd, POLLOUT, 0};
    int err = 0;
    socklen_t len = sizeof err;
    if (::poll(&p, 1, remaining_ms(deadline)) != 1 || ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) {
      last_error = err != 0 ? std::strerror(err) : "connect timed out";
      ::close(fd);
      continue;
    }
    sock.fd = fd;
    break;
  }
  ::freeaddrinfo(res);
  if (sock.fd < 0) return make_error(errc::unavailable, "reader " + base_url_ + " unreachable: " + last_error);

  std::string request = "GET " + std::string(target) + " HTTP/1.1\r\nHost: " + base->host + ":" + base->port +
                        "\r\nAccept: application/json\r\nConnection: close\r\nUser-Agent: fleetctl\r\n";
  if (!bearer_token_.empty()) request += "Authorization: Bearer " + bearer_token_ + "\r\n";
  request += "\r\n";
  std::size_t sent = 0;
  while (sent < request.size()) {
    pollfd p{sock.fd, POLLOUT, 0};
    if (::poll(&p, 1, remaining_ms(deadline)) != 1) return make_error(errc::timed_out, "reader request timed out");
    const ssize_t n = ::send(sock.fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno != EAGAIN && errno != EINTR) return make_error(errc::unavailable, std::string("reader send: ") + std::strerror(errno));
    if (n > 0) sent += static_cast<std::size_t>(n);
  }
  std::string raw;
  char buf[16384];
  for (;;) {
    if (raw.size() > 64 * 1024 * 1024) return make_error(errc::unavailable, "reader response too large");
    pollfd p{sock.fd, POLLIN, 0};
    const int pr = ::poll(&p, 1, remaining_ms(deadline));
    if (pr == 0) return make_error(errc::timed_out, "reader did not answer within the timeout");
    if (pr < 0 && errno != EINTR) return make_error(errc::unavailable, "reader poll failed");
    const ssize_t n = ::recv(sock.fd, buf, sizeof buf, 0);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) continue;
      return make_error(errc::unavailable, std::string("reader recv: ") + std::strerror(errno));
    }
    raw.append(buf, static_cast<std::size_t>(n));
  }
  const auto header_end = raw.find("\r\n\r\n");
  if (!raw.starts_with("HTTP/1.") || header_end == std::string::npos || raw.size() < 12) {
    return make_error(errc::unavailable, "reader answered something that is not HTTP");
  }
  http_response r;
  const auto code = parse_integer(std::string_view(raw).substr(9, 3));
  if (!code) return make_error(errc::unavailable, "reader answered a bad status line");
  r.status = static_cast<int>(*code);
  std::string headers = raw.substr(0, header_end);
  for (auto& c : headers) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const std::string_view body = std::string_view(raw).substr(header_end + 4);
  if (headers.find("transfer-encoding: chunked") != std::string::npos) {
    auto decoded = decode_chunked(body);
    if (!decoded) return decoded.err();
    r.body = std::move(*decoded);
  } else {
    r.body = std::string(body);
  }
  return r;
}

}  // namespace fleetledger::producers

#include "support/http_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <thread>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace fleetledger::testing {
namespace {

using clock_type = std::chrono::steady_clock;

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

class socket_fd {
 public:
  socket_fd() = default;
  explicit socket_fd(int fd) : fd_(fd) {}
  ~socket_fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  socket_fd(const socket_fd&) = delete;
  socket_fd& operator=(const socket_fd&) = delete;
  [[nodiscard]] int get() const { return fd_; }

 private:
  int fd_{-1};
};

// Connects to 127.0.0.1:port, retrying briefly on ECONNREFUSED (listen backlog). -1 on failure.
int connect_loopback(int port, clock_type::time_point deadline) {
  for (int attempt = 0; attempt < 20; ++attempt) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
      const int one = 1;
      (void)::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      return fd;
    }
    const int err = errno;
    ::close(fd);
    if (err != ECONNREFUSED && err != EAGAIN && err != EINTR) return -1;
    if (clock_type::now() >= deadline) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return -1;
}

int ms_left(clock_type::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock_type::now()).count();
  return static_cast<int>(std::max<long long>(0, left));
}

// Sends everything; false when the peer is gone or the deadline passed.
bool send_all(int fd, std::string_view bytes, clock_type::time_point deadline) {
  while (!bytes.empty()) {
    pollfd p{fd, POLLOUT, 0};
    const int r = ::poll(&p, 1, ms_left(deadline));
    if (r <= 0) return false;
    const auto n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return false;
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

// Parses a complete response out of raw; nullopt when more bytes are needed (unless at_eof, in which
// case whatever is there is taken as the body).
std::optional<http_response> parse_response(const std::string& raw, bool at_eof) {
  const auto head_end = raw.find("\r\n\r\n");
  if (head_end == std::string::npos) {
    if (!at_eof) return std::nullopt;
    return http_response{};
  }
  http_response r;
  std::string_view head(raw.data(), head_end);
  auto line_end = head.find("\r\n");
  const std::string_view status_line = head.substr(0, line_end);
  // "HTTP/1.1 200 OK"
  if (status_line.rfind("HTTP/", 0) == 0) {
    const auto sp = status_line.find(' ');
    if (sp != std::string_view::npos && sp + 4 <= status_line.size()) {
      r.status = std::atoi(std::string(status_line.substr(sp + 1, 3)).c_str());
      if (sp + 5 <= status_line.size()) r.reason = std::string(status_line.substr(sp + 5));
    }
  }
  while (line_end != std::string_view::npos) {
    const auto start = line_end + 2;
    line_end = head.find("\r\n", start);
    const auto line = head.substr(start, line_end == std::string_view::npos ? std::string_view::npos : line_end - start);
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    auto value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
    r.headers.emplace_back(lower(line.substr(0, colon)), std::string(value));
  }
  const std::string body = raw.substr(head_end + 4);
  if (lower(r.header("transfer-encoding")).find("chunked") != std::string::npos) {
    std::string out;
    std::size_t at = 0;
    while (true) {
      const auto eol = body.find("\r\n", at);
      if (eol == std::string::npos) {
        if (!at_eof) return std::nullopt;
        break;
      }
      const auto size = std::strtoull(body.substr(at, eol - at).c_str(), nullptr, 16);
      if (size == 0) break;
      if (body.size() < eol + 2 + size + 2) {
        if (!at_eof) return std::nullopt;
        out += body.substr(eol + 2);
        break;
      }
      out += body.substr(eol + 2, size);
      at = eol + 2 + size + 2;
    }
    r.body = std::move(out);
    return r;
  }
  if (r.has_header("content-length")) {
    const auto length = std::strtoull(r.header("content-length").c_str(), nullptr, 10);
    if (body.size() < length && !at_eof) return std::nullopt;
    r.body = body.substr(0, std::min<std::size_t>(length, body.size()));
    return r;
  }
  // 204/304 and 1xx carry no body; otherwise read to EOF.
  if (r.status == 204 || r.status == 304 || (r.status >= 100 && r.status < 200)) return r;
  if (!at_eof) return std::nullopt;
  r.body = body;
  return r;
}

// Reads until a complete response, EOF or the deadline.
void read_response(int fd, raw_exchange& ex, clock_type::time_point deadline) {
  char buf[16384];
  while (true) {
    if (auto r = parse_response(ex.raw, false)) {
      ex.response = std::move(*r);
      return;
    }
    pollfd p{fd, POLLIN, 0};
    const int pr = ::poll(&p, 1, ms_left(deadline));
    if (pr <= 0) break;  // timeout
    const auto n = ::recv(fd, buf, sizeof buf, 0);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) {
      ex.peer_closed = true;
      break;
    }
    ex.raw.append(buf, static_cast<std::size_t>(n));
  }
  if (auto r = parse_response(ex.raw, true)) ex.response = std::move(*r);
}

}  // namespace

std::string http_response::header(std::string_view name) const {
  const auto key = lower(name);
  for (const auto& [k, v] : headers) {
    if (k == key) return v;
  }
  return {};
}

bool http_response::has_header(std::string_view name) const {
  const auto key = lower(name);
  return std::any_of(headers.begin(), headers.end(), [&](const auto& h) { return h.first == key; });
}

boost::json::value http_response::json() const {
  boost::system::error_code ec;
  auto v = boost::json::parse(body, ec);
  if (ec) throw std::runtime_error("response body is not JSON (status " + std::to_string(status) + "): " + body.substr(0, 400));
  return v;
}

std::string http_response::error_code() const {
  boost::system::error_code ec;
  const auto v = boost::json::parse(body, ec);
  if (ec || !v.is_object()) return {};
  const auto* err = v.as_object().if_contains("error");
  if (err == nullptr || !err->is_object()) return {};
  const auto* code = err->as_object().if_contains("code");
  if (code == nullptr || !code->is_string()) return {};
  return std::string(code->as_string());
}

http_response http_get(int port, const std::string& target, const http_headers& headers,
                       std::chrono::milliseconds timeout) {
  std::string req = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
                    "\r\nUser-Agent: fleetledger-test\r\nAccept: */*\r\nConnection: close\r\n";
  for (const auto& [k, v] : headers) req += k + ": " + v + "\r\n";
  req += "\r\n";
  auto ex = http_raw(port, req, timeout);
  if (!ex.connected) throw http_connection_error("cannot connect to 127.0.0.1:" + std::to_string(port));
  if (ex.response.status == 0) {
    throw http_connection_error("no HTTP response from 127.0.0.1:" + std::to_string(port) + " for GET " +
                                target.substr(0, 200) + (ex.peer_closed ? " (connection closed)" : " (timeout)"));
  }
  return std::move(ex.response);
}

raw_exchange http_raw(int port, std::string_view bytes, std::chrono::milliseconds timeout) {
  const auto start = clock_type::now();
  const auto deadline = start + timeout;
  raw_exchange ex;
  socket_fd fd(connect_loopback(port, deadline));
  if (fd.get() < 0) return ex;
  ex.connected = true;
  if (!send_all(fd.get(), bytes, deadline)) ex.send_failed = true;
  read_response(fd.get(), ex, deadline);
  ex.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - start);
  return ex;
}

drip_exchange http_slow_drip(int port, std::string_view bytes, std::chrono::milliseconds interval,
                             std::chrono::milliseconds max_total) {
  const auto start = clock_type::now();
  const auto deadline = start + max_total;
  drip_exchange ex;
  socket_fd fd(connect_loopback(port, deadline));
  if (fd.get() < 0) return ex;
  ex.connected = true;
  char buf[4096];
  for (std::size_t i = 0; i < bytes.size() && clock_type::now() < deadline; ++i) {
    if (!send_all(fd.get(), bytes.substr(i, 1), deadline)) {
      ex.send_failed = true;
      break;
    }
    ex.bytes_sent = i + 1;
    // Wait interval while watching for the server closing or answering.
    const auto until = std::min(deadline, clock_type::now() + interval);
    bool done = false;
    while (clock_type::now() < until) {
      pollfd p{fd.get(), POLLIN, 0};
      const int pr = ::poll(&p, 1, ms_left(until));
      if (pr <= 0) break;
      const auto n = ::recv(fd.get(), buf, sizeof buf, 0);
      if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (n <= 0) {
        ex.peer_closed = true;
        done = true;
        break;
      }
      ex.raw.append(buf, static_cast<std::size_t>(n));
    }
    if (done) break;
  }
  if (!ex.peer_closed && !ex.send_failed) read_response(fd.get(), ex, std::min(deadline, clock_type::now() + interval));
  if (auto r = parse_response(ex.raw, true)) ex.response = std::move(*r);
  ex.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - start);
  return ex;
}

std::string url_encode(std::string_view text) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (const unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 0xf];
    }
  }
  return out;
}

}  // namespace fleetledger::testing

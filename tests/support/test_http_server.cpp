#include "support/test_http_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <fstream>
#include <mutex>
#include <sstream>
#include <stdexcept>

#include "support/child_process.hpp"

namespace fleetledger::testing {

namespace {

void openssl_cli(const std::vector<std::string>& args) {
  const auto exe = find_executable("openssl");
  if (!exe) throw std::runtime_error("the openssl CLI is not installed");
  const auto r = run(*exe, child_options{.args = args}, std::chrono::seconds(60));
  if (r.exit_code != 0) throw std::runtime_error("openssl failed: " + r.stderr_text);
}

}  // namespace

tls_files make_test_certificates(const std::string& dir) {
  tls_files f{dir + "/ca.pem", dir + "/server.pem", dir + "/server.key", ""};
  const std::string ca_key = dir + "/ca.key", csr = dir + "/server.csr", ext = dir + "/server.ext";
  openssl_cli({"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
               ca_key, "-out", f.ca_pem_path, "-days", "2", "-subj", "/CN=fleetledger-test-ca"});
  openssl_cli({"req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", f.key_path,
               "-out", csr, "-subj", "/CN=127.0.0.1"});
  std::ofstream(ext) << "subjectAltName=IP:127.0.0.1,DNS:localhost\n";
  openssl_cli({"x509", "-req", "-in", csr, "-CA", f.ca_pem_path, "-CAkey", ca_key, "-CAcreateserial", "-out",
               f.cert_path, "-days", "2", "-extfile", ext});
  f.ca_pem = read_file(f.ca_pem_path);
  return f;
}

struct test_http_server::tls_state {
  SSL_CTX* ctx{nullptr};
  ~tls_state() {
    if (ctx != nullptr) SSL_CTX_free(ctx);
  }
};

test_http_server::test_http_server(test_handler handler, const tls_files* tls) : handler_(std::move(handler)) {
  if (tls != nullptr) {
    tls_ = std::make_unique<tls_state>();
    tls_->ctx = SSL_CTX_new(TLS_server_method());
    if (tls_->ctx == nullptr || SSL_CTX_use_certificate_chain_file(tls_->ctx, tls->cert_path.c_str()) != 1 ||
        SSL_CTX_use_PrivateKey_file(tls_->ctx, tls->key_path.c_str(), SSL_FILETYPE_PEM) != 1) {
      throw std::runtime_error("test server: cannot load the TLS certificate");
    }
  }
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listen_fd_, 128) != 0) {
    throw std::runtime_error("test server: cannot listen on 127.0.0.1");
  }
  socklen_t len = sizeof addr;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  acceptor_ = std::thread([this] { accept_loop(); });
}

test_http_server::~test_http_server() {
  stop_.store(true);
  if (acceptor_.joinable()) acceptor_.join();
  ::close(listen_fd_);
  std::lock_guard lock(threads_mu_);
  for (auto& t : workers_) {
    if (t.joinable()) t.join();
  }
}

std::string test_http_server::url() const {
  return std::string(tls_ ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_);
}

void test_http_server::set_handler(test_handler handler) {
  std::lock_guard lock(handler_mu_);
  handler_ = std::move(handler);
}

void test_http_server::accept_loop() {
  while (!stop_.load()) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    std::lock_guard lock(threads_mu_);
    workers_.emplace_back([this, fd] { serve(fd); });
  }
}

void test_http_server::serve(int fd) {
  SSL* ssl = nullptr;
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (tls_) {
    ssl = SSL_new(tls_->ctx);
    SSL_set_fd(ssl, fd);
    if (SSL_accept(ssl) != 1) {  // e.g. the client refused our certificate
      SSL_free(ssl);
      ::close(fd);
      return;
    }
  }
  auto recv_some = [&](char* buf, int n) { return ssl ? SSL_read(ssl, buf, n) : static_cast<int>(::recv(fd, buf, n, 0)); };
  auto send_all = [&](const std::string& s) {
    std::size_t done = 0;
    while (done < s.size()) {
      const int n = ssl ? SSL_write(ssl, s.data() + done, static_cast<int>(s.size() - done))
                        : static_cast<int>(::send(fd, s.data() + done, s.size() - done, MSG_NOSIGNAL));
      if (n <= 0) return;
      done += static_cast<std::size_t>(n);
    }
  };
  std::string in;
  char buf[4096];
  for (int i = 0; i < 64 && in.find("\r\n\r\n") == std::string::npos; ++i) {
    const int n = recv_some(buf, sizeof buf);
    if (n <= 0) break;
    in.append(buf, static_cast<std::size_t>(n));
  }
  if (in.find("\r\n\r\n") != std::string::npos) {
    ++requests_;
    test_request req;
    std::istringstream lines(in.substr(0, in.find("\r\n\r\n")));
    std::string line;
    std::getline(lines, line);
    std::istringstream first(line);
    first >> req.method >> req.target;
    while (std::getline(lines, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      const auto colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::string name = line.substr(0, colon);
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (name == "authorization") req.authorization = line.substr(line.find_first_not_of(' ', colon + 1));
    }
    test_response res;
    {
      std::lock_guard lock(handler_mu_);
      res = handler_(req);
    }
    // A delay is served in slices so the destructor is not held up for long.
    const auto until = std::chrono::steady_clock::now() + res.delay;
    while (!stop_.load() && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    std::string out = "HTTP/1.1 " + std::to_string(res.status) + " X\r\nContent-Type: " + res.content_type +
                      "\r\nContent-Length: " + std::to_string(res.body.size()) + "\r\nConnection: close\r\n\r\n" + res.body;
    send_all(out);
  }
  if (ssl) {
    SSL_shutdown(ssl);
    SSL_free(ssl);
  }
  ::close(fd);
}

}  // namespace fleetledger::testing

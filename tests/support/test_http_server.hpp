#pragma once
// A tiny HTTP/1.1 (optionally TLS, through OpenSSL) server on 127.0.0.1 for prober tests: one thread
// accepting, one thread per connection, one request per connection (Connection: close). Each request
// is answered by a handler chosen at call time, so a test can flip a server from healthy to failing.
// Also: a self-signed CA + server certificate for 127.0.0.1, made with the `openssl` CLI.
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace fleetledger::testing {

struct test_request {
  std::string method, target, authorization;
};
struct test_response {
  int status{200};
  std::string body{"ok"};
  std::string content_type{"text/plain"};
  std::chrono::milliseconds delay{0};  // wait this long before answering (slow endpoints)
};
using test_handler = std::function<test_response(const test_request&)>;

struct tls_files {
  std::string ca_pem_path, cert_path, key_path;
  std::string ca_pem;  // content of ca_pem_path
};

// Generates a CA and a server certificate for IP 127.0.0.1 (and DNS localhost) signed by it, in dir.
// Throws std::runtime_error when the openssl CLI fails.
[[nodiscard]] tls_files make_test_certificates(const std::string& dir);

class test_http_server {
public:
  // Listens on 127.0.0.1:<free port>; with tls, serves HTTPS with the given certificate.
  explicit test_http_server(test_handler handler, const tls_files* tls = nullptr);
  ~test_http_server();
  test_http_server(const test_http_server&) = delete;
  test_http_server& operator=(const test_http_server&) = delete;

  [[nodiscard]] int port() const { return port_; }
  // "http://127.0.0.1:<port>" or "https://127.0.0.1:<port>".
  [[nodiscard]] std::string url() const;
  [[nodiscard]] int requests() const { return requests_.load(); }
  void set_handler(test_handler handler);

private:
  void accept_loop();
  void serve(int fd);

  struct tls_state;
  std::unique_ptr<tls_state> tls_;
  test_handler handler_;
  std::mutex handler_mu_;
  int listen_fd_{-1};
  int port_{0};
  std::atomic<bool> stop_{false};
  std::atomic<int> requests_{0};
  std::thread acceptor_;
  std::mutex threads_mu_;
  std::vector<std::thread> workers_;
};

}  // namespace fleetledger::testing

// Asynchronous HTTP(S) checks with Boost.Beast C++20 coroutines on one I/O thread.
#include "fleetledger/producers/prober/http_checker.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <map>
#include <thread>

namespace fleetledger::producers::prober {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
namespace v1 = fleetledger::v1;
using asio::awaitable;
using asio::use_awaitable;
using tcp = asio::ip::tcp;
using namespace asio::experimental::awaitable_operators;

constexpr std::size_t max_body_bytes = 32 * 1024 * 1024;

struct parsed_url {
  bool tls{false};
  std::string host, port, base_path;  // base_path without a trailing '/'
};

std::optional<parsed_url> parse_url(const std::string& url, std::string& error) {
  parsed_url u;
  std::string rest;
  if (url.rfind("https://", 0) == 0) {
    u.tls = true;
    rest = url.substr(8);
  } else if (url.rfind("http://", 0) == 0) {
    rest = url.substr(7);
  } else {
    error = "not an http(s) URL: '" + url + "'";
    return std::nullopt;
  }
  const auto slash = rest.find('/');
  std::string hostport = rest.substr(0, slash);
  u.base_path = slash == std::string::npos ? "" : rest.substr(slash);
  while (!u.base_path.empty() && u.base_path.back() == '/') u.base_path.pop_back();
  if (!hostport.empty() && hostport.front() == '[') {  // [IPv6]:port
    const auto close = hostport.find(']');
    if (close == std::string::npos) {
      error = "bad IPv6 host in '" + url + "'";
      return std::nullopt;
    }
    u.host = hostport.substr(1, close - 1);
    u.port = close + 2 <= hostport.size() ? hostport.substr(close + 2) : "";
  } else if (const auto colon = hostport.rfind(':'); colon != std::string::npos) {
    u.host = hostport.substr(0, colon);
    u.port = hostport.substr(colon + 1);
  } else {
    u.host = hostport;
  }
  if (u.port.empty()) u.port = u.tls ? "443" : "80";
  if (u.host.empty()) {
    error = "no host in '" + url + "'";
    return std::nullopt;
  }
  return u;
}

struct http_answer {
  bool transport_ok{false};
  int status{0};
  std::string body;
  std::string error;
  std::chrono::milliseconds latency{0};
};

std::string describe(const std::exception& e) {
  if (const auto* se = dynamic_cast<const boost::system::system_error*>(&e)) {
    if (se->code() == beast::error::timeout) return "timed out";
    return se->code().message();
  }
  return e.what();
}

template <typename Stream>
awaitable<void> exchange(Stream& stream, const parsed_url& u, const std::string& target, const std::string& token,
                         http_answer& out) {
  http::request<http::empty_body> req{http::verb::get, target, 11};
  req.set(http::field::host, u.host);
  req.set(http::field::user_agent, "fleetledger-prober");
  req.set(http::field::accept, "application/json, text/plain, */*");
  if (!token.empty()) req.set(http::field::authorization, "Bearer " + token);
  co_await http::async_write(stream, req, use_awaitable);
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(max_body_bytes);
  co_await http::async_read(stream, buffer, parser, use_awaitable);
  out.transport_ok = true;
  out.status = static_cast<int>(parser.get().result_int());
  out.body = std::move(parser.get().body());
}

class client {
public:
  explicit client(asio::io_context& ioc) : ioc_(ioc) {}

  // GET base_url + path within timeout; never throws.
  awaitable<http_answer> get(std::string base_url, std::string path, std::chrono::milliseconds timeout,
                             std::string ca_pem, std::string token) {
    http_answer out;
    const auto start = std::chrono::steady_clock::now();
    std::string step = "resolve";
    std::string url_error;
    const auto u = parse_url(base_url, url_error);
    if (!u) {
      out.error = url_error;
      co_return out;
    }
    const std::string target = u->base_path + path;
    try {
      tcp::resolver resolver(ioc_);
      const auto endpoints = co_await resolver.async_resolve(u->host, u->port, use_awaitable);
      if (!u->tls) {
        beast::tcp_stream stream(ioc_);
        stream.expires_after(timeout);
        step = "connect";
        co_await stream.async_connect(endpoints, use_awaitable);
        step = "GET";
        co_await exchange(stream, *u, target, token, out);
        beast::error_code ignored;
        stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
      } else {
        auto ctx = tls_context(ca_pem);
        beast::ssl_stream<beast::tcp_stream> stream(ioc_, *ctx);
        beast::get_lowest_layer(stream).expires_after(timeout);
        step = "connect";
        co_await beast::get_lowest_layer(stream).async_connect(endpoints, use_awaitable);
        if (!SSL_set_tlsext_host_name(stream.native_handle(), u->host.c_str())) {
          // An IP address is not a valid SNI name; that is fine, verification below still applies.
        }
        stream.set_verify_callback(ssl::host_name_verification(u->host));
        step = "TLS handshake";
        co_await stream.async_handshake(ssl::stream_base::client, use_awaitable);
        step = "GET";
        co_await exchange(stream, *u, target, token, out);
        beast::error_code ignored;
        beast::get_lowest_layer(stream).socket().shutdown(tcp::socket::shutdown_both, ignored);
      }
    } catch (const std::exception& e) {
      out.transport_ok = false;
      std::string why = describe(e);
      if (why == "timed out") why = "timed out after " + std::to_string(timeout.count()) + " ms";
      out.error = step + " " + u->host + ":" + u->port + ": " + why;
      if (step == "TLS handshake" && ca_pem.empty() && why.find("certificate verify failed") != std::string::npos) {
        out.error += " (the cluster has no ca_cert_pem; the certificate is not signed by a system CA)";
      }
    }
    out.latency = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
    co_return out;
  }

private:
  // One TLS context per distinct CA bundle (and one for "system CAs only"), reused across checks.
  std::shared_ptr<ssl::context> tls_context(const std::string& ca_pem) {
    auto it = contexts_.find(ca_pem);
    if (it != contexts_.end()) return it->second;
    auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
    ctx->set_verify_mode(ssl::verify_peer);
    ctx->set_default_verify_paths();
    if (!ca_pem.empty()) {
      boost::system::error_code ec;
      ctx->add_certificate_authority(asio::buffer(ca_pem), ec);
      // A malformed CA simply fails the handshake's verification below, with the verifier's message.
    }
    if (contexts_.size() > 4096) contexts_.clear();
    contexts_.emplace(ca_pem, ctx);
    return ctx;
  }

  asio::io_context& ioc_;
  std::map<std::string, std::shared_ptr<ssl::context>> contexts_;
};

probe_result to_probe(const http_answer& a, const std::string& what) {
  probe_result p;
  p.latency = a.latency;
  p.http_status = a.status;
  if (!a.transport_ok) {
    p.status = v1::CHECK_STATUS_FAILED;
    p.error = a.error;
  } else if (a.status >= 200 && a.status < 300) {
    p.status = v1::CHECK_STATUS_OK;
  } else {
    p.status = v1::CHECK_STATUS_FAILED;
    p.error = "GET " + what + " answered HTTP " + std::to_string(a.status);
  }
  return p;
}

}  // namespace

struct http_checker::impl {
  asio::io_context ioc;
  asio::executor_work_guard<asio::io_context::executor_type> work{ioc.get_executor()};
  client http{ioc};
  std::thread thread;

  awaitable<probe_result> probe(std::string url, std::string path, std::chrono::milliseconds timeout, std::string ca) {
    if (url.empty()) co_return probe_result{};  // NOT_CONFIGURED
    const auto a = co_await http.get(url, path, timeout, ca, "");
    co_return to_probe(a, path);
  }

  // The API server: /readyz, falling back to /version when /readyz answers but not with 2xx.
  awaitable<probe_result> probe_api(const check_job& job) {
    if (job.api_server_url.empty()) {
      probe_result p;
      p.status = v1::CHECK_STATUS_FAILED;
      p.error = "api_server_url is not configured";
      co_return p;
    }
    const auto ready = co_await http.get(job.api_server_url, "/readyz", job.timeout, job.ca_cert_pem, job.bearer_token);
    auto p = to_probe(ready, "/readyz");
    if (p.status == v1::CHECK_STATUS_OK || !ready.transport_ok) co_return p;
    const auto version = co_await http.get(job.api_server_url, "/version", job.timeout, job.ca_cert_pem, job.bearer_token);
    auto v = to_probe(version, "/version");
    if (v.status == v1::CHECK_STATUS_OK) co_return v;
    p.error += "; " + (v.error.empty() ? std::string("GET /version failed") : v.error);
    co_return p;
  }

  awaitable<void> discover(const check_job& job, check_outcome& out) {
    out.discovery_attempted = true;
    std::string bodies[3];
    const char* paths[3] = {"/api/v1/nodes", "/api/v1/namespaces", "/api/v1/pods?limit=2000"};
    for (int i = 0; i < 3; ++i) {
      const auto a = co_await http.get(job.api_server_url, paths[i], job.timeout, job.ca_cert_pem, job.bearer_token);
      if (!a.transport_ok || a.status != 200) {
        const std::string why = a.transport_ok ? "HTTP " + std::to_string(a.status) : a.error;
        if (i == 2) break;  // pods are optional (RBAC may forbid listing them)
        out.discovery_error = std::string("GET ") + paths[i] + ": " + why;
        co_return;
      }
      bodies[i] = a.body;
    }
    auto caps = capabilities_from(job.cluster_id, bodies[0], bodies[1], bodies[2]);
    if (!caps) {
      out.discovery_error = caps.err().message;
      co_return;
    }
    out.capabilities = std::move(*caps);
  }

  awaitable<check_outcome> run(check_job job) {
    check_outcome out;
    out.cluster_id = job.cluster_id;
    out.checked_at = std::chrono::system_clock::now();
    auto [api, prom, tempo, loki] =
        co_await (probe_api(job) && probe(job.endpoints.prometheus_url(), "/-/ready", job.timeout, job.ca_cert_pem) &&
                  probe(job.endpoints.tempo_url(), "/ready", job.timeout, job.ca_cert_pem) &&
                  probe(job.endpoints.loki_url(), "/ready", job.timeout, job.ca_cert_pem));
    out.api_server = std::move(api);
    out.prometheus = std::move(prom);
    out.tempo = std::move(tempo);
    out.loki = std::move(loki);
    if (job.discover && !job.bearer_token.empty() && out.api_server.status == v1::CHECK_STATUS_OK) {
      co_await discover(job, out);
    }
    co_return out;
  }
};

http_checker::http_checker() : impl_(std::make_unique<impl>()) {
  impl_->thread = std::thread([this] { impl_->ioc.run(); });
}

http_checker::~http_checker() {
  impl_->work.reset();
  impl_->ioc.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

void http_checker::check(check_job job, std::function<void(check_outcome)> done) {
  asio::co_spawn(impl_->ioc, impl_->run(std::move(job)),
                 [done = std::move(done)](std::exception_ptr e, check_outcome out) {
                   if (e) return;  // run() catches everything it expects; an escape here means shutdown
                   done(std::move(out));
                 });
}

}  // namespace fleetledger::producers::prober

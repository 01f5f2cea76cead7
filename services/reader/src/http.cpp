// The only translation unit with Beast/Asio code (it takes ~45 s to compile).
#include "fleetledger/reader/http.hpp"

#include <array>
#include <atomic>
#include <csignal>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <vector>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "fleetledger/events/log.hpp"

namespace fleetledger::reader {

namespace beast = boost::beast;
namespace net = boost::asio;
using tcp = net::ip::tcp;
namespace fe = fleetledger::events;

response to_beast(const api_response& r, unsigned version, bool keep_alive, bool head) {
  response res{static_cast<http::status>(r.status), version};
  res.set(http::field::server, "fleetledger-reader");
  res.set(http::field::content_type, r.content_type);
  if (r.freshness) {
    res.set("X-Fleetledger-Offsets", r.offsets);
    res.set("X-Fleetledger-Lag-Ms", std::to_string(r.lag_ms));
  }
  if (r.allow_header) res.set(http::field::allow, "GET, HEAD");
  if (r.www_authenticate) res.set(http::field::www_authenticate, "Bearer realm=\"fleetledger\"");
  res.keep_alive(keep_alive);
  if (head) {
    res.content_length(r.text().size());
  } else {
    res.body() = r.text();
    res.prepare_payload();
  }
  return res;
}

response handle(service& svc, const request& req) {
  const auto auth = req.find(http::field::authorization);
  const api_request ar{std::string_view(req.method_string().data(), req.method_string().size()),
                       std::string_view(req.target().data(), req.target().size()),
                       auth == req.end() ? std::string_view()
                                         : std::string_view(auth->value().data(), auth->value().size())};
  const auto r = svc.handle(ar);
  return to_beast(r, req.version(), req.keep_alive(), req.method() == http::verb::head);
}

namespace {

class session;

struct server_state {
  server_state(service& s, const server_options& o) : svc(s), options(o) {}
  service& svc;
  const server_options& options;
  std::atomic<bool> stopping{false};
  std::mutex mu;
  std::unordered_map<session*, std::weak_ptr<session>> sessions;
};

class session : public std::enable_shared_from_this<session> {
public:
  session(tcp::socket&& socket, server_state& state) : stream_(std::move(socket)), state_(state) {}
  ~session() {
    std::lock_guard lock(state_.mu);
    state_.sessions.erase(this);
  }

  void run() {
    {
      std::lock_guard lock(state_.mu);
      state_.sessions.emplace(this, weak_from_this());
    }
    net::dispatch(stream_.get_executor(), beast::bind_front_handler(&session::do_read, shared_from_this()));
  }

  // From the stop handler: close a connection that waits for its next request.
  void stop() {
    net::post(stream_.get_executor(), [self = shared_from_this()] {
      if (self->reading_) self->stream_.cancel();
    });
  }

private:
  void do_read() {
    if (state_.stopping) return do_close();
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(state_.options.header_limit));
    parser_->body_limit(state_.options.body_limit);
    stream_.expires_after(state_.options.read_timeout);
    reading_ = true;
    http::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&session::on_read, shared_from_this()));
  }

  void answer_error(unsigned status, std::string_view code, std::string_view message) {
    auto r = service::error(status, code, message);
    state_.svc.record(route_id::unmatched, status, std::chrono::nanoseconds(0));
    send(r, 11, /*keep_alive=*/false, /*head=*/false);
  }

  void on_read(beast::error_code ec, std::size_t) {
    reading_ = false;
    if (ec == http::error::end_of_stream || ec == net::error::operation_aborted || ec == beast::error::timeout ||
        ec == http::error::partial_message || ec == net::error::eof || ec == net::error::connection_reset) {
      return do_close();
    }
    if (ec == http::error::header_limit) {
      // Beast parses the request line first: no target yet means the request line alone was too long.
      if (parser_->get().target().empty()) return answer_error(414, "INVALID_ARGUMENT", "request target too long");
      return answer_error(431, "INVALID_ARGUMENT", "request header fields too large (limit 8 KiB)");
    }
    if (ec == http::error::body_limit) return answer_error(413, "INVALID_ARGUMENT", "request body too large");
    if (ec) return answer_error(400, "INVALID_ARGUMENT", std::string("malformed request: ") + ec.message());

    req_ = parser_->release();
    head_ = req_.method() == http::verb::head;
    keep_alive_ = req_.keep_alive();
    if (req_.target().size() > state_.options.target_limit) {
      return answer_error(414, "INVALID_ARGUMENT", "request target too long (limit 4 KiB)");
    }
    const auto auth = req_.find(http::field::authorization);
    const api_request ar{std::string_view(req_.method_string().data(), req_.method_string().size()),
                         std::string_view(req_.target().data(), req_.target().size()),
                         auth == req_.end() ? std::string_view()
                                            : std::string_view(auth->value().data(), auth->value().size())};
    auto started = state_.svc.begin(ar);
    if (started.response) return send(*started.response, req_.version(), keep_alive_, head_);

    if (state_.stopping) {  // no more waiting once a stop began
      return send(state_.svc.complete(*started.wait, false), req_.version(), false, head_);
    }
    // Wait for min_offsets without holding a thread: the catch-up loop wakes us.
    stream_.expires_never();
    auto work = std::make_shared<net::executor_work_guard<beast::tcp_stream::executor_type>>(stream_.get_executor());
    state_.svc.park(started.wait, [self = shared_from_this(), wait = started.wait, work](bool reached) {
      net::post(self->stream_.get_executor(), [self, wait, reached, work] {
        self->send(self->state_.svc.complete(*wait, reached), self->req_.version(), self->keep_alive_, self->head_);
      });
    });
  }

  // Serializes the response by hand into a buffer the session reuses (no per-request header
  // allocations once warm) and writes it with the body, which is shared with the response cache.
  void send(const api_response& r, unsigned version, bool keep_alive, bool head) {
    keep_alive = keep_alive && !state_.stopping;
    const auto reason = http::obsolete_reason(static_cast<http::status>(r.status));
    out_.clear();
    out_ += version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
    out_ += std::to_string(r.status);
    out_ += ' ';
    out_.append(reason.data(), reason.size());
    out_ += "\r\nServer: fleetledger-reader\r\nContent-Type: ";
    out_ += r.content_type;
    if (r.freshness) {
      out_ += "\r\nX-Fleetledger-Offsets: ";
      out_ += r.offsets;
      out_ += "\r\nX-Fleetledger-Lag-Ms: ";
      out_ += std::to_string(r.lag_ms);
    }
    if (r.allow_header) out_ += "\r\nAllow: GET, HEAD";
    if (r.www_authenticate) out_ += "\r\nWWW-Authenticate: Bearer realm=\"fleetledger\"";
    if (!keep_alive) {
      out_ += "\r\nConnection: close";
    } else if (version == 10) {
      out_ += "\r\nConnection: keep-alive";
    }
    out_ += "\r\nContent-Length: ";
    out_ += std::to_string(r.text().size());
    out_ += "\r\n\r\n";
    body_ = head ? nullptr : r.body;
    const std::array<net::const_buffer, 2> buffers{net::buffer(out_),
                                                   body_ ? net::buffer(*body_) : net::const_buffer()};
    stream_.expires_after(state_.options.write_timeout);
    net::async_write(stream_, buffers,
                     beast::bind_front_handler(&session::on_write, shared_from_this(), !keep_alive));
  }

  void on_write(bool close, beast::error_code ec, std::size_t) {
    if (ec || close) return do_close();
    do_read();
  }

  void do_close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.close();
  }

  beast::tcp_stream stream_;
  server_state& state_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  request req_;
  std::string out_;                          // serialized status line and headers
  std::shared_ptr<const std::string> body_;  // kept alive until written
  bool reading_{false};
  bool head_{false};
  bool keep_alive_{true};
};

class listener : public std::enable_shared_from_this<listener> {
public:
  listener(net::io_context& ioc, server_state& state) : ioc_(ioc), acceptor_(net::make_strand(ioc)), state_(state) {}

  beast::error_code open(const tcp::endpoint& endpoint) {
    beast::error_code ec;
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
    return ec;
  }
  std::uint16_t port() const {
    beast::error_code ec;
    return acceptor_.local_endpoint(ec).port();
  }
  void run() { do_accept(); }
  void stop() {
    net::post(acceptor_.get_executor(), [self = shared_from_this()] {
      beast::error_code ec;
      self->acceptor_.close(ec);
    });
  }

private:
  void do_accept() {
    acceptor_.async_accept(net::make_strand(ioc_), beast::bind_front_handler(&listener::on_accept, shared_from_this()));
  }
  void on_accept(beast::error_code ec, tcp::socket socket) {
    if (state_.stopping || ec == net::error::operation_aborted) return;
    if (!ec) {
      beast::error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
      std::make_shared<session>(std::move(socket), state_)->run();
    }
    do_accept();
  }

  net::io_context& ioc_;
  tcp::acceptor acceptor_;
  server_state& state_;
};

}  // namespace

int run_server(service& svc, const server_options& options, const std::function<void(std::uint16_t)>& on_listening) {
  const int threads = std::max(1, options.threads);
  net::io_context ioc{threads};
  server_state state(svc, options);

  beast::error_code ec;
  const auto address = net::ip::make_address(options.listen == "localhost" ? "127.0.0.1" : options.listen, ec);
  if (ec) {
    fe::log::error("bad listen address", {{"listen", options.listen}, {"error", ec.message()}});
    return 1;
  }
  auto l = std::make_shared<listener>(ioc, state);
  if (ec = l->open(tcp::endpoint(address, options.port)); ec) {
    fe::log::error("cannot listen", {{"listen", options.listen}, {"port", options.port}, {"error", ec.message()}});
    return 1;
  }
  on_listening(l->port());
  l->run();

  net::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](const beast::error_code& e, int signal) {
    if (e) return;
    fe::log::info("stopping: finishing in-flight requests", {{"signal", signal}});
    state.stopping = true;
    l->stop();
    svc.release_all();
    std::vector<std::shared_ptr<session>> open;
    {
      std::lock_guard lock(state.mu);
      for (auto& [_, w] : state.sessions) {
        if (auto s = w.lock()) open.push_back(std::move(s));
      }
    }
    for (auto& s : open) s->stop();
  });

  std::vector<std::thread> workers;
  workers.reserve(static_cast<std::size_t>(threads - 1));
  for (int i = 1; i < threads; ++i) workers.emplace_back([&ioc] { ioc.run(); });
  ioc.run();
  for (auto& t : workers) t.join();
  return 0;
}

}  // namespace fleetledger::reader

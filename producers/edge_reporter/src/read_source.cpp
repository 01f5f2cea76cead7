// Reading the source document from a file or with a plain HTTP GET (Boost.Beast, synchronous).
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <fstream>
#include <sstream>

#include "fleetledger/producers/edge_reporter/source.hpp"

namespace fleetledger::producers::edge_reporter {
namespace {

using fleetledger::events::errc;
using fleetledger::events::make_error;
namespace beast = boost::beast;
namespace http = beast::http;
namespace asio = boost::asio;

constexpr std::size_t max_body = 64 * 1024 * 1024;

fleetledger::events::result<std::string> http_get(const std::string& url, std::chrono::milliseconds timeout) {
  // http://host[:port]/path
  std::string rest = url.substr(7);
  const auto slash = rest.find('/');
  std::string hostport = rest.substr(0, slash);
  std::string target = slash == std::string::npos ? "/" : rest.substr(slash);
  std::string host = hostport, port = "80";
  if (const auto colon = hostport.rfind(':'); colon != std::string::npos) {
    host = hostport.substr(0, colon);
    port = hostport.substr(colon + 1);
  }
  if (host.empty()) return make_error(errc::invalid_argument, "source URL has no host: " + url);
  try {
    asio::io_context ioc;
    asio::ip::tcp::resolver resolver(ioc);
    beast::tcp_stream stream(ioc);
    stream.expires_after(timeout);
    const auto endpoints = resolver.resolve(host, port);
    stream.connect(endpoints);
    http::request<http::empty_body> req{http::verb::get, target, 11};
    req.set(http::field::host, hostport);
    req.set(http::field::user_agent, "fleetledger-edge-reporter");
    req.set(http::field::accept, "application/json");
    stream.expires_after(timeout);
    http::write(stream, req);
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(max_body);
    stream.expires_after(timeout);
    http::read(stream, buffer, parser);
    beast::error_code ignored;
    stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    const auto& res = parser.get();
    if (res.result_int() != 200) {
      return make_error(errc::unavailable,
                        "GET " + url + " answered HTTP " + std::to_string(res.result_int()));
    }
    return res.body();
  } catch (const std::exception& e) {
    return make_error(errc::unavailable, "GET " + url + " failed: " + e.what());
  }
}

}  // namespace

fleetledger::events::result<std::string> read_source(const std::string& location, std::chrono::milliseconds timeout) {
  if (location.rfind("https://", 0) == 0) {
    return make_error(errc::invalid_argument, "https sources are not supported; use http:// on a local agent or a file");
  }
  if (location.rfind("http://", 0) == 0) return http_get(location, timeout);
  std::ifstream in(location, std::ios::binary);
  if (!in) return make_error(errc::io_error, "cannot read source file " + location);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace fleetledger::producers::edge_reporter

// libFuzzer target for the reader's request handling: bytes -> Beast's request_parser (with the
// server's header and body limits) -> when a request parses, the query-string decoding and
// handle() with no view open (every /v1 view route answers 503, the rest must not crash). Each
// answer must be a well-formed JSON error or body with a status the contract knows. See docs/FUZZING.md.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string_view>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/json/parse.hpp>

#include "fleetledger/reader/http.hpp"
#include "fleetledger/reader/query_string.hpp"
#include "fleetledger/reader/service.hpp"
#include "fleetledger/reader/view_set.hpp"

namespace fr = fleetledger::reader;
namespace http = boost::beast::http;

namespace {

struct world {
  world() {
    fr::view_paths paths;
    const auto root = std::filesystem::temp_directory_path() / "fleetledger-http-fuzz-missing";
    for (const auto v : fr::all_views) paths.dirs[static_cast<std::size_t>(v)] = root / std::string(fr::to_string(v));
    paths.secondary_root = root / "reader";
    views = std::make_unique<fr::view_set>(paths);
    svc = std::make_unique<fr::service>(*views, fr::token_table::parse("tok operator\nten tenant t1\n").value());
    open_svc = std::make_unique<fr::service>(*views, std::nullopt);
  }
  std::unique_ptr<fr::view_set> views;
  std::unique_ptr<fr::service> svc;       // with tokens
  std::unique_ptr<fr::service> open_svc;  // without
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static world w;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);

  // The query-string decoders on the raw bytes.
  (void)fr::percent_decode(bytes, true);
  (void)fr::parse_offsets(bytes);
  (void)fr::parse_int(bytes);
  (void)fr::parse_double(bytes.substr(0, 64));

  http::request_parser<http::string_body> parser;
  parser.header_limit(8 * 1024);
  parser.body_limit(64 * 1024);
  parser.eager(true);
  boost::beast::error_code ec;
  parser.put(boost::asio::buffer(bytes.data(), bytes.size()), ec);
  if (ec || !parser.is_done()) return 0;
  const auto& req = parser.get();
  (void)fr::parse_target(std::string_view(req.target().data(), req.target().size()));
  for (auto* svc : {w.svc.get(), w.open_svc.get()}) {
    const auto res = fr::handle(*svc, req);
    const unsigned status = res.result_int();
    if (status < 200 || status > 599) std::abort();
    if (res[http::field::content_type].starts_with("application/json") && req.method() != http::verb::head) {
      boost::system::error_code jec;
      (void)boost::json::parse(res.body(), jec);
      if (jec) std::abort();
    }
  }
  return 0;
}

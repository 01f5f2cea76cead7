// fleetledger-reader: serves the projected views over HTTP (DESIGN.md section 6), reading the
// projectors' RocksDB directories as secondary instances kept caught up in the background.
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <mutex>
#include <thread>

#include <boost/asio/ip/address.hpp>

#include "fleetledger/events/command_line.hpp"
#include "fleetledger/events/consumer.hpp"
#include "fleetledger/events/log.hpp"
#include "fleetledger/events/topic_catalogue.hpp"
#include "fleetledger/reader/http.hpp"
#include "fleetledger/reader/service.hpp"
#include "fleetledger/reader/view_set.hpp"

namespace fe = fleetledger::events;
namespace fr = fleetledger::reader;

namespace {

[[noreturn]] void exit_config(const std::string& why) {
  std::fprintf(stderr, "fleetledger-reader: %s\n", why.c_str());
  std::exit(2);
}

// Background loops: catch-up (every --catch-up-ms) and broker watermarks (about once a second).
class background {
public:
  background(fr::view_set& views, fr::service& svc, std::chrono::milliseconds interval, std::string brokers)
      : views_(views), svc_(svc), interval_(interval), brokers_(std::move(brokers)) {}

  void start() {
    catch_up_ = std::thread([this] { catch_up_loop(); });
    if (!brokers_.empty()) lag_ = std::thread([this] { watermark_loop(); });
  }
  void stop() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    if (catch_up_.joinable()) catch_up_.join();
    if (lag_.joinable()) lag_.join();
  }

private:
  bool sleep_for(std::chrono::milliseconds d) {
    std::unique_lock lock(mu_);
    return !cv_.wait_for(lock, d, [this] { return stop_; });
  }

  void catch_up_loop() {
    do {
      (void)views_.tick();
      svc_.refresh_score_pools();
      svc_.on_tick();
    } while (sleep_for(interval_));
  }

  void watermark_loop() {
    std::optional<fe::consumer> consumer;
    std::vector<std::string_view> topics;
    for (const auto& t : fe::event_topics()) topics.push_back(t.name);
    do {
      if (!consumer) {
        fe::consumer_config config;
        config.client.brokers = brokers_;
        config.client.client_id = "fleetledger-reader";
        config.name = "reader";
        auto created = fe::consumer::create(config);
        if (!created) {
          fe::log::warn("lag monitor: cannot create a consumer", {{"error", created.err().message}});
          continue;
        }
        consumer.emplace(std::move(created).value());
      }
      auto partitions = consumer->list_partitions(topics, std::chrono::milliseconds(1000));
      if (!partitions) continue;
      std::map<fe::topic_partition, std::int64_t> high;
      bool complete = true;
      for (const auto& tp : *partitions) {
        auto w = consumer->query_watermarks(tp, std::chrono::milliseconds(500));
        if (!w) {
          complete = false;
          break;
        }
        high[tp] = w->high.value();
      }
      if (complete) views_.set_watermarks(std::move(high), std::chrono::steady_clock::now());
    } while (sleep_for(std::chrono::milliseconds(1000)));
  }

  fr::view_set& views_;
  fr::service& svc_;
  std::chrono::milliseconds interval_;
  std::string brokers_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_{false};
  std::thread catch_up_;
  std::thread lag_;
};

}  // namespace

int main(int argc, char** argv) {
  fe::command_line cli("fleetledger-reader",
                       "Serves fleetledger's projected views (fleet, marketplace, edges) over HTTP, read-only.");
  cli.option("data-dir", "FLEETLEDGER_DATA_DIR", "./var", "Data root; views are read from <data-dir>/views/<view>.")
      .option("fleet-dir", "FLEETLEDGER_FLEET_DIR", "", "The fleet view's directory (overrides --data-dir).")
      .option("marketplace-dir", "FLEETLEDGER_MARKETPLACE_DIR", "", "The marketplace view's directory.")
      .option("edges-dir", "FLEETLEDGER_EDGES_DIR", "", "The edges view's directory.")
      .option("state-dir", "FLEETLEDGER_READER_STATE_DIR", "",
              "Where the secondary instances keep their logs (default <data-dir>/reader; removed on exit).")
      .option("port", "FLEETLEDGER_READER_PORT", "8080", "TCP port; 0 picks a free one (printed on stdout).")
      .option("listen", "FLEETLEDGER_READER_LISTEN", "127.0.0.1",
              "Address to bind; anything but loopback needs --auth-tokens.")
      .option("auth-tokens", "FLEETLEDGER_AUTH_TOKENS", "",
              "File of 'token role [tenant_id]' lines (roles operator, tenant, analyst); every /v1 request then "
              "needs 'Authorization: Bearer <token>'.")
      .option("brokers", "FLEETLEDGER_BROKERS", "",
              "Kafka bootstrap servers, to measure lag against the partitions' high watermarks (optional).")
      .option("domain", "FLEETLEDGER_DOMAIN", "fleetledger.local", "Domain of the ingest and playback URLs.")
      .option("threads", "FLEETLEDGER_READER_THREADS", "2", "HTTP worker threads.")
      .option("catch-up-ms", "FLEETLEDGER_CATCH_UP_MS", "50", "How often the views catch up with the projectors.")
      .option("read-timeout-ms", "FLEETLEDGER_READ_TIMEOUT_MS", "10000",
              "Deadline for reading one request (and keep-alive idle time).")
      .option("log-level", "FLEETLEDGER_LOG_LEVEL", "info", "debug, info, warn or error.")
      .epilog("Example:\n  fleetledger-reader --data-dir ./var --port 8080\n"
              "  curl -s localhost:8080/v1/fleet/summary");
  cli.parse_or_exit(argc, argv);

  fe::log::init("fleetledger-reader", cli.log_level_or_exit("log-level"));

  fr::server_options server;
  server.port = static_cast<std::uint16_t>(cli.int_or_exit("port", 0, 65535));
  server.threads = static_cast<int>(cli.int_or_exit("threads", 1, 64));
  server.read_timeout = std::chrono::milliseconds(cli.int_or_exit("read-timeout-ms", 100, 600'000));
  server.listen = cli.get("listen");
  const auto catch_up = std::chrono::milliseconds(cli.int_or_exit("catch-up-ms", 1, 60'000));

  std::optional<fr::token_table> tokens;
  if (cli.is_set("auth-tokens") && !cli.get("auth-tokens").empty()) {
    auto t = fr::token_table::load(cli.get("auth-tokens"));
    if (!t) exit_config("--auth-tokens " + cli.get("auth-tokens") + ": " + t.err().message);
    tokens = std::move(t).value();
  }
  {
    boost::system::error_code ec;
    const auto address = boost::asio::ip::make_address(server.listen == "localhost" ? "127.0.0.1" : server.listen, ec);
    if (ec) exit_config("--listen: '" + server.listen + "' is not an IP address");
    if (!address.is_loopback() && !tokens) {
      exit_config("refusing to listen on " + server.listen + " without --auth-tokens (only loopback is allowed)");
    }
  }

  const std::filesystem::path data_dir = cli.get("data-dir");
  fr::view_paths paths;
  const char* flags[] = {"fleet-dir", "marketplace-dir", "edges-dir"};
  for (const auto v : fr::all_views) {
    const auto i = static_cast<std::size_t>(v);
    paths.dirs[i] = cli.is_set(flags[i]) && !cli.get(flags[i]).empty()
                        ? std::filesystem::path(cli.get(flags[i]))
                        : data_dir / "views" / std::string(fr::to_string(v));
  }
  paths.secondary_root = cli.is_set("state-dir") && !cli.get("state-dir").empty()
                             ? std::filesystem::path(cli.get("state-dir"))
                             : data_dir / "reader";

  fr::view_set views(paths);
  fr::service_options options;
  options.domain = cli.get("domain");
  fr::service svc(views, std::move(tokens), options);
  background loops(views, svc, catch_up, cli.get("brokers"));
  loops.start();

  const int rc = fr::run_server(svc, server, [&](std::uint16_t port) {
    std::cout << "{\"url\":\"http://" << (server.listen == "0.0.0.0" ? std::string("127.0.0.1") : server.listen) << ":"
              << port << "\",\"port\":" << port << "}" << std::endl;
    fe::log::info("listening", {{"listen", server.listen}, {"port", port}, {"auth", cli.is_set("auth-tokens")}});
  });
  svc.release_all();
  loops.stop();
  views.close();
  fe::log::info("stopped", {{"exit_code", rc}});
  return rc;
}

// prober_bench: how long one fleetledger-prober --once round takes for N clusters (default 10,000 HUB
// clusters, whose interval is 15 s) against a local endpoint. Starts the dev broker, registers the
// clusters through the library publisher, runs the prober and prints the round time and the share of
// the HUB interval it used. The endpoint (--url, e.g. a local nginx serving /readyz) is the caller's.
//   prober_bench --url http://127.0.0.1:18089 [--clusters 10000] [--max-in-flight 256]
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "fleetledger/events/envelope.hpp"
#include "fleetledger/events/publisher.hpp"
#include "support/broker_process.hpp"
#include "support/child_process.hpp"

namespace fe = fleetledger::events;
namespace ft = fleetledger::testing;
using namespace std::chrono_literals;

int main(int argc, char** argv) {
  std::string url;
  int clusters = 10'000;
  std::string max_in_flight = "256";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--url") url = argv[i + 1];
    else if (a == "--clusters") clusters = std::stoi(argv[i + 1]);
    else if (a == "--max-in-flight") max_in_flight = argv[i + 1];
  }
  if (url.empty()) {
    std::fprintf(stderr, "usage: prober_bench --url http://127.0.0.1:PORT [--clusters N] [--max-in-flight K]\n");
    return 2;
  }
  ft::broker_process broker({.stderr_path = "/dev/null"});
  fe::publisher_config pc;
  pc.client.brokers = broker.bootstrap();
  auto pub = fe::publisher::create(pc);
  if (!pub) return 1;
  std::vector<fleetledger::v1::Envelope> regs;
  for (int i = 0; i < clusters; ++i) {
    auto env = fe::make_envelope({.producer = "prober_bench"});
    auto* r = env.mutable_cluster_registered();
    r->set_cluster_id("bench-" + std::to_string(i));
    r->set_name("bench-" + std::to_string(i));
    r->set_api_server_url(url);
    r->set_cluster_type(fleetledger::v1::CLUSTER_TYPE_HUB);
    regs.push_back(std::move(env));
  }
  for (const auto& r : pub->publish_all(regs)) {
    if (!r) return 1;
  }
  const auto start = std::chrono::steady_clock::now();
  auto run = ft::run(ft::bin_path("fleetledger-prober"),
                     ft::child_options{.args = {"--brokers", broker.bootstrap(), "--once", "--max-in-flight", max_in_flight,
                                                "--log-level", "warn"}},
                     600s);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("prober --once: %d clusters in %.2f s (%.0f clusters/s, %.0f%% of the 15 s HUB interval), exit %d\n%s",
              clusters, secs, clusters / secs, 100.0 * secs / 15.0, run.exit_code, run.stdout_text.c_str());
  return run.exit_code == 0 ? 0 : 1;
}

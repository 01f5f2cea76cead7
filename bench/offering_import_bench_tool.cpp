// Helper of bench/offering_import_bench.sh (not a user tool):
//   offering_import_bench_tool generate ROWS FILE.csv   a reproducible mixed-type offerings CSV
//   offering_import_bench_tool encode FILE.csv OUT      the same rows as the records fleetctl would publish
//                                                       (key = provider_id, value = encoded Envelope),
//                                                       framed for `kcat -P -K '|K|' -D '@@FLREC@@#'`
//   offering_import_bench_tool check FILE.csv [REPEATS [THREADS]]
//                                                       the fast check of a clean file, each row encoded
//                                                       into an encoded_batch as fleetctl does: on this
//                                                       thread alone (THREADS 1, the default), in
//                                                       milliseconds of wall and thread CPU per run, a
//                                                       measure of the check's cost that another
//                                                       process's load on the machine disturbs less; or
//                                                       in 4 parts per thread on THREADS threads as
//                                                       fleetctl cuts it (wall only); best and median of
//                                                       REPEATS (default 15)
//   offering_import_bench_tool publish BROKERS RECORDS  publishes the pre-encoded records (encode's OUT)
//                                                       through events::publisher::publish_all with
//                                                       fleetctl's producer settings
//                                                       (command_line_publisher): the import's publish
//                                                       phase alone, without reading or checking any CSV;
//                                                       prints the seconds from the first record enqueued
//                                                       to the last acknowledgement
// Encoding uses the producer library (plan_offering_import) and the codec, so kcat publishes exactly
// the bytes fleetctl publishes, minus the work fleetctl does (parse, validate, encode).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <vector>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "fleetledger/events/codec.hpp"
#include "fleetledger/events/encoded_batch.hpp"
#include "fleetledger/events/envelope.hpp"
#include "fleetledger/events/publisher.hpp"
#include "fleetledger/producers/commands/offering_import.hpp"
#include "fleetledger/producers/commands/publisher_settings.hpp"

namespace {

constexpr const char* key_delim = "|K|";
constexpr const char* record_delim = "@@FLREC@@#";

int generate(long rows, const std::string& path) {
  std::ofstream out(path, std::ios::binary);
  out << "offering_id,provider_id,offer_name,product_type,currency,monthly_price,setup_fee,datacenter_country,"
         "datacenter_city,datacenter_latitude,datacenter_longitude,description,features,gpu_model,gpu_count,rack_units,"
         "software_name,blockchain,container_runtime,storage_class,nas_protocol,k8s_version,processor_cores\n";
  const char* types[] = {"compute", "gpu", "colocation", "saas", "validator", "container", "object_storage", "nas",
                         "kubernetes", "dedicated"};
  const char* cities[][3] = {{"DE", "Frankfurt", ""}, {"US", "Ashburn", ""}, {"SG", "Singapore", ""}, {"NL", "Amsterdam", ""}};
  for (long i = 0; i < rows; ++i) {
    const int t = static_cast<int>(i % 10);
    const auto& c = cities[i % 4];
    char buf[1024];
    std::snprintf(buf, sizeof buf,
                  "off-%07ld,provider-%02ld,\"Offer %ld, %s\",%s,EUR,%ld.%02ld,0,%s,%s,%.2f,%.2f,\"Sample \"\"offer\"\" %ld\",a;b;c,"
                  "%s,%s,%s,%s,%s,%s,%s,%s,%s,%ld\n",
                  i, i % 50, i, types[t], types[t], 5 + i % 500, i % 100, c[0], c[1], 40.0 + static_cast<double>(i % 20),
                  static_cast<double>(i % 30), i, t == 1 ? "A100" : "", t == 1 ? "4" : "", t == 2 ? "2" : "",
                  t == 3 ? "Grafana" : "", t == 4 ? "solana" : "", t == 5 ? "containerd" : "", t == 6 ? "standard" : "",
                  t == 7 ? "nfs" : "", t == 8 ? "1.30" : "", 2 + i % 64);
    out << buf;
  }
  return out ? 0 : 1;
}

int encode(const std::string& csv_path, const std::string& out_path) {
  std::ifstream in(csv_path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  const auto plan = fleetledger::producers::plan_offering_import(ss.str());
  if (!plan.errors.empty()) {
    std::cerr << "encode: " << plan.errors.front().to_string() << "\n";
    return 1;
  }
  std::ofstream out(out_path, std::ios::binary);
  for (const auto& row : plan.valid) {
    fleetledger::v1::Envelope env = fleetledger::events::make_envelope({.producer = "fleetctl"});
    *env.mutable_offering_published() = row.offering;
    const std::string value = fleetledger::events::encode(env);
    if (value.find(record_delim) != std::string::npos || value.find(key_delim) != std::string::npos) {
      std::cerr << "encode: a record contains the delimiter\n";
      return 1;
    }
    out << row.offering.provider_id() << key_delim << value << record_delim;
  }
  std::cout << plan.valid.size() << "\n";
  return out ? 0 : 1;
}

double thread_cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

int check(const std::string& csv_path, int repeats, std::size_t threads) {
  std::ifstream in(csv_path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  const fleetledger::events::event_metadata metadata{.producer = "fleetctl"};
  const std::size_t parts = threads == 1 ? 1 : 4 * threads;  // as fleetctl's check_and_encode
  std::vector<double> wall;
  std::vector<double> cpu;
  for (int r = 0; r < repeats; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    const double c0 = thread_cpu_ms();
    std::vector<fleetledger::events::encoded_batch> batches(parts);
    for (auto& b : batches) b.reserve(text.size() / parts / 64 + 16);
    std::atomic<std::size_t> failed{0};
    const auto occurred_at = std::chrono::system_clock::now();  // one per import, as fleetctl
    std::vector<fleetledger::producers::encoded_offering_sink> sinks;
    for (std::size_t k = 0; k < parts; ++k) {
      sinks.push_back([&, k](std::size_t, std::string_view provider_id, std::string_view offering) {
        if (!batches[k].add(metadata, fleetledger::v1::Envelope::kOfferingPublishedFieldNumber, provider_id, offering,
                            occurred_at)) {
          ++failed;
        }
      });
    }
    const auto plan = fleetledger::producers::check_clean_offering_import(text, {}, sinks, threads);
    cpu.push_back(thread_cpu_ms() - c0);
    wall.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    std::size_t encoded = 0;
    for (const auto& b : batches) encoded += b.size();
    if (!plan || failed != 0 || encoded != plan->rows) {
      std::cerr << "check: the file is not clean (or a row could not be encoded)\n";
      return 1;
    }
  }
  std::sort(wall.begin(), wall.end());
  std::sort(cpu.begin(), cpu.end());
  if (threads == 1) {
    std::printf("check wall_ms best=%.1f median=%.1f cpu_ms best=%.1f median=%.1f (%d runs)\n", wall.front(),
                wall[wall.size() / 2], cpu.front(), cpu[cpu.size() / 2], repeats);
  } else {
    std::printf("check threads=%zu wall_ms best=%.1f median=%.1f (%d runs)\n", threads, wall.front(),
                wall[wall.size() / 2], repeats);
  }
  return 0;
}

// The records of encode's OUT, re-encoded into one batch (decode + encode gives the same bytes).
int publish(const std::string& brokers, const std::string& records_path) {
  std::ifstream in(records_path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string data = ss.str();
  fleetledger::events::encoded_batch batch;
  fleetledger::events::encoded_batch warm;  // the first record once more, published before timing
  const std::string_view kd = key_delim;
  const std::string_view rd = record_delim;
  for (std::size_t pos = 0; pos < data.size();) {
    std::size_t end = data.find(rd, pos);
    if (end == std::string::npos) end = data.size();
    const std::string_view rec(data.data() + pos, end - pos);
    pos = end + rd.size();
    const std::size_t k = rec.find(kd);
    if (k == std::string_view::npos) {
      std::cerr << "publish: a record without a key delimiter\n";
      return 1;
    }
    auto env = fleetledger::events::decode(rec.substr(k + kd.size()));
    if (!env || !batch.add(*env) || (warm.empty() && !warm.add(*env))) {
      std::cerr << "publish: a record that does not decode or route\n";
      return 1;
    }
  }
  const auto cfg = fleetledger::producers::command_line_publisher(brokers, std::chrono::seconds(30));
  auto pub = fleetledger::events::publisher::create(cfg);
  if (!pub) {
    std::cerr << "publish: " << pub.err().message << "\n";
    return 1;
  }
  // The first publish waits for the connection and the producer id, which fleetctl gets while it
  // checks the file: one record first, not timed.
  if (const auto w = pub->publish_all(std::span<const fleetledger::events::encoded_batch>(&warm, 1)); !w.errors.empty()) {
    std::cerr << "publish: " << w.errors.front().second.message << "\n";
    return 1;
  }
  const auto t0 = std::chrono::steady_clock::now();
  const auto outcome = pub->publish_all(std::span<const fleetledger::events::encoded_batch>(&batch, 1));
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!outcome.errors.empty()) {
    std::cerr << "publish: " << outcome.errors.size() << " records failed: " << outcome.errors.front().second.message << "\n";
    return 1;
  }
  std::printf("%zu %.6f\n", outcome.size(), seconds);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 4 && std::string(argv[1]) == "generate") return generate(std::atol(argv[2]), argv[3]);
  if (argc == 4 && std::string(argv[1]) == "encode") return encode(argv[2], argv[3]);
  if (argc >= 3 && argc <= 5 && std::string(argv[1]) == "check") {
    const int repeats = argc >= 4 ? std::atoi(argv[3]) : 15;
    const long threads = argc == 5 ? std::atol(argv[4]) : 1;
    if (repeats < 1 || threads < 1 || threads > 64) {
      std::cerr << "check: REPEATS must be at least 1 and THREADS 1-64\n";
      return 2;
    }
    return check(argv[2], repeats, static_cast<std::size_t>(threads));
  }
  if (argc == 4 && std::string(argv[1]) == "publish") return publish(argv[2], argv[3]);
  std::cerr << "usage: offering_import_bench_tool generate ROWS FILE.csv | encode FILE.csv OUT | check FILE.csv [REPEATS"
               " [THREADS]] | publish BROKERS RECORDS\n";
  return 2;
}

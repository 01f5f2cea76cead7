// Helper of bench/offering_import_bench.sh (not a user tool):
//   offering_import_bench_tool generate ROWS FILE.csv   a reproducible mixed-type offerings CSV
//   offering_import_bench_tool encode FILE.csv OUT      the same rows as the records fleetctl would publish
//                                                       (key = provider_id, value = encoded Envelope),
//                                                       framed for `kcat -P -K '|K|' -D '@@FLREC@@#'`
// Encoding uses the producer library (plan_offering_import) and the codec, so kcat publishes exactly
// the bytes fleetctl publishes, minus the work fleetctl does (parse, validate, encode).
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "fleetledger/events/codec.hpp"
#include "fleetledger/events/envelope.hpp"
#include "fleetledger/producers/commands/offering_import.hpp"

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

}  // namespace

int main(int argc, char** argv) {
  if (argc == 4 && std::string(argv[1]) == "generate") return generate(std::atol(argv[2]), argv[3]);
  if (argc == 4 && std::string(argv[1]) == "encode") return encode(argv[2], argv[3]);
  std::cerr << "usage: offering_import_bench_tool generate ROWS FILE.csv | encode FILE.csv OUT\n";
  return 2;
}

// libFuzzer target for the offering import: any bytes as a CSV file go to the exact check
// (check_offering_import, messages, every error) and to the fast check in parts
// (check_clean_offering_import, wire format written directly, on two threads). The fast check may
// give up on any file (the caller then runs the exact one), but when it gives a plan, the exact check
// must have found no problem and both must hand over the same rows: the same lines and the same
// bytes, in file order. See docs/FUZZING.md.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fleetledger/producers/commands/offering_import.hpp"
#include "fleetledger/v1/offering.pb.h"

namespace fp = fleetledger::producers;

namespace {

using rows = std::vector<std::pair<std::size_t, std::string>>;

void require(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  // The first byte picks the parts and the provider option; the rest is the file.
  const std::uint8_t knobs = data[0];
  const std::string_view csv(reinterpret_cast<const char*>(data + 1), size - 1);
  fp::offering_import_options options;
  if ((knobs & 0x10) != 0) options.default_provider_id = "fuzz-provider";

  rows exact;
  const auto plan = fp::check_offering_import(csv, options, [&](std::size_t line, fleetledger::v1::OfferingPublished& o) {
    exact.emplace_back(line, o.SerializeAsString());
  });

  const std::size_t parts = 1 + (knobs & 0x07);
  std::vector<rows> got(parts);
  std::vector<fp::encoded_offering_sink> sinks;
  for (std::size_t k = 0; k < parts; ++k) {
    sinks.push_back([&got, k](std::size_t line, std::string_view provider_id, std::string_view bytes) {
      fleetledger::v1::OfferingPublished o;
      require(o.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())));
      require(o.provider_id() == provider_id);
      got[k].emplace_back(line, std::string(bytes));
    });
  }
  const auto fast = fp::check_clean_offering_import(csv, options, sinks, (knobs & 0x08) != 0 ? 2 : 1);
  if (!fast) return 0;
  require(!plan.file_error && plan.errors.empty() && plan.invalid_lines.empty());
  require(fast->rows == plan.rows);
  require(fast->unknown_columns == plan.unknown_columns);
  rows all;
  for (const auto& g : got) all.insert(all.end(), g.begin(), g.end());
  require(all == exact);
  return 0;
}

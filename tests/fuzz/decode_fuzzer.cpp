// libFuzzer target for decode(): any input must give an error or an envelope that survives
// encode() + decode() unchanged. Build with -DFLEETLEDGER_FUZZ=ON (clang); see docs/FUZZING.md.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <google/protobuf/stubs/logging.h>
#include <google/protobuf/util/message_differencer.h>

#include "fleetledger/events/codec.hpp"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // protobuf logs each invalid UTF-8 string it rejects: noise at fuzzing speed.
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto decoded = fleetledger::events::decode(bytes);
  if (!decoded) {
    if (decoded.err().code != fleetledger::events::errc::decode_failed || decoded.err().message.empty()) {
      std::abort();
    }
    return 0;
  }
  const std::string encoded = fleetledger::events::encode(*decoded);
  auto again = fleetledger::events::decode(encoded);
  if (!again || !google::protobuf::util::MessageDifferencer::Equals(*decoded, *again) ||
      fleetledger::events::encode(*again) != encoded) {
    std::abort();
  }
  return 0;
}

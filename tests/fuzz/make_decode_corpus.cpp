// Writes the seed corpus of decode_fuzzer: one valid envelope per payload type (every field filled,
// short values) and a few invalid inputs. Usage: make_decode_corpus <dir>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <google/protobuf/descriptor.h>

#include "fleetledger/events/codec.hpp"
#include "fleetledger/events/envelope.hpp"
#include "fleetledger/events/timestamps.hpp"
#include "message_filler.hpp"

namespace {

void write_file(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) {
    std::fprintf(stderr, "make_decode_corpus: cannot write %s\n", path.c_str());
    std::exit(1);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_decode_corpus <dir>\n");
    return 2;
  }
  const std::filesystem::path dir = argv[1];
  std::filesystem::create_directories(dir);

  // Fixed time and ids so regenerating gives the same files.
  const auto at = fleetledger::events::parse_rfc3339("2026-11-23T21:43:27.123Z");
  if (!at) return 1;
  fleetledger::testing::message_filler filler(/*short_values=*/true);
  const auto* oneof = fleetledger::v1::Envelope::descriptor()->FindOneofByName("payload");
  fleetledger::v1::Envelope last;
  for (int i = 0; i < oneof->field_count(); ++i) {
    const auto* field = oneof->field(i);
    auto env = fleetledger::events::make_envelope({.producer = "corpus", .actor = "op-1"}, *at);
    char id[37];
    std::snprintf(id, sizeof id, "00000000-0000-4000-8000-%012d", i + 1);
    env.set_event_id(id);
    env.set_correlation_id(id);
    filler.fill(*env.GetReflection()->MutableMessage(&env, field));
    write_file(dir / ("valid-" + field->name()), fleetledger::events::encode(env));
    last = env;
  }

  const std::string valid = fleetledger::events::encode(last);
  write_file(dir / "invalid-empty", "");
  write_file(dir / "invalid-garbage", std::string("\xff\xff\xff\xff\x0f", 5));
  write_file(dir / "invalid-truncated", valid.substr(0, valid.size() / 2));
  auto no_payload = last;
  no_payload.clear_payload();
  write_file(dir / "invalid-no-payload", fleetledger::events::encode(no_payload));
  auto bad_id = last;
  bad_id.set_event_id("not-a-uuid");
  write_file(dir / "invalid-event-id", fleetledger::events::encode(bad_id));
  auto no_time = last;
  no_time.clear_occurred_at();
  write_file(dir / "invalid-no-occurred-at", fleetledger::events::encode(no_time));
  return 0;
}

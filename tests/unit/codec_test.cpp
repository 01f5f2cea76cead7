// encode()/decode(): every payload type round-trips field by field; hostile bytes give an error.
#include <cstdint>
#include <memory>
#include <random>
#include <string>

#include <catch2/catch.hpp>
#include <google/protobuf/stubs/logging.h>
#include <google/protobuf/util/message_differencer.h>

#include "fleetledger/events/codec.hpp"
#include "fleetledger/events/envelope.hpp"
#include "fleetledger/events/wire_writer.hpp"
#include "message_filler.hpp"

namespace {

using fleetledger::events::decode;
using fleetledger::events::encode;
using fleetledger::events::errc;
using fleetledger::v1::Envelope;
using google::protobuf::util::MessageDifferencer;

// protobuf logs every invalid UTF-8 string it rejects; random input would flood the test output.
struct quiet_protobuf_log {
  quiet_protobuf_log() : previous(google::protobuf::SetLogHandler(nullptr)) {}
  ~quiet_protobuf_log() { google::protobuf::SetLogHandler(previous); }
  quiet_protobuf_log(const quiet_protobuf_log&) = delete;
  quiet_protobuf_log& operator=(const quiet_protobuf_log&) = delete;
  google::protobuf::LogHandler* previous;
};

const google::protobuf::OneofDescriptor& payload_oneof() {
  return *Envelope::descriptor()->FindOneofByName("payload");
}

Envelope filled_envelope(const google::protobuf::FieldDescriptor* payload_field,
                         fleetledger::testing::message_filler& filler) {
  Envelope env = fleetledger::events::make_envelope(
      {.producer = "codec-test", .actor = "tenant-a", .correlation_id = "", .causation_id = "cause-1"});
  filler.fill(*env.GetReflection()->MutableMessage(&env, payload_field));
  return env;
}

// decode() either refuses the bytes or returns an envelope that survives another round trip.
void check_decode_is_safe(std::string_view bytes) {
  auto decoded = decode(bytes);
  if (!decoded) {
    CHECK(decoded.err().code == errc::decode_failed);
    CHECK_FALSE(decoded.err().message.empty());
    return;
  }
  auto again = decode(encode(*decoded));
  REQUIRE(again.has_value());
  CHECK(MessageDifferencer::Equals(*decoded, *again));
}

}  // namespace

TEST_CASE("the envelope holds the 31 payload types DESIGN.md lists", "[codec]") {
  // Dropping or adding an event type must be a deliberate change to this number and to DESIGN.md.
  CHECK(payload_oneof().field_count() == 31);
}

TEST_CASE("every payload type round-trips through encode and decode field by field", "[codec]") {
  const auto& oneof = payload_oneof();
  fleetledger::testing::message_filler filler;
  for (int i = 0; i < oneof.field_count(); ++i) {
    const auto* field = oneof.field(i);
    const Envelope original = filled_envelope(field, filler);
    DYNAMIC_SECTION(field->message_type()->name()) {
      // The filler must reach every field, else the round trip below proves nothing about it.
      const auto unset = fleetledger::testing::message_filler::unset_fields(
          original.GetReflection()->GetMessage(original, field));
      INFO("unset fields: " << Catch::Detail::stringify(unset));
      CHECK(unset.empty());

      const std::string bytes = encode(original);
      auto decoded = decode(bytes);
      INFO(field->message_type()->name());
      REQUIRE(decoded.has_value());
      std::string diff;
      MessageDifferencer differencer;
      differencer.ReportDifferencesToString(&diff);
      CHECK(differencer.Compare(original, *decoded));
      CHECK(diff.empty());

      // Explicit checks, independent of the differencer.
      CHECK(decoded->event_id() == original.event_id());
      CHECK(decoded->occurred_at().seconds() == original.occurred_at().seconds());
      CHECK(decoded->occurred_at().nanos() == original.occurred_at().nanos());
      CHECK(decoded->producer() == "codec-test");
      CHECK(decoded->actor() == "tenant-a");
      CHECK(decoded->correlation_id() == original.event_id());
      CHECK(decoded->causation_id() == "cause-1");
      CHECK(static_cast<int>(decoded->payload_case()) == field->number());
      CHECK(fleetledger::events::payload_type_name(*decoded) == field->message_type()->name());
      const auto& before = original.GetReflection()->GetMessage(original, field);
      const auto& after = decoded->GetReflection()->GetMessage(*decoded, field);
      const auto* first = field->message_type()->field(0);
      REQUIRE(first->type() == google::protobuf::FieldDescriptor::TYPE_STRING);
      CHECK_FALSE(after.GetReflection()->GetString(after, first).empty());
      CHECK(after.GetReflection()->GetString(after, first) == before.GetReflection()->GetString(before, first));
      // Deterministic: the decoded envelope encodes to the same bytes.
      CHECK(encode(*decoded) == bytes);
    }
  }
}

TEST_CASE("explicit fields survive a round trip", "[codec]") {
  Envelope env = fleetledger::events::make_envelope({.producer = "fleetctl", .actor = "op-1"});

  SECTION("ClusterRegistered with labels and nested messages") {
    auto* c = env.mutable_cluster_registered();
    c->set_cluster_id("c-1");
    c->set_name("edge-paris-1");
    c->set_cluster_type(fleetledger::v1::CLUSTER_TYPE_FAR_EDGE);
    (*c->mutable_labels())["zone"] = "eu-west";
    (*c->mutable_labels())["tier"] = "gold";
    c->mutable_geo()->set_latitude(48.8566);
    c->mutable_geo()->set_longitude(2.3522);
    c->mutable_capacity()->set_max_bandwidth_mbps(10'000);
    auto d = decode(encode(env));
    REQUIRE(d.has_value());
    const auto& r = d->cluster_registered();
    CHECK(r.cluster_id() == "c-1");
    CHECK(r.name() == "edge-paris-1");
    CHECK(r.cluster_type() == fleetledger::v1::CLUSTER_TYPE_FAR_EDGE);
    CHECK(r.labels().size() == 2);
    CHECK(r.labels().at("zone") == "eu-west");
    CHECK(r.geo().latitude() == 48.8566);
    CHECK(r.capacity().max_bandwidth_mbps() == 10'000);
  }
  SECTION("EdgeSummaryReported with repeated edges") {
    auto* s = env.mutable_edge_summary_reported();
    s->set_cluster_id("c-2");
    s->mutable_report_interval()->set_seconds(15);
    for (int i = 0; i < 2; ++i) {
      auto* e = s->add_edges();
      e->set_node_id("n" + std::to_string(i));
      e->set_bw_available_bytes_per_sec(1'250'000'000ULL + static_cast<unsigned>(i));
      e->add_roles("ingest");
    }
    s->mutable_edges(1)->set_draining(true);
    auto d = decode(encode(env));
    REQUIRE(d.has_value());
    const auto& r = d->edge_summary_reported();
    REQUIRE(r.edges_size() == 2);
    CHECK(r.edges(1).node_id() == "n1");
    CHECK(r.edges(1).bw_available_bytes_per_sec() == 1'250'000'001ULL);
    CHECK(r.edges(1).draining());
    CHECK_FALSE(r.edges(0).draining());
    CHECK(r.report_interval().seconds() == 15);
  }
  SECTION("proto3 optional fields keep presence even at their default value") {
    auto* o = env.mutable_offering_published();
    o->set_offering_id("o-1");
    o->set_provider_id("p-1");
    o->set_rack_units(0);
    o->set_registry_included(false);
    auto d = decode(encode(env));
    REQUIRE(d.has_value());
    const auto& r = d->offering_published();
    CHECK(r.has_rack_units());
    CHECK(r.rack_units() == 0);
    CHECK(r.has_registry_included());
    CHECK_FALSE(r.has_gpu_count());
  }
  SECTION("sealed secrets keep binary bytes") {
    auto* s = env.mutable_cluster_credentials_stored();
    s->set_cluster_id("c-3");
    s->set_auth_type(fleetledger::v1::AUTH_TYPE_OIDC);
    s->mutable_secret()->set_ciphertext(std::string("\x00\x01\xfe\xff", 4));
    auto d = decode(encode(env));
    REQUIRE(d.has_value());
    CHECK(d->cluster_credentials_stored().secret().ciphertext() == std::string("\x00\x01\xfe\xff", 4));
    CHECK(d->cluster_credentials_stored().auth_type() == fleetledger::v1::AUTH_TYPE_OIDC);
  }
}

TEST_CASE("encode is deterministic for maps built in different orders", "[codec]") {
  Envelope a = fleetledger::events::make_envelope({.producer = "p"});
  Envelope b = a;
  for (int i = 0; i < 50; ++i) {
    (*a.mutable_cluster_registered()->mutable_labels())["k" + std::to_string(i)] = "v";
    (*b.mutable_cluster_registered()->mutable_labels())["k" + std::to_string(49 - i)] = "v";
  }
  CHECK(encode(a) == encode(b));
}

TEST_CASE("decode names what is wrong with an envelope", "[codec]") {
  const quiet_protobuf_log quiet;
  Envelope env = fleetledger::events::make_envelope({.producer = "p"});
  env.mutable_tenant_created()->set_tenant_id("t-1");
  REQUIRE(decode(encode(env)).has_value());

  auto message_of = [](std::string_view bytes) {
    auto r = decode(bytes);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.err().code == errc::decode_failed);
    return r.err().message;
  };

  SECTION("bytes that are not protobuf") {
    CHECK(message_of(std::string("\xff\xff\xff", 3)) ==
          "not a fleetledger.v1.Envelope (protobuf parse failed at 3 bytes)");
  }
  SECTION("empty input") { CHECK(message_of("") == "envelope has no payload"); }
  SECTION("no payload") {
    Envelope e = env;
    e.clear_payload();
    CHECK(message_of(encode(e)) == "envelope has no payload");
  }
  SECTION("a payload field this build does not know") {
    std::string bytes = encode(env);
    Envelope e = env;
    e.clear_payload();
    bytes = encode(e) + std::string("\xfa\x05\x00", 3);  // field 95, length-delimited, empty
    CHECK_THAT(message_of(bytes), Catch::Contains("no payload") && Catch::Contains("unknown field 95"));
  }
  SECTION("empty event id") {
    Envelope e = env;
    e.clear_event_id();
    CHECK(message_of(encode(e)) == "envelope event_id is empty");
  }
  SECTION("event id that is not a UUID") {
    Envelope e = env;
    e.set_event_id("x");
    CHECK(message_of(encode(e)) == "envelope event_id 'x' is not a UUID");
  }
  SECTION("missing occurred_at") {
    Envelope e = env;
    e.clear_occurred_at();
    CHECK(message_of(encode(e)) == "envelope occurred_at is missing");
  }
  SECTION("occurred_at beyond what a time_point holds") {
    Envelope e = env;
    e.mutable_occurred_at()->set_seconds(253'402'300'799);  // 9999-12-31T23:59:59Z
    CHECK_THAT(message_of(encode(e)), Catch::StartsWith("occurred_at out of range"));
  }
  SECTION("occurred_at with negative nanos") {
    Envelope e = env;
    e.mutable_occurred_at()->set_nanos(-1);
    CHECK_THAT(message_of(encode(e)), Catch::StartsWith("occurred_at out of range"));
  }
  SECTION("input over the size limit is refused before parsing") {
    const std::string big(fleetledger::events::max_envelope_bytes + 1, '\0');
    CHECK_THAT(message_of(big), Catch::Contains("exceeds the limit of 8388608 bytes"));
  }
}

TEST_CASE("random bytes give a decode error or a valid envelope and never crash", "[codec]") {
  const quiet_protobuf_log quiet;
  std::mt19937_64 prng(20261123);
  std::uniform_int_distribution<std::size_t> length(0, 512);
  std::uniform_int_distribution<int> byte(0, 255);
  std::string buf;
  int accepted = 0;
  for (int i = 0; i < 20'000; ++i) {
    buf.resize(length(prng));
    for (auto& c : buf) c = static_cast<char>(byte(prng));
    auto r = decode(buf);
    if (r) {
      ++accepted;
      check_decode_is_safe(buf);
    } else {
      REQUIRE(r.err().code == errc::decode_failed);
    }
  }
  // A random buffer passing every semantic check would mean the checks are too weak.
  CHECK(accepted == 0);
}

TEST_CASE("every truncation of a valid encoding is refused or still valid", "[codec]") {
  const quiet_protobuf_log quiet;
  const auto& oneof = payload_oneof();
  fleetledger::testing::message_filler filler;
  for (int i = 0; i < oneof.field_count(); ++i) {
    const std::string bytes = encode(filled_envelope(oneof.field(i), filler));
    INFO(oneof.field(i)->message_type()->name());
    for (std::size_t n = 0; n < bytes.size(); ++n) check_decode_is_safe(std::string_view(bytes).substr(0, n));
  }
}

TEST_CASE("random corruption of valid encodings never crashes decode", "[codec]") {
  const quiet_protobuf_log quiet;
  const auto& oneof = payload_oneof();
  fleetledger::testing::message_filler filler;
  std::mt19937_64 prng(7);
  for (int i = 0; i < oneof.field_count(); ++i) {
    const std::string bytes = encode(filled_envelope(oneof.field(i), filler));
    std::uniform_int_distribution<std::size_t> pos(0, bytes.size() - 1);
    for (int round = 0; round < 300; ++round) {
      std::string mutated = bytes;
      for (int flips = 0; flips < 3; ++flips) mutated[pos(prng)] = static_cast<char>(prng());
      check_decode_is_safe(mutated);
    }
  }
}

TEST_CASE("peek_payload names the payload type and its bytes as decode would", "[codec]") {
  const auto& oneof = payload_oneof();
  fleetledger::testing::message_filler filler;
  for (int i = 0; i < oneof.field_count(); ++i) {
    const Envelope env = filled_envelope(oneof.field(i), filler);
    const std::string bytes = encode(env);
    INFO(oneof.field(i)->message_type()->name());
    const auto peek = fleetledger::events::peek_payload(bytes);
    CHECK(peek.type == oneof.field(i)->message_type()->name());
    const auto& payload = env.GetReflection()->GetMessage(env, oneof.field(i));
    std::unique_ptr<google::protobuf::Message> reparsed(payload.New());
    REQUIRE(reparsed->ParseFromArray(peek.bytes.data(), static_cast<int>(peek.bytes.size())));
    CHECK(MessageDifferencer::Equals(payload, *reparsed));
    // The whole field: its tag and length, then those bytes, ending where they end.
    std::string expected;
    fleetledger::events::wire::put_tag(expected, oneof.field(i)->number(), 2);
    fleetledger::events::wire::put_varint(expected, peek.bytes.size());
    expected += peek.bytes;
    CHECK(peek.field == expected);
    CHECK(peek.field.data() + peek.field.size() == peek.bytes.data() + peek.bytes.size());
  }
}

TEST_CASE("peek_payload never names another type than decode on corrupted bytes", "[codec]") {
  const quiet_protobuf_log quiet;
  const auto& oneof = payload_oneof();
  fleetledger::testing::message_filler filler;
  std::mt19937_64 prng(11);
  int compared = 0;
  for (int i = 0; i < oneof.field_count(); ++i) {
    const std::string bytes = encode(filled_envelope(oneof.field(i), filler));
    std::uniform_int_distribution<std::size_t> pos(0, bytes.size() - 1);
    for (int round = 0; round < 300; ++round) {
      std::string mutated = bytes;
      mutated[pos(prng)] = static_cast<char>(prng());
      const auto decoded = decode(mutated);
      if (!decoded) continue;  // a peek of refused bytes is only a hint; decode names the problem
      // The peek may give up (e.g. on an unknown group the parser skips): the record is then
      // decoded in full. What it must never do is name another type than the parser finds.
      const auto peek = fleetledger::events::peek_payload(mutated);
      if (peek.type.empty()) continue;
      CHECK(peek.type == fleetledger::events::payload_type_name(*decoded));
      ++compared;
    }
  }
  CHECK(compared > 1000);
}

TEST_CASE("peek_payload gives no bytes for a payload written in two pieces and nothing for garbage", "[codec]") {
  fleetledger::testing::message_filler filler;
  const auto* field = payload_oneof().field(0);
  const Envelope env = filled_envelope(field, filler);
  const std::string bytes = encode(env);
  const auto once = fleetledger::events::peek_payload(bytes);
  REQUIRE_FALSE(once.bytes.empty());
  // The same payload field again: the parser merges both pieces, so no single slice is the payload.
  std::string twice = bytes;
  twice.push_back(static_cast<char>(field->number() << 3 | 2));
  twice.push_back('\0');
  const auto peek = fleetledger::events::peek_payload(twice);
  CHECK(peek.type == once.type);
  CHECK(peek.bytes.empty());
  CHECK(fleetledger::events::peek_payload("\xff\xff\xff").type.empty());
  CHECK(fleetledger::events::peek_payload("").type.empty());
}

namespace {

// What decode_into_without_edge_text() leaves out of a full decode.
// What the light decode may leave empty: edges' text and the envelope's trace fields.
void strip_edge_text(Envelope& env) {
  if (!env.has_edge_summary_reported()) return;
  env.clear_producer();
  env.clear_correlation_id();
  env.clear_causation_id();
  for (auto& edge : *env.mutable_edge_summary_reported()->mutable_edges()) {
    edge.clear_node_id();
    edge.clear_base_url();
    edge.clear_roles();
  }
}

bool same_envelope(const Envelope& a, const Envelope& b) {
  google::protobuf::util::DefaultFieldComparator comparator;
  comparator.set_treat_nan_as_equal(true);  // NaN is a valid double and never equal to itself
  MessageDifferencer differencer;
  differencer.set_field_comparator(&comparator);
  return differencer.Compare(a, b);
}

// The light decode agrees with the full one: both refuse (with the same message) or both accept,
// and then they are equal but for the edges' text.
void check_light_decode_agrees(std::string_view bytes) {
  Envelope full;
  Envelope light;
  const auto f = fleetledger::events::decode_into(bytes, full);
  const auto l = fleetledger::events::decode_into_without_edge_text(bytes, fleetledger::events::peek_payload(bytes), light);
  REQUIRE(f.has_value() == l.has_value());
  if (!f) {
    CHECK(f.err().message == l.err().message);
    return;
  }
  strip_edge_text(full);
  strip_edge_text(light);  // kept when the light decode handed the record to protobuf
  CHECK(same_envelope(full, light));
}

Envelope edge_summary(std::mt19937_64& prng, int edges) {
  Envelope env = fleetledger::events::make_envelope({.producer = "codec-test", .actor = "reporter"});
  env.set_correlation_id("corr-" + std::to_string(prng() % 1000));
  if (prng() % 2 == 0) env.set_causation_id("cause-" + std::to_string(prng() % 1000));
  auto* s = env.mutable_edge_summary_reported();
  s->set_cluster_id("cluster-" + std::to_string(prng() % 1000));
  s->mutable_reported_at()->set_seconds(1'700'000'000 + static_cast<std::int64_t>(prng() % 1000));
  s->mutable_reported_at()->set_nanos(static_cast<std::int32_t>(prng() % 1'000'000'000));
  if (prng() % 2 == 0) s->mutable_report_interval()->set_seconds(15);
  for (int i = 0; i < edges; ++i) {
    auto* e = s->add_edges();
    e->set_node_id("edge-" + std::to_string(i) + "-ü");
    e->set_base_url("https://edge-" + std::to_string(i) + ".example.com");
    e->set_geo_lat(static_cast<double>(prng() % 18000) / 100.0 - 90.0);
    e->set_geo_lon(-static_cast<double>(prng() % 36000) / 100.0);
    e->set_bw_available_bytes_per_sec(prng() % 2'000'000'000);
    e->set_bw_limit_bytes_per_sec(prng() >> 2);  // large values: long varints
    e->set_cpu_percent(static_cast<double>(prng() % 10000) / 100.0);
    e->set_ram_used(prng() % (1ull << 40));
    e->set_ram_max(1ull << 40);
    e->set_viewers(static_cast<std::uint32_t>(prng()));
    e->set_streams(static_cast<std::uint32_t>(prng() % 50));
    if (prng() % 2 == 0) e->add_roles("ingest");
    e->add_roles("playback");
    e->set_draining(prng() % 5 == 0);
  }
  return env;
}

std::string field_bytes(int field, std::string_view value) {
  std::string out;
  fleetledger::events::wire::put_tag(out, field, 2);
  fleetledger::events::wire::put_varint(out, value.size());
  out += value;
  return out;
}

}  // namespace

TEST_CASE("an edge summary decoded without its edges' text is the full decode without that text", "[codec]") {
  std::mt19937_64 prng(11);
  for (int edges = 0; edges < 12; ++edges) {
    const Envelope env = edge_summary(prng, edges);
    const std::string bytes = encode(env);
    Envelope light;
    REQUIRE(fleetledger::events::decode_into_without_edge_text(bytes, fleetledger::events::peek_payload(bytes), light));
    REQUIRE(light.edge_summary_reported().edges_size() == edges);
    for (const auto& e : light.edge_summary_reported().edges()) {
      CHECK(e.node_id().empty());
      CHECK(e.roles_size() == 0);
    }
    // What views read of the envelope is kept; its trace fields are not.
    CHECK(light.event_id() == env.event_id());
    CHECK(light.occurred_at().seconds() == env.occurred_at().seconds());
    CHECK(light.occurred_at().nanos() == env.occurred_at().nanos());
    CHECK(light.actor() == "reporter");
    CHECK(light.producer().empty());
    CHECK(light.correlation_id().empty());
    CHECK(light.edge_summary_reported().reported_at().nanos() == env.edge_summary_reported().reported_at().nanos());
    CHECK(light.edge_summary_reported().has_report_interval() == env.edge_summary_reported().has_report_interval());
    check_light_decode_agrees(bytes);
  }
  // The payload first and the envelope's other fields after it: merged the same way.
  const Envelope env = edge_summary(prng, 3);
  Envelope head = env;
  head.clear_edge_summary_reported();
  const std::string reordered = field_bytes(60, env.edge_summary_reported().SerializeAsString()) + encode(head);
  check_light_decode_agrees(reordered);
  // Other payloads are decoded in full, text and all.
  fleetledger::testing::message_filler filler;
  for (int i = 0; i < payload_oneof().field_count(); ++i) {
    const std::string bytes = encode(filled_envelope(payload_oneof().field(i), filler));
    Envelope full;
    Envelope light;
    REQUIRE(fleetledger::events::decode_into(bytes, full));
    REQUIRE(fleetledger::events::decode_into_without_edge_text(bytes, fleetledger::events::peek_payload(bytes), light));
    if (!full.has_edge_summary_reported()) CHECK(same_envelope(full, light));
  }
}

TEST_CASE("the light edge summary decode refuses and falls back exactly where protobuf would", "[codec]") {
  const quiet_protobuf_log quiet;
  std::mt19937_64 prng(13);
  const Envelope env = edge_summary(prng, 2);
  SECTION("invalid UTF-8 in a skipped node id fails as the full decode fails") {
    Envelope bad = env;
    bad.mutable_edge_summary_reported()->mutable_edges(1)->set_node_id("edge-\xff");
    std::string bytes;
    REQUIRE(bad.SerializePartialToString(&bytes));  // protobuf's serializer only logs the bad UTF-8
    Envelope full;
    REQUIRE_FALSE(fleetledger::events::decode_into(bytes, full));
    check_light_decode_agrees(bytes);
  }
  SECTION("an unknown field in an edge is kept: the full decode runs") {
    std::string node = env.edge_summary_reported().edges(0).SerializeAsString();
    node += std::string("\xa0\x06\x07", 3);  // field 100, varint 7
    Envelope head = env;
    head.mutable_edge_summary_reported()->clear_edges();
    const std::string summary = head.edge_summary_reported().SerializeAsString() + field_bytes(4, node);
    head.clear_edge_summary_reported();
    const std::string bytes = encode(head) + field_bytes(60, summary);
    Envelope full;
    Envelope light;
    REQUIRE(fleetledger::events::decode_into(bytes, full));
    REQUIRE(fleetledger::events::decode_into_without_edge_text(bytes, fleetledger::events::peek_payload(bytes), light));
    CHECK(same_envelope(full, light));  // text included: protobuf decoded it
    CHECK(light.edge_summary_reported().edges(0).node_id() == env.edge_summary_reported().edges(0).node_id());
  }
  SECTION("tags and lengths written in more bytes than needed: accepted up to protobuf's limits, refused past them") {
    Envelope head = env;
    const std::string summary = env.edge_summary_reported().SerializeAsString();
    head.clear_edge_summary_reported();
    const std::string length = std::string(1, static_cast<char>(summary.size() | 0x80)) +
                               std::string(1, static_cast<char>(summary.size() >> 7));
    REQUIRE(summary.size() < (1u << 14));
    // Field 60's tag (482) in 5 bytes (protobuf's most for a tag) and in 6 (refused).
    check_light_decode_agrees(encode(head) + std::string("\xe2\x83\x80\x80\x00", 5) + length + summary);
    check_light_decode_agrees(encode(head) + std::string("\xe2\x83\x80\x80\x80\x00", 6) + length + summary);
    // Its length in 5 bytes and in 6.
    const std::string tag("\xe2\x03", 2);
    const std::string padded5 = length.substr(0, 1) + static_cast<char>(length[1] | 0x80) + std::string("\x80\x80\x00", 3);
    const std::string padded6 = length.substr(0, 1) + static_cast<char>(length[1] | 0x80) + std::string("\x80\x80\x80\x00", 4);
    check_light_decode_agrees(encode(head) + tag + padded5 + summary);
    check_light_decode_agrees(encode(head) + tag + padded6 + summary);
    // An edge's viewers tag (0x50) in 5 and 6 bytes, inside the summary.
    for (const auto* wide : {"\xd0\x80\x80\x80\x00", "\xd0\x80\x80\x80\x80\x00"}) {
      const std::string node = std::string(wide) + std::string("\x07", 1);
      const std::string inner = field_bytes(1, "c1") + field_bytes(4, node);
      check_light_decode_agrees(encode(head) + field_bytes(60, inner));
    }
  }
  SECTION("random corruption: the same records decode, with the same numbers, or fail with the same message") {
    const std::string bytes = encode(edge_summary(prng, 4));
    std::uniform_int_distribution<std::size_t> pos(0, bytes.size() - 1);
    for (int round = 0; round < 5000; ++round) {
      std::string mutated = bytes;
      for (int flips = 0; flips < 1 + round % 3; ++flips) mutated[pos(prng)] = static_cast<char>(prng());
      check_light_decode_agrees(mutated);
    }
    for (std::size_t cut = 0; cut < bytes.size(); ++cut) check_light_decode_agrees(bytes.substr(0, cut));
  }
}

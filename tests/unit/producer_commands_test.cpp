// Command validation and event building of the write side (producers/commands/src/commands.cpp),
// without a broker.
#include <bit>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>

#include <catch2/catch.hpp>

#include "fleetledger/events/envelope.hpp"
#include "fleetledger/producers/commands/commands.hpp"
#include "fleetledger/producers/commands/tokens.hpp"
#include "fleetledger/producers/commands/validation.hpp"

namespace fp = fleetledger::producers;

namespace {
fleetledger::events::result<fp::built_command> build(std::string_view group, std::string_view verb,
                                                     fp::command_values values, std::string actor = "") {
  const fp::command_spec* spec = fp::find_command(group, verb);
  REQUIRE(spec != nullptr);
  return fp::build_command(*spec, values, {.producer = "test", .actor = std::move(actor)});
}
std::string error_of(const fleetledger::events::result<fp::built_command>& r) {
  return r ? std::string() : r.err().message;
}
}  // namespace

TEST_CASE("cluster register builds the event with enums in any case and a generated id") {
  auto r = build("cluster", "register",
                 {{"name", "edge-1"}, {"owner", "acme"}, {"api-server-url", "https://api:6443"}, {"type", "Far-Edge"},
                  {"environment", "PRODUCTION"}, {"labels", "a=1, b = 2"}, {"latitude", "-33.9"}, {"longitude", "151.2"}});
  REQUIRE(r);
  const auto& m = r->events.at(0).cluster_registered();
  CHECK(m.cluster_type() == fleetledger::v1::CLUSTER_TYPE_FAR_EDGE);
  CHECK(m.environment() == fleetledger::v1::ENVIRONMENT_PRODUCTION);
  CHECK(m.labels().at("b") == "2");
  CHECK(m.geo().latitude() == Approx(-33.9));
  CHECK(fleetledger::events::is_uuid(m.cluster_id()));
  REQUIRE(r->outputs.size() == 1);
  CHECK(r->outputs[0].first == "cluster_id");
  CHECK(r->events[0].producer() == "test");
}

TEST_CASE("cluster register refuses bad input naming the flag") {
  const fp::command_values ok = {{"name", "edge-1"}, {"owner", "acme"}, {"api-server-url", "https://api"}, {"type", "hub"}};
  auto with = [&](std::string k, std::string v) {
    auto x = ok;
    x[k] = v;
    return x;
  };
  CHECK(error_of(build("cluster", "register", with("name", "Bad_Name"))).starts_with("--name: "));
  CHECK(error_of(build("cluster", "register", with("type", "blimp"))) == "--type: 'blimp' is not one of: hub, spoke, edge, far_edge");
  CHECK(error_of(build("cluster", "register", with("api-server-url", "api:6443"))).starts_with("--api-server-url: "));
  CHECK(error_of(build("cluster", "register", with("api-server-url", "https://"))).starts_with("--api-server-url: "));
  auto geo = with("longitude", "181");
  geo["latitude"] = "10";
  CHECK(error_of(build("cluster", "register", geo)).starts_with("--longitude: 181 is out of range"));
  CHECK(error_of(build("cluster", "register", with("longitude", "10"))).starts_with("--latitude: give both"));
  CHECK(error_of(build("cluster", "register", with("owner", "ac\x01me"))) == "--owner: contains a control character");
  CHECK(error_of(build("cluster", "register", with("max-streams", "-1"))).starts_with("--max-streams: "));
  auto missing = ok;
  missing.erase("type");
  CHECK(error_of(build("cluster", "register", missing)) == "--type: required");
}

TEST_CASE("cluster update collects mask paths for the given fields only") {
  auto r = build("cluster", "update", {{"cluster-id", "c1"}, {"region", "eu"}, {"set-labels", "x=1"}, {"remove-labels", "y"}});
  REQUIRE(r);
  const auto& m = r->events[0].cluster_updated();
  std::vector<std::string> paths(m.update_mask().paths().begin(), m.update_mask().paths().end());
  CHECK(paths == std::vector<std::string>{"region", "labels.x", "labels.y"});
  CHECK(error_of(build("cluster", "update", {{"cluster-id", "c1"}})).find("nothing to update") != std::string::npos);
}

TEST_CASE("marketplace update checks enums tiers and prices") {
  auto r = build("marketplace", "update", {{"cluster-id", "c1"}, {"visibility", "unlisted"}, {"pricing", "Tier_Inherit"}, {"required-tier", "5"}});
  REQUIRE(r);
  CHECK(r->events[0].cluster_marketplace_updated().pricing_model() == fleetledger::v1::PRICING_MODEL_TIER_INHERIT);
  CHECK(r->events[0].cluster_marketplace_updated().currency() == "USD");
  CHECK(error_of(build("marketplace", "update", {{"cluster-id", "c1"}, {"visibility", "public"}, {"pricing", "free_unmetered"}, {"required-tier", "6"}}))
            .starts_with("--required-tier: "));
  CHECK(error_of(build("marketplace", "update", {{"cluster-id", "c1"}, {"visibility", "public"}, {"pricing", "monthly"}, {"monthly-price-cents", "-5"}}))
            .starts_with("--monthly-price-cents: "));
}

TEST_CASE("invite create publishes only the token hash and prints the token") {
  auto r = build("invite", "create", {{"cluster-id", "c1"}, {"max-uses", "3"}, {"expires-in", "1h"}});
  REQUIRE(r);
  std::map<std::string, std::string> out(r->outputs.begin(), r->outputs.end());
  REQUIRE(out.contains("token"));
  CHECK(out["token"].size() == 64);
  const auto& m = r->events[0].cluster_invite_created();
  CHECK(m.token_sha256() == fp::sha256_hex(out["token"]));
  CHECK(r->events[0].SerializeAsString().find(out["token"]) == std::string::npos);
  CHECK(m.max_uses() == 3);
  CHECK(m.has_expires_at());
}

TEST_CASE("subscription approve defaults approved_by to the actor and refuses another owner") {
  auto r = build("subscription", "approve", {{"cluster-id", "c1"}, {"subscription-id", "s1"}}, "acme");
  REQUIRE(r);
  CHECK(r->events[0].subscription_approved().approved_by() == "acme");
  CHECK(r->events[0].actor() == "acme");
  CHECK_FALSE(build("subscription", "approve", {{"cluster-id", "c1"}, {"subscription-id", "s1"}}, ""));
  CHECK_FALSE(build("subscription", "approve", {{"cluster-id", "c1"}, {"subscription-id", "s1"}, {"approved-by", "bob"}}, "acme"));
}

TEST_CASE("subscription request hashes the invite token") {
  auto r = build("subscription", "request", {{"cluster-id", "c1"}, {"invite-token", "tok\n"}}, "globex");
  REQUIRE(r);
  const auto& m = r->events[0].subscription_requested();
  CHECK(m.tenant_id() == "globex");
  CHECK(m.invite_token_sha256() == fp::sha256_hex("tok"));
}

TEST_CASE("tenant tier and private cluster create validate their values") {
  CHECK(error_of(build("tenant", "tier", {{"tenant-id", "t"}, {"tier", "x"}})) == "--tier: 'x' is not a whole number");
  auto r = build("private-cluster", "create", {{"name", "lab-1"}, {"usage-limit", "2"}}, "globex");
  REQUIRE(r);
  const auto& m = r->events[0].private_cluster_created();
  std::map<std::string, std::string> out(r->outputs.begin(), r->outputs.end());
  CHECK(m.bootstrap_token_sha256() == fp::sha256_hex(out.at("bootstrap_token")));
  CHECK(m.bootstrap_token_prefix() == out.at("bootstrap_token").substr(0, 8));
  CHECK(m.owner_tenant_id() == "globex");
}

TEST_CASE("unknown options are refused") {
  CHECK(error_of(build("cluster", "delete", {{"cluster-id", "c"}, {"bogus", "1"}})).starts_with("--bogus: "));
}

TEST_CASE("value parsers accept what they document") {
  CHECK(fp::parse_duration("7d").value() == std::chrono::hours(168));
  CHECK(fp::parse_duration("500ms").value() == std::chrono::milliseconds(500));
  CHECK_FALSE(fp::parse_duration("soon"));
  CHECK_FALSE(fp::parse_double("nan"));
  CHECK(fp::parse_bool("YES").value());
  CHECK(fp::validate_url("http://[::1]:8080/x"));
  CHECK_FALSE(fp::validate_url("https://host:99999"));
  CHECK(fp::sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("parse_double gives std::from_chars' double for every form, plain decimals too") {
  // parse_double reads "-?digits(.digits)?" of up to 15 digits itself; the result must be the double
  // std::from_chars gives, bit for bit (-0 included), and every other form must be read as before.
  const auto from_chars = [](std::string_view s) -> std::optional<double> {  // parse_double before
    s = fp::trim(s);
    if (!s.empty() && s.front() == '+') s.remove_prefix(1);
    double v = 0;
    const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
    return v;
  };
  const auto same = [&](const std::string& s) {
    const auto want = from_chars(s);
    const auto got = fp::parse_double(s);
    INFO(s);
    REQUIRE(want.has_value() == got.has_value());
    if (want) REQUIRE(std::bit_cast<std::uint64_t>(*want) == std::bit_cast<std::uint64_t>(*got));
  };
  for (const char* s : {"0", "-0", "-0.0", "5.00", "40.00", "0.1", "0.3", "-12.345", "00012.50", "999999999999999",
                        "9999999999999999", "0.000000000000001", "123456789012345.6", "5.", ".5", "+-5", "+7.25",
                        "1e3", "-", "--1", "1.2.3", "0x10", "inf", " 3.5 "}) {
    same(s);
  }
  std::mt19937_64 random(42);
  for (int i = 0; i < 200'000; ++i) {
    std::string s = random() % 4 == 0 ? "-" : "";
    const int whole = 1 + static_cast<int>(random() % 9);
    const int fraction = random() % 3 == 0 ? -1 : static_cast<int>(random() % 8);
    for (int d = 0; d < whole; ++d) s += static_cast<char>('0' + random() % 10);
    if (fraction >= 0) s += '.';
    for (int d = 0; d < fraction; ++d) s += static_cast<char>('0' + random() % 10);
    same(s);
  }
}

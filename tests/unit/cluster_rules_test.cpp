// Cluster rules shared by the write side and the fleet view (events/src/cluster_rules.cpp).
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "fleetledger/events/cluster_rules.hpp"

namespace fe = fleetledger::events;
namespace v1 = fleetledger::v1;

TEST_CASE("cluster name accepts DNS labels of 3 to 63 characters", "[cluster_rules][unit]") {
  for (const std::string& ok : std::vector<std::string>{"abc", "a-b", "a--b", "web-1", "0ab", "123", std::string(63, 'a')}) {
    INFO(ok);
    CHECK(fe::is_valid_cluster_name(ok));
    CHECK(fe::validate_cluster_name(ok).has_value());
  }
}

TEST_CASE("cluster name refuses what the DNS label pattern refuses", "[cluster_rules][unit]") {
  for (const std::string& bad : std::vector<std::string>{"", "a", "ab", "-ab", "ab-", "Abc", "a_b", "a.b", "a b", "web\x1f" "1", "héllo",
                                std::string(64, 'a')}) {
    INFO(bad);
    CHECK_FALSE(fe::is_valid_cluster_name(bad));
    const auto r = fe::validate_cluster_name(bad);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.err().code == fe::errc::invalid_argument);
    CHECK(r.err().message.rfind("INVALID_CLUSTER_NAME: ", 0) == 0);
  }
}

namespace {
v1::ClusterHealthChecked check(v1::CheckStatus api, v1::CheckStatus prom, v1::CheckStatus tempo, v1::CheckStatus loki) {
  v1::ClusterHealthChecked c;
  c.mutable_api_server()->set_status(api);
  c.mutable_prometheus()->set_status(prom);
  c.mutable_tempo()->set_status(tempo);
  c.mutable_loki()->set_status(loki);
  return c;
}
constexpr auto ok = v1::CHECK_STATUS_OK;
constexpr auto failed = v1::CHECK_STATUS_FAILED;
constexpr auto none = v1::CHECK_STATUS_NOT_CONFIGURED;
}  // namespace

TEST_CASE("health assessment deducts only for configured checks that failed", "[cluster_rules][unit]") {
  using a = fe::health_assessment;
  CHECK(fe::assess_health(check(ok, ok, ok, ok)) == a{100, v1::CLUSTER_STATE_ONLINE});
  CHECK(fe::assess_health(check(ok, failed, none, failed)) == a{65, v1::CLUSTER_STATE_DEGRADED});
  CHECK(fe::assess_health(check(ok, none, none, none)) == a{100, v1::CLUSTER_STATE_ONLINE});
  CHECK(fe::assess_health(check(failed, ok, ok, ok)) == a{50, v1::CLUSTER_STATE_OFFLINE});
  CHECK(fe::assess_health(check(failed, failed, failed, failed)) == a{0, v1::CLUSTER_STATE_OFFLINE});
  CHECK(fe::assess_health(check(ok, failed, failed, failed)) == a{50, v1::CLUSTER_STATE_DEGRADED});
  CHECK(fe::assess_health(v1::ClusterHealthChecked{}) == a{50, v1::CLUSTER_STATE_OFFLINE});  // no results at all
}

TEST_CASE("check interval and timeout follow the cluster type", "[cluster_rules][unit]") {
  using std::chrono::seconds;
  CHECK(fe::check_interval(v1::CLUSTER_TYPE_HUB) == seconds(15));
  CHECK(fe::check_interval(v1::CLUSTER_TYPE_SPOKE) == seconds(30));
  CHECK(fe::check_interval(v1::CLUSTER_TYPE_EDGE) == seconds(60));
  CHECK(fe::check_interval(v1::CLUSTER_TYPE_FAR_EDGE) == seconds(120));
  CHECK(fe::check_interval(v1::CLUSTER_TYPE_UNSPECIFIED) == seconds(30));
  CHECK(fe::check_timeout(v1::CLUSTER_TYPE_HUB) == seconds(5));
  CHECK(fe::check_timeout(v1::CLUSTER_TYPE_FAR_EDGE) == seconds(30));
}

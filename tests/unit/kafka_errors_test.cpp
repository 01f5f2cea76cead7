// The one classification of librdkafka error codes (events/src/kafka_errors.cpp).
#include <catch2/catch.hpp>

#include <set>
#include <string>

#include "fleetledger/events/kafka_errors.hpp"

using namespace fleetledger::events;

namespace {

// Every code librdkafka itself has a name for.
std::set<int> named_codes() {
  const rd_kafka_err_desc* descs = nullptr;
  std::size_t count = 0;
  rd_kafka_get_err_descs(&descs, &count);
  std::set<int> codes;
  for (std::size_t i = 0; i < count; ++i) {
    if (descs[i].name) codes.insert(descs[i].code);
  }
  return codes;
}

}  // namespace

TEST_CASE("every code librdkafka names has a class", "[kafka_errors]") {
  const auto codes = named_codes();
  REQUIRE(codes.size() > 150);  // 2.0.2 names about 160 codes
  for (const int code : codes) {
    INFO("code " << code << " " << rd_kafka_err2name(static_cast<rd_kafka_resp_err_t>(code)));
    CHECK(classify_known_kafka_error(static_cast<rd_kafka_resp_err_t>(code)).has_value());
  }
}

TEST_CASE("every value in the enum range is classified and unknown ones are not retriable", "[kafka_errors]") {
  const auto codes = named_codes();
  for (int code = RD_KAFKA_RESP_ERR__BEGIN; code <= RD_KAFKA_RESP_ERR_END_ALL + 50; ++code) {
    const auto err = static_cast<rd_kafka_resp_err_t>(code);
    const auto known = classify_known_kafka_error(err);
    const auto cls = classify_kafka_error(err);
    INFO("code " << code);
    CHECK((cls == kafka_error_class::not_an_error || cls == kafka_error_class::retriable ||
           cls == kafka_error_class::abort || cls == kafka_error_class::fatal));
    if (!known) {
      CHECK(cls == kafka_error_class::abort);
      CHECK_FALSE(is_retriable(err));
      CHECK(codes.count(code) == 0);  // nothing librdkafka names falls through to the fallback
    }
  }
}

TEST_CASE("timeouts and leader moves are retriable", "[kafka_errors]") {
  CHECK(classify_kafka_error(RD_KAFKA_RESP_ERR__TIMED_OUT) == kafka_error_class::retriable);
  CHECK(classify_kafka_error(RD_KAFKA_RESP_ERR__MSG_TIMED_OUT) == kafka_error_class::retriable);
  CHECK(classify_kafka_error(RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION) == kafka_error_class::retriable);
  CHECK(classify_kafka_error(RD_KAFKA_RESP_ERR__TRANSPORT) == kafka_error_class::retriable);
  CHECK(classify_kafka_error(RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) == kafka_error_class::retriable);
  CHECK(classify_kafka_error(RD_KAFKA_RESP_ERR__QUEUE_FULL) == kafka_error_class::retriable);
}

TEST_CASE("fatal producer errors and authorization failures are fatal", "[kafka_errors]") {
  CHECK(classify_kafka_error(RD_KAFKA_RESP_ERR__FATAL) == kafka_error_class::fatal);
  CHECK(classify_kafka_error(RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED) == kafka_error_class::fatal);
  CHECK(classify_kafka_error(RD_KAFKA_RESP_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER) == kafka_error_class::fatal);
}

TEST_CASE("end of partition and success are not errors", "[kafka_errors]") {
  CHECK(classify_kafka_error(RD_KAFKA_RESP_ERR__PARTITION_EOF) == kafka_error_class::not_an_error);
  CHECK(classify_kafka_error(RD_KAFKA_RESP_ERR_NO_ERROR) == kafka_error_class::not_an_error);
}

TEST_CASE("a record too large aborts only that operation", "[kafka_errors]") {
  CHECK(classify_kafka_error(RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE) == kafka_error_class::abort);
  CHECK(classify_kafka_error(RD_KAFKA_RESP_ERR__INVALID_ARG) == kafka_error_class::abort);
}

TEST_CASE("make_kafka_error names the context and the cause", "[kafka_errors]") {
  const auto e = make_kafka_error(RD_KAFKA_RESP_ERR__MSG_TIMED_OUT, "publish to fleet.cluster.v1 failed",
                                  "broker 127.0.0.1:9 unreachable?");
  CHECK(e.code == errc::timed_out);
  CHECK(e.message == "publish to fleet.cluster.v1 failed: Local: Message timed out (broker 127.0.0.1:9 unreachable?)");
  CHECK(make_kafka_error(RD_KAFKA_RESP_ERR__TRANSPORT, "x").code == errc::unavailable);
  CHECK(make_kafka_error(RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART, "x").code == errc::not_found);
  CHECK(make_kafka_error(RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED, "x").code == errc::internal);
}

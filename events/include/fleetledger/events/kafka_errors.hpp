#pragma once
// One exhaustive classification of librdkafka error codes (Redpanda's kafka/client/errors.h idea):
// every code librdkafka 2.0.2 defines is either not an error, retriable, an aborted operation or
// fatal for the client. Codes this table does not know are never retriable.
#include <optional>
#include <string_view>

#include <librdkafka/rdkafka.h>

#include "fleetledger/events/result.hpp"

namespace fleetledger::events {

enum class kafka_error_class {
  not_an_error,  // success or information (NO_ERROR, _PARTITION_EOF, rebalance notices)
  retriable,     // transient: the same call can succeed later (timeouts, leader moves, broker down)
  abort,         // this operation failed for good (bad argument, record too large); client still usable
  fatal,         // the client cannot go on (authorization, idempotence broken, misconfiguration)
};

[[nodiscard]] std::string_view to_string(kafka_error_class c) noexcept;

// The class of a code from librdkafka 2.0.2's rd_kafka_resp_err_t, nullopt for a code it does not define.
[[nodiscard]] std::optional<kafka_error_class> classify_known_kafka_error(rd_kafka_resp_err_t code) noexcept;
// Like classify_known_kafka_error, but an unknown code is `abort` (never retried).
[[nodiscard]] kafka_error_class classify_kafka_error(rd_kafka_resp_err_t code) noexcept;

[[nodiscard]] inline bool is_retriable(rd_kafka_resp_err_t code) noexcept {
  return classify_kafka_error(code) == kafka_error_class::retriable;
}

// A fleetledger error "<context>: <librdkafka's description>[ (<detail>)]" with an errc that fits the
// code (timed_out, not_found, invalid_argument, unavailable for other retriable codes, else internal).
[[nodiscard]] error make_kafka_error(rd_kafka_resp_err_t code, std::string_view context,
                                     std::string_view detail = {});

}  // namespace fleetledger::events

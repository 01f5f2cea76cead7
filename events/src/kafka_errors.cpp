#include "fleetledger/events/kafka_errors.hpp"

#include <string>

namespace fleetledger::events {

std::string_view to_string(kafka_error_class c) noexcept {
  switch (c) {
    case kafka_error_class::not_an_error: return "not_an_error";
    case kafka_error_class::retriable: return "retriable";
    case kafka_error_class::abort: return "abort";
    case kafka_error_class::fatal: return "fatal";
  }
  return "unknown";
}

std::optional<kafka_error_class> classify_known_kafka_error(rd_kafka_resp_err_t code) noexcept {
  using c = kafka_error_class;
  // No default: -Wswitch flags any enumerator of rdkafka.h that this table misses.
  switch (code) {
    // Range markers, never reported as errors.
    case RD_KAFKA_RESP_ERR__BEGIN:
    case RD_KAFKA_RESP_ERR__END:
    case RD_KAFKA_RESP_ERR_END_ALL:
      return c::abort;

    // librdkafka-internal codes.
    case RD_KAFKA_RESP_ERR__BAD_MSG: return c::abort;
    case RD_KAFKA_RESP_ERR__BAD_COMPRESSION: return c::abort;
    case RD_KAFKA_RESP_ERR__DESTROY: return c::abort;  // the handle is being destroyed
    case RD_KAFKA_RESP_ERR__FAIL: return c::abort;
    case RD_KAFKA_RESP_ERR__TRANSPORT: return c::retriable;
    case RD_KAFKA_RESP_ERR__CRIT_SYS_RESOURCE: return c::fatal;
    case RD_KAFKA_RESP_ERR__RESOLVE: return c::retriable;
    case RD_KAFKA_RESP_ERR__MSG_TIMED_OUT: return c::retriable;  // not written; publishing again may work
    case RD_KAFKA_RESP_ERR__PARTITION_EOF: return c::not_an_error;  // consumer caught up
    case RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION: return c::abort;
    case RD_KAFKA_RESP_ERR__FS: return c::abort;
    case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC: return c::abort;  // topics are created, not auto-created
    case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN: return c::retriable;
    case RD_KAFKA_RESP_ERR__INVALID_ARG: return c::abort;
    case RD_KAFKA_RESP_ERR__TIMED_OUT: return c::retriable;
    case RD_KAFKA_RESP_ERR__QUEUE_FULL: return c::retriable;  // poll, then produce again
    case RD_KAFKA_RESP_ERR__ISR_INSUFF: return c::retriable;
    case RD_KAFKA_RESP_ERR__NODE_UPDATE: return c::retriable;
    case RD_KAFKA_RESP_ERR__SSL: return c::fatal;
    case RD_KAFKA_RESP_ERR__WAIT_COORD: return c::retriable;
    case RD_KAFKA_RESP_ERR__UNKNOWN_GROUP: return c::abort;
    case RD_KAFKA_RESP_ERR__IN_PROGRESS: return c::retriable;
    case RD_KAFKA_RESP_ERR__PREV_IN_PROGRESS: return c::retriable;
    case RD_KAFKA_RESP_ERR__EXISTING_SUBSCRIPTION: return c::abort;
    case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS: return c::not_an_error;  // rebalance notice
    case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS: return c::not_an_error;  // rebalance notice
    case RD_KAFKA_RESP_ERR__CONFLICT: return c::abort;
    case RD_KAFKA_RESP_ERR__STATE: return c::abort;
    case RD_KAFKA_RESP_ERR__UNKNOWN_PROTOCOL: return c::fatal;
    case RD_KAFKA_RESP_ERR__NOT_IMPLEMENTED: return c::abort;
    case RD_KAFKA_RESP_ERR__AUTHENTICATION: return c::fatal;
    case RD_KAFKA_RESP_ERR__NO_OFFSET: return c::not_an_error;  // nothing to commit
    case RD_KAFKA_RESP_ERR__OUTDATED: return c::abort;
    case RD_KAFKA_RESP_ERR__TIMED_OUT_QUEUE: return c::retriable;
    case RD_KAFKA_RESP_ERR__UNSUPPORTED_FEATURE: return c::abort;
    case RD_KAFKA_RESP_ERR__WAIT_CACHE: return c::retriable;
    case RD_KAFKA_RESP_ERR__INTR: return c::retriable;
    case RD_KAFKA_RESP_ERR__KEY_SERIALIZATION: return c::abort;
    case RD_KAFKA_RESP_ERR__VALUE_SERIALIZATION: return c::abort;
    case RD_KAFKA_RESP_ERR__KEY_DESERIALIZATION: return c::abort;
    case RD_KAFKA_RESP_ERR__VALUE_DESERIALIZATION: return c::abort;
    case RD_KAFKA_RESP_ERR__PARTIAL: return c::abort;
    case RD_KAFKA_RESP_ERR__READ_ONLY: return c::abort;
    case RD_KAFKA_RESP_ERR__NOENT: return c::abort;
    case RD_KAFKA_RESP_ERR__UNDERFLOW: return c::abort;
    case RD_KAFKA_RESP_ERR__INVALID_TYPE: return c::abort;
    case RD_KAFKA_RESP_ERR__RETRY: return c::retriable;
    case RD_KAFKA_RESP_ERR__PURGE_QUEUE: return c::abort;     // purged before it was sent
    case RD_KAFKA_RESP_ERR__PURGE_INFLIGHT: return c::abort;  // purged while in flight
    case RD_KAFKA_RESP_ERR__FATAL: return c::fatal;  // see rd_kafka_fatal_error()
    case RD_KAFKA_RESP_ERR__INCONSISTENT: return c::fatal;
    case RD_KAFKA_RESP_ERR__GAPLESS_GUARANTEE: return c::fatal;
    case RD_KAFKA_RESP_ERR__MAX_POLL_EXCEEDED: return c::retriable;
    case RD_KAFKA_RESP_ERR__UNKNOWN_BROKER: return c::abort;
    case RD_KAFKA_RESP_ERR__NOT_CONFIGURED: return c::abort;
    case RD_KAFKA_RESP_ERR__FENCED: return c::fatal;
    case RD_KAFKA_RESP_ERR__APPLICATION: return c::abort;
    case RD_KAFKA_RESP_ERR__ASSIGNMENT_LOST: return c::retriable;
    case RD_KAFKA_RESP_ERR__NOOP: return c::not_an_error;
    case RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET: return c::abort;

    // Broker (protocol) codes.
    case RD_KAFKA_RESP_ERR_UNKNOWN: return c::abort;
    case RD_KAFKA_RESP_ERR_NO_ERROR: return c::not_an_error;
    case RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE: return c::abort;
    case RD_KAFKA_RESP_ERR_INVALID_MSG: return c::retriable;  // corrupt in transit (CRC)
    case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART: return c::retriable;  // metadata may catch up
    case RD_KAFKA_RESP_ERR_INVALID_MSG_SIZE: return c::abort;
    case RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE: return c::retriable;
    case RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION: return c::retriable;
    case RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT: return c::retriable;
    case RD_KAFKA_RESP_ERR_BROKER_NOT_AVAILABLE: return c::retriable;
    case RD_KAFKA_RESP_ERR_REPLICA_NOT_AVAILABLE: return c::retriable;
    case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE: return c::abort;
    case RD_KAFKA_RESP_ERR_STALE_CTRL_EPOCH: return c::abort;
    case RD_KAFKA_RESP_ERR_OFFSET_METADATA_TOO_LARGE: return c::abort;
    case RD_KAFKA_RESP_ERR_NETWORK_EXCEPTION: return c::retriable;
    case RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS: return c::retriable;
    case RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE: return c::retriable;
    case RD_KAFKA_RESP_ERR_NOT_COORDINATOR: return c::retriable;
    case RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION: return c::abort;
    case RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE: return c::abort;
    case RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS: return c::retriable;
    case RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND: return c::retriable;
    case RD_KAFKA_RESP_ERR_INVALID_REQUIRED_ACKS: return c::fatal;
    case RD_KAFKA_RESP_ERR_ILLEGAL_GENERATION: return c::retriable;
    case RD_KAFKA_RESP_ERR_INCONSISTENT_GROUP_PROTOCOL: return c::fatal;
    case RD_KAFKA_RESP_ERR_INVALID_GROUP_ID: return c::fatal;
    case RD_KAFKA_RESP_ERR_UNKNOWN_MEMBER_ID: return c::retriable;
    case RD_KAFKA_RESP_ERR_INVALID_SESSION_TIMEOUT: return c::fatal;
    case RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS: return c::retriable;
    case RD_KAFKA_RESP_ERR_INVALID_COMMIT_OFFSET_SIZE: return c::abort;
    case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED: return c::fatal;
    case RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED: return c::fatal;
    case RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED: return c::fatal;
    case RD_KAFKA_RESP_ERR_INVALID_TIMESTAMP: return c::abort;
    case RD_KAFKA_RESP_ERR_UNSUPPORTED_SASL_MECHANISM: return c::fatal;
    case RD_KAFKA_RESP_ERR_ILLEGAL_SASL_STATE: return c::fatal;
    case RD_KAFKA_RESP_ERR_UNSUPPORTED_VERSION: return c::fatal;
    case RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS: return c::abort;
    case RD_KAFKA_RESP_ERR_INVALID_PARTITIONS: return c::abort;
    case RD_KAFKA_RESP_ERR_INVALID_REPLICATION_FACTOR: return c::abort;
    case RD_KAFKA_RESP_ERR_INVALID_REPLICA_ASSIGNMENT: return c::abort;
    case RD_KAFKA_RESP_ERR_INVALID_CONFIG: return c::abort;
    case RD_KAFKA_RESP_ERR_NOT_CONTROLLER: return c::retriable;
    case RD_KAFKA_RESP_ERR_INVALID_REQUEST: return c::abort;
    case RD_KAFKA_RESP_ERR_UNSUPPORTED_FOR_MESSAGE_FORMAT: return c::abort;
    case RD_KAFKA_RESP_ERR_POLICY_VIOLATION: return c::abort;
    case RD_KAFKA_RESP_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER: return c::fatal;  // idempotence broken
    // librdkafka treats it as success: the broker already holds the record.
    case RD_KAFKA_RESP_ERR_DUPLICATE_SEQUENCE_NUMBER: return c::not_an_error;
    case RD_KAFKA_RESP_ERR_INVALID_PRODUCER_EPOCH: return c::fatal;
    case RD_KAFKA_RESP_ERR_INVALID_TXN_STATE: return c::fatal;
    case RD_KAFKA_RESP_ERR_INVALID_PRODUCER_ID_MAPPING: return c::abort;
    case RD_KAFKA_RESP_ERR_INVALID_TRANSACTION_TIMEOUT: return c::fatal;
    case RD_KAFKA_RESP_ERR_CONCURRENT_TRANSACTIONS: return c::retriable;
    case RD_KAFKA_RESP_ERR_TRANSACTION_COORDINATOR_FENCED: return c::fatal;
    case RD_KAFKA_RESP_ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED: return c::fatal;
    case RD_KAFKA_RESP_ERR_SECURITY_DISABLED: return c::fatal;
    case RD_KAFKA_RESP_ERR_OPERATION_NOT_ATTEMPTED: return c::retriable;
    case RD_KAFKA_RESP_ERR_KAFKA_STORAGE_ERROR: return c::retriable;
    case RD_KAFKA_RESP_ERR_LOG_DIR_NOT_FOUND: return c::abort;
    case RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED: return c::fatal;
    case RD_KAFKA_RESP_ERR_UNKNOWN_PRODUCER_ID: return c::abort;
    case RD_KAFKA_RESP_ERR_REASSIGNMENT_IN_PROGRESS: return c::retriable;
    case RD_KAFKA_RESP_ERR_DELEGATION_TOKEN_AUTH_DISABLED: return c::fatal;
    case RD_KAFKA_RESP_ERR_DELEGATION_TOKEN_NOT_FOUND: return c::abort;
    case RD_KAFKA_RESP_ERR_DELEGATION_TOKEN_OWNER_MISMATCH: return c::abort;
    case RD_KAFKA_RESP_ERR_DELEGATION_TOKEN_REQUEST_NOT_ALLOWED: return c::abort;
    case RD_KAFKA_RESP_ERR_DELEGATION_TOKEN_AUTHORIZATION_FAILED: return c::fatal;
    case RD_KAFKA_RESP_ERR_DELEGATION_TOKEN_EXPIRED: return c::fatal;
    case RD_KAFKA_RESP_ERR_INVALID_PRINCIPAL_TYPE: return c::abort;
    case RD_KAFKA_RESP_ERR_NON_EMPTY_GROUP: return c::abort;
    case RD_KAFKA_RESP_ERR_GROUP_ID_NOT_FOUND: return c::abort;
    case RD_KAFKA_RESP_ERR_FETCH_SESSION_ID_NOT_FOUND: return c::retriable;
    case RD_KAFKA_RESP_ERR_INVALID_FETCH_SESSION_EPOCH: return c::retriable;
    case RD_KAFKA_RESP_ERR_LISTENER_NOT_FOUND: return c::retriable;
    case RD_KAFKA_RESP_ERR_TOPIC_DELETION_DISABLED: return c::abort;
    case RD_KAFKA_RESP_ERR_FENCED_LEADER_EPOCH: return c::retriable;
    case RD_KAFKA_RESP_ERR_UNKNOWN_LEADER_EPOCH: return c::retriable;
    case RD_KAFKA_RESP_ERR_UNSUPPORTED_COMPRESSION_TYPE: return c::fatal;
    case RD_KAFKA_RESP_ERR_STALE_BROKER_EPOCH: return c::abort;
    case RD_KAFKA_RESP_ERR_OFFSET_NOT_AVAILABLE: return c::retriable;
    case RD_KAFKA_RESP_ERR_MEMBER_ID_REQUIRED: return c::retriable;
    case RD_KAFKA_RESP_ERR_PREFERRED_LEADER_NOT_AVAILABLE: return c::retriable;
    case RD_KAFKA_RESP_ERR_GROUP_MAX_SIZE_REACHED: return c::fatal;
    case RD_KAFKA_RESP_ERR_FENCED_INSTANCE_ID: return c::fatal;
    case RD_KAFKA_RESP_ERR_ELIGIBLE_LEADERS_NOT_AVAILABLE: return c::retriable;
    case RD_KAFKA_RESP_ERR_ELECTION_NOT_NEEDED: return c::abort;
    case RD_KAFKA_RESP_ERR_NO_REASSIGNMENT_IN_PROGRESS: return c::abort;
    case RD_KAFKA_RESP_ERR_GROUP_SUBSCRIBED_TO_TOPIC: return c::abort;
    case RD_KAFKA_RESP_ERR_INVALID_RECORD: return c::abort;
    case RD_KAFKA_RESP_ERR_UNSTABLE_OFFSET_COMMIT: return c::retriable;
    case RD_KAFKA_RESP_ERR_THROTTLING_QUOTA_EXCEEDED: return c::retriable;
    case RD_KAFKA_RESP_ERR_PRODUCER_FENCED: return c::fatal;
    case RD_KAFKA_RESP_ERR_RESOURCE_NOT_FOUND: return c::abort;
    case RD_KAFKA_RESP_ERR_DUPLICATE_RESOURCE: return c::abort;
    case RD_KAFKA_RESP_ERR_UNACCEPTABLE_CREDENTIAL: return c::fatal;
    case RD_KAFKA_RESP_ERR_INCONSISTENT_VOTER_SET: return c::abort;
    case RD_KAFKA_RESP_ERR_INVALID_UPDATE_VERSION: return c::abort;
    case RD_KAFKA_RESP_ERR_FEATURE_UPDATE_FAILED: return c::abort;
    case RD_KAFKA_RESP_ERR_PRINCIPAL_DESERIALIZATION_FAILURE: return c::fatal;
  }
  return std::nullopt;
}

kafka_error_class classify_kafka_error(rd_kafka_resp_err_t code) noexcept {
  return classify_known_kafka_error(code).value_or(kafka_error_class::abort);
}

namespace {

errc errc_of(rd_kafka_resp_err_t code) noexcept {
  switch (code) {
    case RD_KAFKA_RESP_ERR__TIMED_OUT:
    case RD_KAFKA_RESP_ERR__MSG_TIMED_OUT:
    case RD_KAFKA_RESP_ERR__TIMED_OUT_QUEUE:
    case RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT:
      return errc::timed_out;
    case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
    case RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION:
    case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
    case RD_KAFKA_RESP_ERR__NOENT:
      return errc::not_found;
    case RD_KAFKA_RESP_ERR__INVALID_ARG:
    case RD_KAFKA_RESP_ERR__INVALID_TYPE:
    case RD_KAFKA_RESP_ERR_INVALID_CONFIG:
    case RD_KAFKA_RESP_ERR_INVALID_MSG_SIZE:
    case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE:
    case RD_KAFKA_RESP_ERR_INVALID_RECORD:
    case RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE:
      return errc::invalid_argument;
    default:
      break;
  }
  return is_retriable(code) ? errc::unavailable : errc::internal;
}

}  // namespace

error make_kafka_error(rd_kafka_resp_err_t code, std::string_view context, std::string_view detail) {
  std::string msg(context);
  msg += ": ";
  msg += rd_kafka_err2str(code);
  if (!detail.empty()) {
    msg += " (";
    msg += detail;
    msg += ')';
  }
  return make_error(errc_of(code), std::move(msg));
}

}  // namespace fleetledger::events

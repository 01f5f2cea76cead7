#pragma once
// Typed configuration of fleetledger's Kafka clients. Each struct documents its defaults, is checked
// by one validate() function, and becomes an rd_kafka_conf_t through make_conf(), which checks every
// rd_kafka_conf_set() and names the key that failed. Where brokers come from (flag, FLEETLEDGER_BROKERS)
// is the caller's business.
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fleetledger/events/kafka_handles.hpp"
#include "fleetledger/events/result.hpp"

namespace fleetledger::events {

// A raw librdkafka property ("key", "value"), applied after the typed settings.
using kafka_property = std::pair<std::string, std::string>;

// Settings every client shares.
struct kafka_client_config {
  std::string brokers;                            // bootstrap.servers, required: "host:port[,host:port...]"
  std::string client_id{"fleetledger"};           // client.id, shown in broker logs and quotas
  std::chrono::milliseconds socket_timeout{std::chrono::seconds(10)};  // socket.timeout.ms: a request without answer fails
  std::chrono::milliseconds reconnect_backoff_max{std::chrono::seconds(2)};  // reconnect.backoff.max.ms: quick recovery
  // Expert knobs. Keys that would break a guarantee (acks, enable.idempotence, partitioner,
  // enable.auto.commit, enable.auto.offset.store, ...) are refused by validate().
  std::vector<kafka_property> extra;
};

struct publisher_config {
  kafka_client_config client;
  // message.timeout.ms: a record not acknowledged within this fails its publish call. Also bounds
  // how long any publish call blocks.
  std::chrono::milliseconds delivery_timeout{std::chrono::seconds(30)};
  std::chrono::milliseconds linger{5};         // linger.ms: batching delay, small for latency
  std::int32_t max_queued_messages{1'000'000};   // queue.buffering.max.messages (QUEUE_FULL beyond)
  std::int32_t batch_max_messages{10'000};       // batch.num.messages per partition request
  std::chrono::milliseconds close_timeout{std::chrono::seconds(10)};  // the destructor flushes at most this long
};

struct consumer_config {
  kafka_client_config client;
  // Names the consumer: group.id "fleetledger.<name>" (advisory commits only, never a group join)
  // and client.id. Letters, digits, '.', '_', '-'.
  std::string name;
  std::int32_t fetch_max_bytes{64 * 1024 * 1024};           // fetch.max.bytes per fetch request
  std::int32_t max_partition_fetch_bytes{8 * 1024 * 1024};  // max.partition.fetch.bytes
  std::int32_t queued_max_messages_kbytes{256 * 1024};      // queued.max.messages.kbytes prefetch
  std::int32_t queued_min_messages{200'000};                // queued.min.messages prefetch
  std::chrono::milliseconds fetch_wait_max{100};          // fetch.wait.max.ms broker long-poll
};

[[nodiscard]] std::string group_id_of(std::string_view consumer_name);

// Every check of a config in one place; the error names the field and the allowed range.
[[nodiscard]] result<void> validate(const publisher_config& config);
[[nodiscard]] result<void> validate(const consumer_config& config);

// Validated config -> librdkafka conf (acks=all, idempotence, murmur2_random; no auto-commit...).
// librdkafka's own log lines go to fleetledger's JSON-lines log.
[[nodiscard]] result<kafka_conf_ptr> make_conf(const publisher_config& config);
[[nodiscard]] result<kafka_conf_ptr> make_conf(const consumer_config& config);

// rd_kafka_conf_set, with an error that names the key and the value.
[[nodiscard]] result<void> set_property(rd_kafka_conf_t& conf, std::string_view key, std::string_view value);

// rd_kafka_new; takes the conf (librdkafka owns it once the client exists).
[[nodiscard]] result<kafka_handle_ptr> make_client(rd_kafka_type_t type, kafka_conf_ptr conf);

}  // namespace fleetledger::events

#pragma once
// RAII for every librdkafka C handle: one deleter struct and one unique_ptr alias per handle type,
// so no code path (early return, error, exception) leaks or double-frees a handle.
#include <memory>

#include <librdkafka/rdkafka.h>

namespace fleetledger::events {

// Destroys a client. A consumer must be closed (rd_kafka_consumer_close) before; consumer does that.
struct kafka_handle_deleter {
  void operator()(rd_kafka_t* p) const noexcept { rd_kafka_destroy(p); }
};
// Only for a conf that was not handed to rd_kafka_new (which takes ownership on success).
struct kafka_conf_deleter {
  void operator()(rd_kafka_conf_t* p) const noexcept { rd_kafka_conf_destroy(p); }
};
struct kafka_partition_list_deleter {
  void operator()(rd_kafka_topic_partition_list_t* p) const noexcept {
    rd_kafka_topic_partition_list_destroy(p);
  }
};
// Returns a consumed message (and the fetch buffer it points into) to librdkafka.
struct kafka_message_deleter {
  void operator()(rd_kafka_message_t* p) const noexcept { rd_kafka_message_destroy(p); }
};
// Only for headers that were not handed to a message (rd_kafka_message_set_headers takes ownership).
struct kafka_headers_deleter {
  void operator()(rd_kafka_headers_t* p) const noexcept { rd_kafka_headers_destroy(p); }
};
struct kafka_queue_deleter {
  void operator()(rd_kafka_queue_t* p) const noexcept { rd_kafka_queue_destroy(p); }
};
struct kafka_topic_deleter {
  void operator()(rd_kafka_topic_t* p) const noexcept { rd_kafka_topic_destroy(p); }
};
// Metadata returned by rd_kafka_metadata().
struct kafka_metadata_deleter {
  void operator()(const rd_kafka_metadata_t* p) const noexcept { rd_kafka_metadata_destroy(p); }
};

using kafka_handle_ptr = std::unique_ptr<rd_kafka_t, kafka_handle_deleter>;
using kafka_conf_ptr = std::unique_ptr<rd_kafka_conf_t, kafka_conf_deleter>;
using kafka_partition_list_ptr =
    std::unique_ptr<rd_kafka_topic_partition_list_t, kafka_partition_list_deleter>;
using kafka_message_ptr = std::unique_ptr<rd_kafka_message_t, kafka_message_deleter>;
using kafka_headers_ptr = std::unique_ptr<rd_kafka_headers_t, kafka_headers_deleter>;
using kafka_queue_ptr = std::unique_ptr<rd_kafka_queue_t, kafka_queue_deleter>;
using kafka_topic_ptr = std::unique_ptr<rd_kafka_topic_t, kafka_topic_deleter>;
using kafka_metadata_ptr = std::unique_ptr<const rd_kafka_metadata_t, kafka_metadata_deleter>;

}  // namespace fleetledger::events

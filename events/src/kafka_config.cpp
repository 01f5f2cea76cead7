#include "fleetledger/events/kafka_config.hpp"

#include <algorithm>
#include <array>
#include <string>

#include "fleetledger/events/log.hpp"

namespace fleetledger::events {
namespace {

constexpr std::int64_t max_ms = 2'147'483'647;  // librdkafka's int32 millisecond properties

error invalid(std::string msg) { return make_error(errc::invalid_argument, std::move(msg)); }

result<void> check_ms(std::string_view field, std::chrono::milliseconds v, std::int64_t lo, std::int64_t hi) {
  if (v.count() < lo || v.count() > hi) {
    return invalid("kafka config: " + std::string(field) + " must be between " + std::to_string(lo) +
                   " and " + std::to_string(hi) + " ms, got " + std::to_string(v.count()) + " ms");
  }
  return {};
}

result<void> check_int(std::string_view field, std::int64_t v, std::int64_t lo, std::int64_t hi) {
  if (v < lo || v > hi) {
    return invalid("kafka config: " + std::string(field) + " must be between " + std::to_string(lo) +
                   " and " + std::to_string(hi) + ", got " + std::to_string(v));
  }
  return {};
}

// Properties a caller may not override: they carry DESIGN.md's guarantees or our callbacks.
constexpr std::array<std::string_view, 13> reserved_keys{
    "acks", "request.required.acks", "enable.idempotence", "partitioner", "enable.auto.commit",
    "enable.auto.offset.store", "group.id", "bootstrap.servers", "metadata.broker.list",
    "enable.partition.eof", "message.timeout.ms", "delivery.timeout.ms", "transactional.id"};

bool valid_broker_list(std::string_view brokers) {
  // "host:port[,host:port...]": every entry has a host and a numeric port.
  std::size_t begin = 0;
  while (begin <= brokers.size()) {
    const auto end = std::min(brokers.find(',', begin), brokers.size());
    const auto entry = brokers.substr(begin, end - begin);
    const auto colon = entry.rfind(':');
    if (colon == std::string_view::npos || colon == 0 || colon + 1 == entry.size()) return false;
    const auto port = entry.substr(colon + 1);
    if (!std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) return false;
    if (port.size() > 5 || std::stoi(std::string(port)) > 65535) return false;
    begin = end + 1;
  }
  return true;
}

result<void> validate_client(const kafka_client_config& c) {
  if (c.brokers.empty()) return invalid("kafka config: brokers is empty (expected host:port[,host:port])");
  if (!valid_broker_list(c.brokers)) {
    return invalid("kafka config: brokers \"" + c.brokers + "\" is not host:port[,host:port]");
  }
  if (c.client_id.empty()) return invalid("kafka config: client_id is empty");
  if (auto r = check_ms("socket_timeout", c.socket_timeout, 10, 300'000); !r) return r;
  if (auto r = check_ms("reconnect_backoff_max", c.reconnect_backoff_max, 0, 3'600'000); !r) return r;
  for (const auto& [key, value] : c.extra) {
    if (key.empty()) return invalid("kafka config: extra property with an empty key");
    if (std::find(reserved_keys.begin(), reserved_keys.end(), key) != reserved_keys.end()) {
      return invalid("kafka config: extra property " + key + " may not be overridden (use the typed setting)");
    }
  }
  return {};
}

// librdkafka logs (from its own threads) -> JSON-lines log.
void log_callback(const rd_kafka_t* rk, int level, const char* facility, const char* text) {
  const auto lvl = level <= 3 ? log::level::error : level == 4 ? log::level::warn
                 : level <= 6 ? log::level::info : log::level::debug;
  log::write(lvl, text, {{"source", "librdkafka"}, {"facility", facility}, {"client", rd_kafka_name(rk)}});
}

result<kafka_conf_ptr> base_conf(const kafka_client_config& c) {
  kafka_conf_ptr conf(rd_kafka_conf_new());
  auto& cf = *conf;
  const std::array<std::pair<std::string_view, std::string>, 4> props{{
      {"bootstrap.servers", c.brokers},
      {"client.id", c.client_id},
      {"socket.timeout.ms", std::to_string(c.socket_timeout.count())},
      {"reconnect.backoff.max.ms", std::to_string(c.reconnect_backoff_max.count())},
  }};
  for (const auto& [k, v] : props) {
    if (auto r = set_property(cf, k, v); !r) return r.err();
  }
  // reconnect.backoff.ms must not exceed the max.
  if (c.reconnect_backoff_max.count() < 100) {
    if (auto r = set_property(cf, "reconnect.backoff.ms", std::to_string(c.reconnect_backoff_max.count())); !r) {
      return r.err();
    }
  }
  rd_kafka_conf_set_log_cb(&cf, log_callback);
  return conf;
}

result<void> apply_extra(rd_kafka_conf_t& conf, const kafka_client_config& c) {
  for (const auto& [k, v] : c.extra) {
    if (auto r = set_property(conf, k, v); !r) return r;
  }
  return {};
}

bool valid_name(std::string_view name) {
  return !name.empty() && name.size() <= 200 && std::all_of(name.begin(), name.end(), [](char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '.' ||
           ch == '_' || ch == '-';
  });
}

}  // namespace

std::string group_id_of(std::string_view consumer_name) { return "fleetledger." + std::string(consumer_name); }

result<void> validate(const publisher_config& c) {
  if (auto r = validate_client(c.client); !r) return r;
  if (auto r = check_ms("delivery_timeout", c.delivery_timeout, 1, max_ms); !r) return r;
  if (auto r = check_ms("linger", c.linger, 0, 900'000); !r) return r;
  if (c.linger >= c.delivery_timeout) {
    return invalid("kafka config: linger (" + std::to_string(c.linger.count()) +
                   " ms) must be shorter than delivery_timeout (" + std::to_string(c.delivery_timeout.count()) +
                   " ms)");
  }
  if (auto r = check_int("max_queued_messages", c.max_queued_messages, 1, 10'000'000); !r) return r;
  if (auto r = check_int("batch_max_messages", c.batch_max_messages, 1, 1'000'000); !r) return r;
  if (auto r = check_ms("close_timeout", c.close_timeout, 0, max_ms); !r) return r;
  return {};
}

result<void> validate(const consumer_config& c) {
  if (auto r = validate_client(c.client); !r) return r;
  if (!valid_name(c.name)) {
    return invalid("kafka config: consumer name \"" + c.name +
                   "\" must be 1-200 letters, digits, '.', '_' or '-'");
  }
  // fetch.max.bytes must hold the largest record (message.max.bytes, default 1 MB) and leave room
  // for receive.message.max.bytes (fetch + 512) under librdkafka's 1 GB cap.
  if (auto r = check_int("fetch_max_bytes", c.fetch_max_bytes, 1'000'000, 1'000'000'000); !r) return r;
  if (auto r = check_int("max_partition_fetch_bytes", c.max_partition_fetch_bytes, 1, c.fetch_max_bytes); !r) {
    return r;
  }
  if (auto r = check_int("queued_max_messages_kbytes", c.queued_max_messages_kbytes, 1, 2'097'151); !r) return r;
  if (auto r = check_int("queued_min_messages", c.queued_min_messages, 1, 10'000'000); !r) return r;
  if (auto r = check_ms("fetch_wait_max", c.fetch_wait_max, 0, 300'000); !r) return r;
  return {};
}

result<void> set_property(rd_kafka_conf_t& conf, std::string_view key, std::string_view value) {
  char errstr[512] = {};
  const std::string k(key), v(value);
  if (rd_kafka_conf_set(&conf, k.c_str(), v.c_str(), errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
    return invalid("kafka config: cannot set " + k + "=" + v + ": " + errstr);
  }
  return {};
}

result<kafka_conf_ptr> make_conf(const publisher_config& c) {
  if (auto r = validate(c); !r) return r.err();
  auto conf = base_conf(c.client);
  if (!conf) return conf;
  const std::array<std::pair<std::string_view, std::string>, 7> props{{
      {"acks", "all"},
      {"enable.idempotence", "true"},  // also caps in-flight requests at 5 and retries forever
      {"partitioner", "murmur2_random"},  // same partition for a key as the Java and Go clients
      {"message.timeout.ms", std::to_string(c.delivery_timeout.count())},
      {"linger.ms", std::to_string(c.linger.count())},
      {"queue.buffering.max.messages", std::to_string(c.max_queued_messages)},
      {"batch.num.messages", std::to_string(c.batch_max_messages)},
  }};
  for (const auto& [k, v] : props) {
    if (auto r = set_property(**conf, k, v); !r) return r.err();
  }
  if (auto r = apply_extra(**conf, c.client); !r) return r.err();
  return conf;
}

result<kafka_conf_ptr> make_conf(const consumer_config& c) {
  if (auto r = validate(c); !r) return r.err();
  auto conf = base_conf(c.client);
  if (!conf) return conf;
  const std::array<std::pair<std::string_view, std::string>, 11> props{{
      {"group.id", group_id_of(c.name)},  // advisory commits; partitions are assigned explicitly
      {"enable.auto.commit", "false"},
      {"enable.auto.offset.store", "false"},
      {"enable.partition.eof", "true"},  // callers need "caught up"
      {"auto.offset.reset", "earliest"},
      {"fetch.max.bytes", std::to_string(c.fetch_max_bytes)},
      {"receive.message.max.bytes", std::to_string(static_cast<std::int64_t>(c.fetch_max_bytes) + 512)},
      {"max.partition.fetch.bytes", std::to_string(c.max_partition_fetch_bytes)},
      {"queued.max.messages.kbytes", std::to_string(c.queued_max_messages_kbytes)},
      {"queued.min.messages", std::to_string(c.queued_min_messages)},
      {"fetch.wait.max.ms", std::to_string(c.fetch_wait_max.count())},
  }};
  for (const auto& [k, v] : props) {
    if (auto r = set_property(**conf, k, v); !r) return r.err();
  }
  if (auto r = apply_extra(**conf, c.client); !r) return r.err();
  return conf;
}

result<kafka_handle_ptr> make_client(rd_kafka_type_t type, kafka_conf_ptr conf) {
  char errstr[512] = {};
  kafka_handle_ptr rk(rd_kafka_new(type, conf.get(), errstr, sizeof errstr));
  if (!rk) {
    return make_error(errc::invalid_argument,
                      std::string("cannot create kafka ") + (type == RD_KAFKA_PRODUCER ? "producer" : "consumer") +
                          ": " + errstr);
  }
  (void)conf.release();  // rd_kafka_new took ownership
  return rk;
}

}  // namespace fleetledger::events

#include "fleetledger/broker/retention_monitor.hpp"

#include <algorithm>
#include <array>
#include <map>

#include "fleetledger/broker/kafka_handles.hpp"
#include "fleetledger/broker/mock_cluster.hpp"
#include "fleetledger/events/log.hpp"

namespace fleetledger::broker {

namespace log = events::log;
using events::errc;
using events::make_error;

namespace {

constexpr std::int64_t batch_header_bytes = 61;
constexpr auto drop_error_repeat = std::chrono::seconds(30);

std::int64_t varint_size(std::int64_t v) {
  // zig-zag varint as used by v2 records
  std::uint64_t z = (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63);
  std::int64_t n = 1;
  while (z >= 0x80) {
    z >>= 7;
    ++n;
  }
  return n;
}

}  // namespace

std::int64_t estimated_log_bytes(std::size_t key_bytes, std::size_t value_bytes, std::size_t header_count,
                                 std::size_t header_bytes) {
  const auto k = static_cast<std::int64_t>(key_bytes);
  const auto v = static_cast<std::int64_t>(value_bytes);
  const auto hc = static_cast<std::int64_t>(header_count);
  const auto hb = static_cast<std::int64_t>(header_bytes);
  // attributes(1) + timestamp delta (<= 5) + offset delta (<= 3) + key/value lengths and bytes +
  // header count + per header two lengths (<= 2 each for short headers) + header bytes.
  const std::int64_t body =
      1 + 5 + 3 + varint_size(k) + k + varint_size(v) + v + varint_size(hc) + hc * 4 + hb;
  return varint_size(body) + body + batch_header_bytes;
}

void partition_retention::add(std::int64_t offset, std::int64_t bytes) {
  if (chunks_.empty() || chunks_.back().records >= records_per_chunk) {
    chunks_.push_back({offset, offset, 0, 0});
  }
  auto& c = chunks_.back();
  c.last_offset = offset;
  c.bytes += bytes;
  c.records += 1;
  bytes_ += bytes;
  records_ += 1;
}

void partition_retention::trim(std::int64_t log_start) {
  while (!chunks_.empty() && chunks_.front().first_offset < log_start) {
    auto& c = chunks_.front();
    if (c.last_offset < log_start) {
      bytes_ -= c.bytes;
      records_ -= c.records;
      chunks_.pop_front();
      continue;
    }
    // Partly dropped: remove the dropped share of its offsets (offsets in a chunk are dense).
    const std::int64_t span = c.last_offset - c.first_offset + 1;
    const std::int64_t gone = log_start - c.first_offset;
    const std::int64_t gone_bytes = c.bytes * gone / span;
    const std::int64_t gone_records = std::min(c.records, c.records * gone / span);
    c.bytes -= gone_bytes;
    c.records -= gone_records;
    c.first_offset = log_start;
    bytes_ -= gone_bytes;
    records_ -= gone_records;
    break;
  }
}

struct retention_monitor::state {
  kafka_handle_ptr consumer;
  kafka_queue_ptr queue;
  kafka_handle_ptr query;  // ListOffsets only, on its own connection
  struct partition {
    std::string topic;
    std::int32_t id{0};
    partition_retention retained;
    std::int64_t log_start{0};
    std::int64_t high{0};
    bool warned{false};
    std::int64_t reported_log_start{0};
    std::chrono::steady_clock::time_point last_error{};
  };
  std::map<std::string, std::vector<partition>, std::less<>> partitions;
};

events::result<void> retention_monitor::start(options opts) {
  opts_ = std::move(opts);
  if (opts_.interval.count() == 0) {
    log::warn(
        "retention monitor disabled: the mock drops records silently past its per-partition limits",
        {{"limit_bytes", mock_max_partition_bytes}, {"limit_message_sets", mock_max_partition_message_sets}});
    return {};
  }
  auto st = std::make_unique<state>();
  char err[512];
  kafka_conf_ptr conf(rd_kafka_conf_new());
  route_logs(conf.get());
  const std::array<std::pair<const char*, const char*>, 8> settings{{
      {"bootstrap.servers", opts_.bootstrap.c_str()},
      {"client.id", "fleetledger-broker-retention-monitor"},
      // assign() needs a group id; the monitor never joins the group nor commits.
      {"group.id", "fleetledger-broker-retention-monitor"},
      {"enable.partition.eof", "false"},
      {"enable.auto.commit", "false"},
      {"auto.offset.reset", "earliest"},
      // Keep the prefetch queue small: the monitor only needs sizes.
      {"queued.max.messages.kbytes", "1024"},
      {"fetch.wait.max.ms", "200"},
  }};
  for (const auto& [k, v] : settings) {
    if (rd_kafka_conf_set(conf.get(), k, v, err, sizeof err) != RD_KAFKA_CONF_OK) {
      return make_error(errc::internal, std::string("retention monitor config ") + k + ": " + err);
    }
  }
  st->consumer.reset(rd_kafka_new(RD_KAFKA_CONSUMER, conf.get(), err, sizeof err));
  if (!st->consumer) return make_error(errc::internal, std::string("retention monitor consumer: ") + err);
  conf.release();

  {
    kafka_conf_ptr qconf(rd_kafka_conf_new());
    route_logs(qconf.get());
    if (rd_kafka_conf_set(qconf.get(), "bootstrap.servers", opts_.bootstrap.c_str(), err, sizeof err) !=
            RD_KAFKA_CONF_OK ||
        rd_kafka_conf_set(qconf.get(), "client.id", "fleetledger-broker-retention-query", err, sizeof err) !=
            RD_KAFKA_CONF_OK) {
      return make_error(errc::internal, std::string("retention monitor query config: ") + err);
    }
    st->query.reset(rd_kafka_new(RD_KAFKA_PRODUCER, qconf.get(), err, sizeof err));
    if (!st->query) return make_error(errc::internal, std::string("retention monitor query handle: ") + err);
    qconf.release();
  }

  kafka_partition_list_ptr list(rd_kafka_topic_partition_list_new(16));
  for (const auto& t : opts_.topics) {
    auto& parts = st->partitions[t.name];
    for (std::int32_t p = 0; p < t.partitions; ++p) {
      parts.push_back({});
      parts.back().topic = t.name;
      parts.back().id = p;
      rd_kafka_topic_partition_list_add(list.get(), t.name.c_str(), p)->offset = RD_KAFKA_OFFSET_BEGINNING;
    }
  }
  if (const auto e = rd_kafka_assign(st->consumer.get(), list.get()); e != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return make_error(errc::internal, std::string("retention monitor assign: ") + rd_kafka_err2str(e));
  }
  st->queue.reset(rd_kafka_queue_get_consumer(st->consumer.get()));
  state_ = std::move(st);
  stop_ = false;
  thread_ = std::thread([this] { run(); });
  log::info("retention monitor started", {{"interval_ms", static_cast<std::int64_t>(opts_.interval.count())},
                                          {"warn_percent", opts_.warn_percent},
                                          {"limit_bytes", mock_max_partition_bytes},
                                          {"limit_message_sets", mock_max_partition_message_sets}});
  return {};
}

void retention_monitor::run() {
  auto& st = *state_;
  std::array<rd_kafka_message_t*, 1024> batch{};
  auto next_check = std::chrono::steady_clock::now() + opts_.interval;
  const std::int64_t warn_bytes = mock_max_partition_bytes * opts_.warn_percent / 100;
  const std::int64_t warn_sets = mock_max_partition_message_sets * opts_.warn_percent / 100;

  // Warns once per partition, as soon as the records seen pass the threshold (before any drop).
  const auto maybe_warn = [&](const std::string& topic, state::partition& p) {
    const std::int64_t bytes = p.retained.bytes();
    const std::int64_t sets = p.retained.records();  // upper bound on message sets
    if (!p.warned && p.log_start == 0 && (bytes >= warn_bytes || sets >= warn_sets)) {
      p.warned = true;
      const std::int64_t pct =
          std::max(bytes * 100 / mock_max_partition_bytes, sets * 100 / mock_max_partition_message_sets);
      log::warn(
          "dev broker partition nearly full: the mock will soon drop its oldest records "
          "silently (durable history arrives with the archive; meanwhile use more partitions)",
          {{"topic", topic},
           {"partition", p.id},
           {"estimated_bytes", bytes},
           {"limit_bytes", mock_max_partition_bytes},
           {"records", sets},
           {"limit_message_sets", mock_max_partition_message_sets},
           {"percent", pct}});
    }
  };

  // Offsets of every partition (in st.partitions order) for the logical offset `which`; empty on
  // error.
  const auto list_offsets = [&](std::int64_t which) {
    std::vector<std::int64_t> out;
    kafka_partition_list_ptr list(rd_kafka_topic_partition_list_new(64));
    for (const auto& [topic, parts] : st.partitions) {
      for (const auto& p : parts)
        rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), p.id)->offset = which;
    }
    if (const auto e = rd_kafka_offsets_for_times(st.query.get(), list.get(), 5000);
        e != RD_KAFKA_RESP_ERR_NO_ERROR) {
      log::debug("retention monitor offset query failed", {{"error", rd_kafka_err2str(e)}});
      return out;
    }
    for (int i = 0; i < list->cnt; ++i) {
      out.push_back(list->elems[i].err == RD_KAFKA_RESP_ERR_NO_ERROR ? list->elems[i].offset : -1);
    }
    return out;
  };

  while (!stop_.load()) {
    const ssize_t n = rd_kafka_consume_batch_queue(st.queue.get(), 200, batch.data(), batch.size());
    for (ssize_t i = 0; i < n; ++i) {
      rd_kafka_message_t* m = batch[static_cast<std::size_t>(i)];
      if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        const auto it = st.partitions.find(std::string_view(rd_kafka_topic_name(m->rkt)));
        if (it != st.partitions.end() && m->partition >= 0 &&
            static_cast<std::size_t>(m->partition) < it->second.size()) {
          std::size_t header_count = 0, header_bytes = 0;
          rd_kafka_headers_t* hdrs = nullptr;
          if (rd_kafka_message_headers(m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR && hdrs != nullptr) {
            header_count = rd_kafka_header_cnt(hdrs);
            const char* name = nullptr;
            const void* value = nullptr;
            std::size_t size = 0;
            for (std::size_t h = 0;
                 rd_kafka_header_get_all(hdrs, h, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR; ++h) {
              header_bytes += std::char_traits<char>::length(name) + size;
            }
          }
          auto& p = it->second[static_cast<std::size_t>(m->partition)];
          p.retained.add(m->offset, estimated_log_bytes(m->key_len, m->len, header_count, header_bytes));
          maybe_warn(it->first, p);
        }
      } else if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        log::debug("retention monitor consumer event", {{"error", rd_kafka_err2str(m->err)}});
      }
      rd_kafka_message_destroy(m);
    }

    const auto now = std::chrono::steady_clock::now();
    if (now < next_check) continue;
    next_check = now + opts_.interval;
    // Log start and end offsets of every partition in two ListOffsets requests (timestamps -2 and -1
    // mean earliest and latest), on the query handle's own connection: the consumer's connection
    // is often parked in a long-poll fetch.
    const auto earliest = list_offsets(RD_KAFKA_OFFSET_BEGINNING);
    const auto latest = list_offsets(RD_KAFKA_OFFSET_END);
    if (earliest.empty() || latest.empty()) continue;  // transient; the next interval retries
    std::size_t index = 0;
    for (auto& [topic, parts] : st.partitions) {
      for (auto& p : parts) {
        const std::int64_t low = earliest[index];
        const std::int64_t high = latest[index];
        ++index;
        if (low < 0 || high < 0) continue;
        p.log_start = low;
        p.high = high;
        p.retained.trim(low);
        if (low > 0 && low != p.reported_log_start &&
            (p.reported_log_start == 0 || now - p.last_error >= drop_error_repeat)) {
          log::error(
              "dev broker dropped records: the mock keeps only the last 5 MiB or 100000 message "
              "sets per partition and older records are gone (durable history arrives with the "
              "archive; meanwhile use more partitions)",
              {{"topic", topic},
               {"partition", p.id},
               {"log_start_offset", low},
               {"high_watermark", high},
               {"dropped_records", low},
               {"retained_records", high - low},
               {"limit_bytes", mock_max_partition_bytes},
               {"limit_message_sets", mock_max_partition_message_sets}});
          p.reported_log_start = low;
          p.last_error = now;
        }
        maybe_warn(topic, p);
      }
    }
  }
}

void retention_monitor::stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  if (state_) {
    rd_kafka_t* rk = state_->consumer.get();
    state_->queue.reset();
    if (rk != nullptr) (void)rd_kafka_consumer_close(rk);
    state_.reset();
  }
}

retention_monitor::retention_monitor() = default;
retention_monitor::~retention_monitor() {
  stop();
}

}  // namespace fleetledger::broker

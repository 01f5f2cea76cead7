#include "fleetledger/broker/durable_history.hpp"

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <map>
#include <thread>

#include "fleetledger/broker/kafka_handles.hpp"
#include "fleetledger/events/log.hpp"

namespace fleetledger::broker {

using namespace std::chrono_literals;
using events::errc;
using events::make_error;
namespace log = events::log;

namespace {

// Delivery reports: every record must land at the offset it had in the archive.
struct delivery_check {
  std::int64_t delivered{0};
  std::int64_t failed{0};
  std::int64_t misplaced{0};
  std::string first_problem;
};

void on_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
  auto* check = static_cast<delivery_check*>(opaque);
  const auto expected = reinterpret_cast<std::intptr_t>(m->_private);
  if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    ++check->failed;
    if (check->first_problem.empty()) check->first_problem = rd_kafka_err2str(m->err);
  } else if (m->offset != expected) {
    ++check->misplaced;
    if (check->first_problem.empty()) {
      check->first_problem = std::string(rd_kafka_topic_name(m->rkt)) + ":" + std::to_string(m->partition) +
                             " offset " + std::to_string(expected) + " came back at " + std::to_string(m->offset);
    }
  } else {
    ++check->delivered;
  }
}

}  // namespace

events::result<restore_stats> restore_archive(const archive::archive_store& store, const std::string& bootstrap,
                                              const std::vector<topic_partitions>& topics) {
  auto offsets = store.offsets();
  if (!offsets) return offsets.err();
  restore_stats stats;
  // Check the archive fits the broker before producing anything.
  for (const auto& [tp, next] : *offsets) {
    if (next <= 0) continue;
    bool known = false;
    for (const auto& t : topics) known = known || (t.name == tp.first && tp.second < t.partitions);
    if (!known) {
      return make_error(errc::invalid_argument,
                        "the archive has " + tp.first + ":" + std::to_string(tp.second) +
                            " but the broker has no such partition (start it with the same --partitions)");
    }
    auto range = store.range(tp.first, tp.second);
    if (!range) return range.err();
    if (!*range || (*range)->first != 0 || (*range)->second != next - 1) {
      return make_error(errc::invalid_argument,
                        "the archive of " + tp.first + ":" + std::to_string(tp.second) +
                            " does not hold every offset from 0 to " + std::to_string(next - 1) +
                            ", so its offsets cannot be restored (records were dropped before they were "
                            "archived; move the archive away to start with an empty history)");
    }
  }

  delivery_check check;
  char err[512];
  kafka_conf_ptr conf(rd_kafka_conf_new());
  route_logs(conf.get());
  const std::pair<const char*, std::string> props[] = {
      {"bootstrap.servers", bootstrap},     {"client.id", "fleetledger-broker-restore"},
      {"enable.idempotence", "true"},       {"acks", "all"},
      {"linger.ms", "5"},                   {"batch.num.messages", "10000"},
      {"queue.buffering.max.messages", "500000"}, {"message.timeout.ms", "120000"},
  };
  for (const auto& [k, v] : props) {
    if (rd_kafka_conf_set(conf.get(), k, v.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
      return make_error(errc::internal, std::string("restore producer config ") + k + ": " + err);
    }
  }
  rd_kafka_conf_set_dr_msg_cb(conf.get(), on_delivery);
  rd_kafka_conf_set_opaque(conf.get(), &check);
  kafka_handle_ptr producer(rd_kafka_new(RD_KAFKA_PRODUCER, conf.get(), err, sizeof err));
  if (!producer) return make_error(errc::internal, std::string("cannot create the restore producer: ") + err);
  conf.release();

  std::int64_t produced = 0;
  for (const auto& [tp, next] : *offsets) {
    if (next <= 0) continue;
    ++stats.partitions;
    auto scanned = store.scan_partition(tp.first, tp.second, 0, next, [&](const archive::archived_record& r) {
      rd_kafka_headers_t* headers = nullptr;
      if (!r.headers.empty()) {
        headers = rd_kafka_headers_new(r.headers.size());
        for (const auto& h : r.headers) {
          rd_kafka_header_add(headers, h.name.data(), static_cast<ssize_t>(h.name.size()),
                              h.value ? h.value->data() : nullptr,
                              h.value ? static_cast<ssize_t>(h.value->size()) : 0);
        }
      }
      void* key_ptr = r.key ? const_cast<char*>(r.key->data()) : nullptr;
      const std::size_t key_len = r.key ? r.key->size() : 0;
      void* value_ptr = r.value ? const_cast<char*>(r.value->data()) : nullptr;
      const std::size_t value_len = r.value ? r.value->size() : 0;
      const std::int64_t ts = r.timestamp_ms < 0 ? 0 : r.timestamp_ms;
      void* expected = reinterpret_cast<void*>(static_cast<std::intptr_t>(r.offset));
      for (;;) {
        const rd_kafka_resp_err_t e = rd_kafka_producev(
            producer.get(), RD_KAFKA_V_TOPIC(r.topic.c_str()), RD_KAFKA_V_PARTITION(r.partition),
            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
            RD_KAFKA_V_KEY(key_ptr, key_len), RD_KAFKA_V_VALUE(value_ptr, value_len), RD_KAFKA_V_TIMESTAMP(ts),
            RD_KAFKA_V_HEADERS(headers), RD_KAFKA_V_OPAQUE(expected), RD_KAFKA_V_END);
        if (e == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
          rd_kafka_poll(producer.get(), 10);
          continue;
        }
        if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
          if (headers != nullptr) rd_kafka_headers_destroy(headers);
          ++check.failed;
          if (check.first_problem.empty()) check.first_problem = rd_kafka_err2str(e);
          return false;
        }
        break;  // the producer owns the headers now
      }
      ++produced;
      if ((produced & 0x3ff) == 0) rd_kafka_poll(producer.get(), 0);
      return true;
    });
    if (!scanned) return scanned.err();
    if (check.failed > 0) break;
  }
  const auto deadline = std::chrono::steady_clock::now() + 180s;
  while (rd_kafka_outq_len(producer.get()) > 0 && std::chrono::steady_clock::now() < deadline) {
    rd_kafka_flush(producer.get(), 100);
  }
  rd_kafka_poll(producer.get(), 0);
  if (check.failed > 0 || check.misplaced > 0 || check.delivered != produced) {
    return make_error(errc::internal,
                      "restoring the archive failed: " + std::to_string(check.delivered) + " of " +
                          std::to_string(produced) + " records restored at their offsets (" +
                          (check.first_problem.empty() ? std::string("not all delivered in time")
                                                       : check.first_problem) +
                          ")");
  }
  // Every partition must end where the archive does.
  for (const auto& [tp, next] : *offsets) {
    std::int64_t low = 0, high = 0;
    const auto e = rd_kafka_query_watermark_offsets(producer.get(), tp.first.c_str(), tp.second, &low, &high, 10000);
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return make_error(errc::internal, "cannot check the offsets of " + tp.first + ":" + std::to_string(tp.second) +
                                            " after restoring: " + rd_kafka_err2str(e));
    }
    if (high != next) {
      return make_error(errc::internal, "restored " + tp.first + ":" + std::to_string(tp.second) + " ends at " +
                                            std::to_string(high) + ", the archive at " + std::to_string(next));
    }
  }
  stats.records = produced;
  return stats;
}

embedded_archiver::~embedded_archiver() { stop(); }

void embedded_archiver::start(archive::archiver_config config, archive::archive_store& store) {
  thread_ = std::thread([this, config = std::move(config), &store] {
    auto r = archive::run_archiver(config, stop_, &store);
    if (!r) {
      failed_.store(true);
      log::error("the broker's archiver stopped: history after this point is not durable",
                 {{"error", r.err().message}});
    }
  });
}

bool embedded_archiver::stop() {
  stop_.store(true);
  if (thread_.joinable()) thread_.join();
  return !failed_.load();
}

}  // namespace fleetledger::broker

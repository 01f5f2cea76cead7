#include "fleetledger/projections/projector_runner.hpp"

#include <thread>
#include <vector>

#include "fleetledger/events/consumer.hpp"
#include "fleetledger/events/log.hpp"
#include "fleetledger/events/publisher.hpp"
#include "fleetledger/events/topic_catalogue.hpp"
#include "fleetledger/projections/applier.hpp"

namespace fleetledger::projections {

using namespace std::chrono_literals;
using events::errc;
using events::make_error;
namespace log = events::log;

namespace {

// Dead letters keep the original key and value; headers say where they came from and why.
events::result<void> publish_dead_letters(events::publisher& pub, std::string_view view_name,
                                          const std::vector<dead_letter>& letters, const std::atomic<bool>& stop) {
  for (const auto& d : letters) {
    const std::vector<events::record_header> headers{
        {std::string(events::header_dlq_topic), d.source.topic.value()},
        {std::string(events::header_dlq_partition), std::to_string(d.source.partition.value())},
        {std::string(events::header_dlq_offset), std::to_string(d.at.value())},
        {std::string(events::header_dlq_consumer), events::group_id_of(view_name)},
        {std::string(events::header_dlq_reason), d.reason},
    };
    // Never commit past a record whose dead letter is not stored: retry until it is, or give up on
    // stop (the batch is then not committed and is processed again on restart).
    for (int attempt = 1;; ++attempt) {
      auto r = pub.publish_raw(events::deadletter_topic, d.key, d.value, headers);
      if (r) break;
      log::warn("dead letter publish failed; retrying", {{"error", r.err().message}, {"attempt", attempt}});
      if (stop.load()) return r.err();
      std::this_thread::sleep_for(std::min(100ms * attempt, std::chrono::milliseconds(2000)));
    }
    log::warn("record dead-lettered", {{"topic", d.source.topic.value()},
                                       {"partition", d.source.partition.value()},
                                       {"offset", d.at.value()},
                                       {"reason", d.reason}});
  }
  return {};
}

// Waits (bounded only by stop) for the broker to answer a metadata request for our topics.
events::result<std::vector<events::topic_partition>> discover_partitions(events::consumer& c, const view& v,
                                                                         const std::atomic<bool>& stop) {
  const auto topics = v.topics();
  for (int attempt = 1;; ++attempt) {
    auto parts = c.list_partitions(topics, 5s);
    if (parts) return parts;
    if (stop.load()) return parts.err();
    log::warn("waiting for the broker", {{"error", parts.err().message}, {"attempt", attempt}});
    std::this_thread::sleep_for(1s);
  }
}

}  // namespace

events::result<run_summary> run_projector(view& v, const runner_config& config, const std::atomic<bool>& stop) {
  auto store_r = view_store::open(config.view_dir, config.store);
  if (!store_r) return store_r.err();
  auto& store = *store_r.value();

  events::consumer_config cc;
  cc.client.brokers = config.brokers;
  cc.client.client_id = "fleetledger-projector-" + std::string(v.name());
  cc.name = std::string(v.name());
  auto consumer_r = events::consumer::create(cc);
  if (!consumer_r) return consumer_r.err();
  auto& consumer = consumer_r.value();

  events::publisher_config pc;
  pc.client.brokers = config.brokers;
  pc.client.client_id = cc.client.client_id + "-deadletter";
  pc.linger = 1ms;  // dead letters are rare and each is awaited before the batch commits
  auto publisher_r = events::publisher::create(pc);
  if (!publisher_r) return publisher_r.err();
  auto& dlq = publisher_r.value();

  auto partitions = discover_partitions(consumer, v, stop);
  if (!partitions) return partitions.err();
  events::offset_vector start;
  for (const auto& tp : partitions.value()) {
    const auto stored = store.next_offset(tp);
    events::offset from = stored ? *stored : events::offset_beginning;
    if (stored) {
      // The mock broker (and Kafka retention) may no longer hold what we have not applied yet.
      if (auto wm = consumer.query_watermarks(tp, 5s); wm && wm->low > *stored) {
        log::error("log start is past the stored offset: records were dropped before this view applied them",
                   {{"topic", tp.topic.value()}, {"partition", tp.partition.value()},
                    {"stored_next", stored->value()}, {"log_start", wm->low.value()}});
      }
    }
    start.push_back({tp, from});
  }
  if (auto a = consumer.assign(start); !a) return a.err();
  log::info("projector started", {{"view", std::string(v.name())}, {"partitions", start.size()},
                                  {"dir", config.view_dir.string()}, {"applied", store.counters().applied}});

  applier app(v, store);
  run_summary summary;
  events::poll_batch batch;
  std::vector<input_record> inputs;
  std::vector<dead_letter> letters;
  auto last_commit = std::chrono::steady_clock::now();
  auto last_status = last_commit;
  bool kafka_commit_due = false;

  while (!stop.load()) {
    batch.clear();
    auto polled = consumer.poll(config.poll_timeout, batch, config.batch_max);
    if (!polled) log::warn("poll failed", {{"error", polled.err().message}});
    if (!batch.records.empty()) {
      inputs.clear();
      letters.clear();
      inputs.reserve(batch.records.size());
      for (const auto& r : batch.records) {
        inputs.push_back({{events::topic_name(std::string(r.topic())), r.partition()}, r.offset(),
                          r.timestamp_ms(), r.key(), r.value()});
      }
      auto staged = app.stage(inputs, letters);
      if (!letters.empty()) {
        if (auto p = publish_dead_letters(dlq, v.name(), letters, stop); !p) {
          return make_error(errc::unavailable, "stopping with an uncommitted batch: " + p.err().message);
        }
      }
      if (auto c = app.commit(*staged); !c) return c.err();
      summary.records += static_cast<std::int64_t>(batch.records.size());
      kafka_commit_due = true;
    }
    const auto now = std::chrono::steady_clock::now();
    if (kafka_commit_due && now - last_commit >= config.kafka_commit_interval) {
      (void)consumer.commit(store.offsets());
      kafka_commit_due = false;
      last_commit = now;
    }
    if (now - last_status >= config.status_interval) {
      const auto c = store.counters();
      log::info("projector progress", {{"view", std::string(v.name())}, {"records", summary.records},
                                       {"applied", c.applied}, {"rejected", c.rejected},
                                       {"duplicates", c.duplicates}, {"dead_lettered", c.dead_lettered}});
      last_status = now;
    }
    if (config.exit_at_end && batch.records.empty() && consumer.caught_up()) break;
  }
  if (kafka_commit_due) (void)consumer.commit(store.offsets());
  summary.counters = store.counters();
  log::info("projector stopped", {{"view", std::string(v.name())}, {"records", summary.records},
                                  {"applied", summary.counters.applied}});
  return summary;
}

}  // namespace fleetledger::projections

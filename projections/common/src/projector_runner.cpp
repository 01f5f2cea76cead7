#include "fleetledger/projections/projector_runner.hpp"

#include <array>
#include <limits>
#include <map>
#include <optional>
#include <thread>
#include <vector>

#include "fleetledger/archive/archive_store.hpp"
#include "fleetledger/events/consumer.hpp"
#include "fleetledger/events/log.hpp"
#include "fleetledger/events/publisher.hpp"
#include "fleetledger/events/topic_catalogue.hpp"
#include "fleetledger/projections/applier.hpp"

#include "background_task.hpp"

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

// Feeds the archived records of [from, to) of one partition through the applier (committing per
// batch, dead letters first). Returns the number of records read from the archive.
events::result<std::int64_t> catch_up_from_archive(applier& app, const runner_config& config,
                                                   std::unique_ptr<archive::archive_store>& reader,
                                                   const events::topic_partition& tp, std::int64_t from,
                                                   std::int64_t to, events::publisher& dlq, std::string_view view_name,
                                                   const std::atomic<bool>& stop) {
  if (config.archive_dir.empty()) return std::int64_t{0};
  if (!reader) {
    auto opened = archive::archive_store::open_secondary(
        config.archive_dir, config.view_dir.string() + ".archive-reader");
    if (!opened) {
      log::error("cannot open the archive to fill a gap", {{"error", opened.err().message}});
      return std::int64_t{0};
    }
    reader = std::move(opened.value());
  }
  if (auto c = reader->catch_up(); !c) return c.err();
  std::vector<archive::archived_record> buffer;
  std::vector<input_record> inputs;
  std::vector<dead_letter> letters;
  std::int64_t read = 0;
  std::optional<events::error> failure;
  auto flush = [&]() -> bool {
    inputs.clear();
    letters.clear();
    for (const auto& r : buffer) {
      inputs.push_back({tp, events::offset(r.offset), r.timestamp_ms, r.key ? std::string_view(*r.key) : "",
                        r.value ? std::string_view(*r.value) : ""});
    }
    auto staged = app.stage(inputs, letters);
    if (!letters.empty()) {
      if (auto p = publish_dead_letters(dlq, view_name, letters, stop); !p) {
        failure = p.err();
        return false;
      }
    }
    if (auto c = app.commit(*staged); !c) {
      failure = c.err();
      return false;
    }
    read += static_cast<std::int64_t>(buffer.size());
    buffer.clear();
    return true;
  };
  auto scanned = reader->scan_partition(tp.topic.value(), tp.partition.value(), from, to,
                                        [&](const archive::archived_record& r) {
                                          buffer.push_back(r);
                                          return buffer.size() < config.batch_max || flush();
                                        });
  if (scanned && !failure && !buffer.empty()) flush();
  if (failure) return *failure;
  if (!scanned) return scanned.err();
  log::info("gap read from the archive", {{"topic", tp.topic.value()}, {"partition", tp.partition.value()},
                                          {"from", from}, {"to", to}, {"records", read}});
  return read;
}

// Whether every partition's next offset is at or past its target (control records in transactional
// topics can leave a partition short of its high watermark; those end by end-of-partition instead).
bool reached(const events::offset_vector& positions, const std::map<events::topic_partition, events::offset>& end_at) {
  for (const auto& p : positions) {
    const auto it = end_at.find(p.where);
    if (it != end_at.end() && p.next < it->second) return false;
  }
  return true;
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
  // The prefetch queue: at most 100,000 messages or 32 MiB of payload (librdkafka's per-message
  // structures come on top). A deeper queue (200,000 / 64 MiB) used to be faster only because
  // librdkafka 2.0 left a full queue unfetched for up to a second; the consumer now wakes the
  // fetcher once the queue has drained to half (events::consumer::poll), and the shallower queue
  // replays as fast with 50-80 MiB less peak RSS.
  cc.queued_max_messages_kbytes = 32 * 1024;
  cc.queued_min_messages = 100'000;
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
  applier app(v, store);
  run_summary summary;
  std::unique_ptr<archive::archive_store> archive_reader;  // opened on the first gap
  events::offset_vector start;
  // With exit_at_end: the log end of each partition as of start-up. Reaching it is the end; waiting
  // for librdkafka's end-of-partition events instead costs a fetch round trip per partition (about
  // a second on a few hundred partitions), and records appended meanwhile are not part of the run.
  std::map<events::topic_partition, events::offset> end_at;
  // Asked for all partitions at once: one round trip per partition took 60-110 ms on start-up with
  // the benchmark's 516 partitions. Once a gap has been read from the archive (which can take a
  // while), the rest are asked again one by one, so no log start is older than the read.
  const auto all_watermarks = consumer.query_watermarks(partitions.value(), 5s);
  bool archive_read = false;
  for (std::size_t i = 0; i < partitions->size(); ++i) {
    const auto& tp = (*partitions)[i];
    auto stored = store.next_offset(tp);
    const auto wm = archive_read ? consumer.query_watermarks(tp, 5s) : all_watermarks[i];
    // The mock broker (and Kafka retention) may no longer hold what we have not applied yet: read
    // the gap [stored, log start) from the archive through the same applier first.
    if (wm && wm->low > (stored ? *stored : events::offset(0))) {
      const std::int64_t gap_from = stored ? stored->value() : 0;
      auto filled = catch_up_from_archive(app, config, archive_reader, tp, gap_from, wm->low.value(), dlq,
                                          v.name(), stop);
      if (!filled) return filled.err();
      summary.archive_records += *filled;
      archive_read = true;
      stored = store.next_offset(tp);
      if (!stored || *stored < wm->low) {
        ++summary.unrecoverable_gaps;
        log::error("log start is past the stored offset and the archive does not hold the gap: records were "
                   "dropped before this view applied them",
                   {{"topic", tp.topic.value()}, {"partition", tp.partition.value()},
                    {"from", stored ? stored->value() : gap_from}, {"to", wm->low.value()},
                    {"archive", config.archive_dir.string()}});
      }
    }
    // A new view starts at the log start just asked for: a concrete offset spares librdkafka a
    // lookup of "beginning" per partition before its first fetch.
    start.push_back({tp, stored ? *stored : (wm ? wm->low : events::offset_beginning)});
    if (config.exit_at_end) {
      // Partitions with nothing left to read are done; an unknown end waits for end-of-partition.
      const std::int64_t from = stored ? stored->value() : (wm ? wm->low.value() : 0);
      if (!wm) {
        end_at[tp] = events::offset(std::numeric_limits<std::int64_t>::max());
      } else if (wm->high.value() > from) {
        end_at[tp] = wm->high;
      }
    }
  }
  if (auto a = consumer.assign(start); !a) return a.err();
  log::info("projector started", {{"view", std::string(v.name())}, {"partitions", start.size()},
                                  {"dir", config.view_dir.string()}, {"applied", store.counters().applied}});

  // Two batches in flight on the consume side: while batch N is applied on this thread, batch N+1
  // is decoded on another (decoding is a pure function of the bytes), and batch N-1 is written by
  // the store's writer thread. Each slot owns its records (and so librdkafka's buffers) until it
  // has been applied.
  struct slot {
    events::poll_batch batch;
    std::vector<input_record> inputs;
    decoded_batch decoded;
    std::unique_ptr<shared_decode> decode;  // while its decode runs
  };
  std::array<slot, 2> slots;
  std::size_t current = 0;
  std::optional<std::size_t> decoding;  // the slot whose decode runs (or ran) on the other thread
  detail::background_task decoder("fl-decode");
  std::vector<dead_letter> letters;
  auto last_commit = std::chrono::steady_clock::now();
  auto last_status = last_commit;
  bool kafka_commit_due = false;

  // Rather than wait for the decode thread, this thread takes chunks of its batch until none is left.
  auto finish_decode = [&decoder](slot& s) {
    s.decode->help();
    decoder.wait();
    s.decode.reset();
  };
  // Applies the decoded slot: dead letters first, then the batch goes to the writer.
  auto apply_slot = [&](slot& s) -> events::result<void> {
    letters.clear();
    auto staged = app.stage(s.inputs, s.decoded, letters);
    if (!letters.empty()) {
      if (auto p = publish_dead_letters(dlq, v.name(), letters, stop); !p) {
        return make_error(errc::unavailable, "stopping with an uncommitted batch: " + p.err().message);
      }
    }
    if (auto c = store.commit_async(*staged); !c) return c.err();
    summary.records += static_cast<std::int64_t>(s.batch.records.size());
    kafka_commit_due = true;
    return {};
  };

  while (!stop.load()) {
    slot& next = slots[current];
    next.batch.clear();
    auto polled = consumer.poll(config.poll_timeout, next.batch, config.batch_max);
    if (!polled) log::warn("poll failed", {{"error", polled.err().message}});
    // Reuse the records' topic strings across batches: assign() keeps their capacity, so this
    // allocates nothing per record.
    next.inputs.resize(next.batch.records.size());
    for (std::size_t i = 0; i < next.batch.records.size(); ++i) {
      const auto& r = next.batch.records[i];
      auto& in = next.inputs[i];
      in.source.topic.value().assign(r.topic());
      in.source.partition = r.partition();
      in.at = r.offset();
      in.timestamp_ms = r.timestamp_ms();
      in.key = r.key();
      in.value = r.value();
    }
    const auto previous = decoding;
    if (previous) finish_decode(slots[*previous]);
    decoding.reset();
    if (!next.inputs.empty()) {
      // Also looks the ids up in the store. When this batch (N+1) is staged, seen() checks the
      // ids of batches N and N-1 itself; every older one is written by now (the commit_async of
      // N-1 waited for the write of N-2).
      next.decode = std::make_unique<shared_decode>(v, next.inputs, next.decoded, &store);
      decoder.run([job = next.decode.get()] { job->run(); });
      decoding = current;
      current = 1 - current;
    }
    if (previous) {
      if (auto a = apply_slot(slots[*previous]); !a) {
        if (decoding) decoder.wait();
        return a.err();
      }
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
    if (config.exit_at_end && (consumer.caught_up() || reached(consumer.positions(), end_at))) break;
  }
  // The last batch polled (with exit_at_end, the one that reached the end) is still to be applied;
  // on a stop it is applied too rather than consumed again after the restart.
  if (decoding) {
    finish_decode(slots[*decoding]);
    if (auto a = apply_slot(slots[*decoding]); !a) return a.err();
  }
  if (auto w = store.wait_for_writes(); !w) return w.err();
  if (kafka_commit_due) (void)consumer.commit(store.offsets());
  summary.counters = store.counters();
  const auto memory = store.memory();
  log::info("projector stopped", {{"view", std::string(v.name())}, {"records", summary.records},
                                  {"applied", summary.counters.applied},
                                  {"memtables_bytes", static_cast<std::int64_t>(memory.memtables)},
                                  {"block_cache_bytes", static_cast<std::int64_t>(memory.block_cache)},
                                  {"table_readers_bytes", static_cast<std::int64_t>(memory.table_readers)}});
  return summary;
}

}  // namespace fleetledger::projections

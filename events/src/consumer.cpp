#include "fleetledger/events/consumer.hpp"

#include <algorithm>
#include <cstring>
#include <string>

#include "fleetledger/events/kafka_errors.hpp"
#include "fleetledger/events/log.hpp"

namespace fleetledger::events {
namespace {

int to_ms(std::chrono::milliseconds d) {
  return static_cast<int>(std::clamp<std::int64_t>(d.count(), 0, 2'147'483'647));
}

std::string describe(const topic_partition& tp) {
  return tp.topic.value() + "/" + std::to_string(tp.partition.value());
}

result<kafka_partition_list_ptr> to_list(const offset_vector& offsets, bool allow_sentinels) {
  kafka_partition_list_ptr list(rd_kafka_topic_partition_list_new(static_cast<int>(offsets.size())));
  for (const auto& po : offsets) {
    const auto o = po.next.value();
    const bool sentinel = o == offset_beginning.value() || o == offset_end.value();
    if (po.where.topic.value().empty() || po.where.partition.value() < 0 || (o < 0 && !(allow_sentinels && sentinel))) {
      return make_error(errc::invalid_argument, "invalid position " + describe(po.where) + "@" + std::to_string(o) +
                                                    (allow_sentinels ? " (offsets are >= 0, offset_beginning or offset_end)"
                                                                     : " (offsets are >= 0)"));
    }
    rd_kafka_topic_partition_list_add(list.get(), po.where.topic.value().c_str(), po.where.partition.value())->offset = o;
  }
  return list;
}

// Commit results arrive on the main queue, served by poll().
void on_commit(rd_kafka_t*, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* offsets, void*) {
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR || err == RD_KAFKA_RESP_ERR__NO_OFFSET) {
    for (int i = 0; offsets && i < offsets->cnt; ++i) {
      const auto& p = offsets->elems[i];
      if (p.err) {
        log::warn("consumer: offset commit failed for a partition",
                  {{"topic", p.topic}, {"partition", p.partition}, {"error", rd_kafka_err2str(p.err)}});
      }
    }
    return;
  }
  log::warn("consumer: offset commit failed (advisory only)", {{"error", rd_kafka_err2str(err)}});
}

// Client-level errors (all brokers down...). librdkafka retries them itself and logs details.
void on_error(rd_kafka_t* rk, int err, const char* reason, void*) {
  const auto code = static_cast<rd_kafka_resp_err_t>(err);
  const auto lvl = is_retriable(code) ? log::level::debug : log::level::warn;
  log::write(lvl, "consumer: kafka error", {{"client", rd_kafka_name(rk)}, {"code", rd_kafka_err2name(code)},
                                            {"reason", reason}});
}

}  // namespace

consumer::consumer(consumer_config config, kafka_handle_ptr rk, kafka_queue_ptr queue)
    : config_(std::move(config)), rk_(std::move(rk)), queue_(std::move(queue)) {}

consumer::~consumer() { close(); }

consumer& consumer::operator=(consumer&& other) noexcept {
  if (this != &other) {
    close();
    config_ = std::move(other.config_);
    rk_ = std::move(other.rk_);
    queue_ = std::move(other.queue_);
    raw_ = std::move(other.raw_);
    assigned_ = std::move(other.assigned_);
    deferred_error_ = std::move(other.deferred_error_);
    record_bytes_ = other.record_bytes_;
    prefetch_held_ = other.prefetch_held_;
    fetcher_wakes_ = other.fetcher_wakes_;
  }
  return *this;
}

void consumer::close() noexcept {
  if (!rk_) return;
  queue_.reset();
  // Never joined a group, so this only stops fetchers and waits for pending commits.
  if (const auto err = rd_kafka_consumer_close(rk_.get()); err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    log::warn("consumer: close failed", {{"error", rd_kafka_err2str(err)}});
  }
  rk_.reset();
}

// librdkafka 2.0 stops fetching while the prefetch queue holds queued.min.messages or
// queued.max.messages.kbytes, and decides again only when its broker thread next wakes, which with
// no fetch outstanding is up to a second later (librdkafka 2.2 added fetch.queue.backoff.ms for
// this). A reader slower than the fetch then drains the queue and waits on it, empty, for the rest
// of that second: a projector replaying a log spent 20-50% of it that way. So once the queue has
// been near either bound (its bytes estimated from the records taken) and has drained to half of
// both, this asks the end offsets of the assigned partitions (one small ListOffsets request per
// broker): that wakes each broker thread, which fetches again at once. A reader that keeps up
// never fills the queue and never asks.
void consumer::wake_fetcher_if_drained(std::size_t taken, std::size_t taken_bytes) {
  if (taken > 0) record_bytes_ = static_cast<double>(taken_bytes) / static_cast<double>(taken);
  const auto queued = static_cast<double>(rd_kafka_queue_length(queue_.get()));
  const double count_bound = config_.queued_min_messages;
  const double bytes_bound = 1024.0 * config_.queued_max_messages_kbytes;
  if (queued >= 0.75 * count_bound || queued * record_bytes_ >= 0.75 * bytes_bound) {
    prefetch_held_ = true;
    return;
  }
  if (!prefetch_held_ || queued > 0.5 * count_bound || queued * record_bytes_ > 0.5 * bytes_bound) return;
  prefetch_held_ = false;
  if (assigned_.empty()) return;
  kafka_partition_list_ptr list(rd_kafka_topic_partition_list_new(static_cast<int>(assigned_.size())));
  for (const auto& a : assigned_) {
    rd_kafka_topic_partition_list_add(list.get(), a.where.topic.value().c_str(), a.where.partition.value())->offset =
        RD_KAFKA_OFFSET_END;
  }
  // The answer is not needed; a failure only means the next fetch waits as it would have.
  (void)rd_kafka_offsets_for_times(rk_.get(), list.get(), 200);
  ++fetcher_wakes_;
}

result<consumer> consumer::create(const consumer_config& config) {
  auto conf = make_conf(config);
  if (!conf) return conf.err();
  rd_kafka_conf_set_offset_commit_cb(conf->get(), on_commit);
  rd_kafka_conf_set_error_cb(conf->get(), on_error);
  auto rk = make_client(RD_KAFKA_CONSUMER, std::move(*conf));
  if (!rk) return rk.err();
  // The main queue (errors, commit results) stays separate and is served by poll(): forwarding it
  // into the consumer queue would hand client errors to rd_kafka_consume_queue, which only
  // expects fetch results.
  kafka_queue_ptr queue(rd_kafka_queue_get_consumer(rk->get()));
  if (!queue) return make_error(errc::internal, "consumer: no consumer queue (group.id missing?)");
  return consumer(config, std::move(*rk), std::move(queue));
}

result<void> consumer::assign(const offset_vector& start) {
  if (!rk_) return make_error(errc::internal, "consumer: used after move");
  auto list = to_list(start, true);
  if (!list) return list.err();
  if (const auto err = rd_kafka_assign(rk_.get(), list->get()); err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return make_kafka_error(err, "consumer: assign failed");
  }
  assigned_.clear();
  assigned_.reserve(start.size());
  for (const auto& po : start) assigned_.push_back({po.where, nullptr, po.next, false});
  deferred_error_.reset();
  return {};
}

result<void> consumer::unassign() {
  if (!rk_) return make_error(errc::internal, "consumer: used after move");
  if (const auto err = rd_kafka_assign(rk_.get(), nullptr); err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return make_kafka_error(err, "consumer: unassign failed");
  }
  assigned_.clear();
  return {};
}

consumer::assigned_partition* consumer::find_assigned(const rd_kafka_message_t& m) {
  for (auto& a : assigned_) {
    if (a.where.partition.value() != m.partition) continue;
    if (a.handle == m.rkt) return &a;
    if (!a.handle && a.where.topic.value() == rd_kafka_topic_name(m.rkt)) {
      a.handle = m.rkt;
      return &a;
    }
  }
  return nullptr;
}

result<std::size_t> consumer::poll(std::chrono::milliseconds timeout, poll_batch& out, std::size_t max) {
  if (!rk_) return make_error(errc::internal, "consumer: used after move");
  rd_kafka_poll(rk_.get(), 0);  // serve error and commit callbacks
  if (deferred_error_) {
    auto e = std::move(*deferred_error_);
    deferred_error_.reset();
    return e;
  }
  if (max == 0) return std::size_t{0};
  raw_.resize(max);
  // Take what is already fetched; only when nothing is, block for the first record and then drain.
  // (rd_kafka_consume_batch_queue alone would wait the whole timeout for a full batch.)
  ssize_t n = rd_kafka_consume_batch_queue(queue_.get(), 0, raw_.data(), max);
  if (n == 0 && timeout.count() > 0) {
    if (rd_kafka_message_t* first = rd_kafka_consume_queue(queue_.get(), to_ms(timeout))) {
      raw_[0] = first;
      n = 1;
      if (max > 1) {
        const auto more = rd_kafka_consume_batch_queue(queue_.get(), 0, raw_.data() + 1, max - 1);
        if (more > 0) n += more;
      }
    }
  }
  if (n < 0) return make_kafka_error(rd_kafka_last_error(), "consumer: poll failed");

  std::size_t appended = 0;
  std::size_t appended_bytes = 0;
  std::optional<error> failure;
  assigned_partition* run = nullptr;  // records come in runs per partition
  for (ssize_t i = 0; i < n; ++i) {
    kafka_message_ptr m(raw_[static_cast<std::size_t>(i)]);
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      appended_bytes += m->len;
      if (!run || run->handle != m->rkt || run->where.partition.value() != m->partition) run = find_assigned(*m);
      if (run) {
        run->next = offset(m->offset + 1);
        run->at_end = false;
      }
      out.records.emplace_back(std::move(m));
      ++appended;
      continue;
    }
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      if (auto* a = m->rkt ? find_assigned(*m) : nullptr) {
        a->at_end = true;
        a->next = offset(m->offset);
        out.reached_end.push_back({a->where, a->next});
      }
      continue;
    }
    const std::string where = m->rkt ? std::string(rd_kafka_topic_name(m->rkt)) + "/" + std::to_string(m->partition)
                                     : std::string("consumer");
    if (classify_kafka_error(m->err) != kafka_error_class::abort &&
        classify_kafka_error(m->err) != kafka_error_class::fatal) {
      log::warn("consumer: transient error, librdkafka retries",
                {{"where", where}, {"error", rd_kafka_message_errstr(m.get())}});
      continue;
    }
    if (!failure) failure = make_kafka_error(m->err, "consume from " + where + " failed", rd_kafka_message_errstr(m.get()));
  }
  wake_fetcher_if_drained(appended, appended_bytes);
  if (failure) {
    if (appended == 0) return *failure;
    deferred_error_ = std::move(failure);  // hand out the records first
  }
  return appended;
}

bool consumer::caught_up() const noexcept {
  if (assigned_.empty()) return false;
  for (const auto& a : assigned_) {
    if (!a.at_end) return false;
  }
  return true;
}

offset_vector consumer::positions() const {
  offset_vector v;
  v.reserve(assigned_.size());
  for (const auto& a : assigned_) v.push_back({a.where, a.next});
  return v;
}

result<void> consumer::commit(const offset_vector& offsets) {
  if (!rk_) return make_error(errc::internal, "consumer: used after move");
  if (offsets.empty()) return {};
  auto list = to_list(offsets, false);
  if (!list) return list.err();
  if (const auto err = rd_kafka_commit(rk_.get(), list->get(), 1); err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return make_kafka_error(err, "consumer: commit failed");
  }
  return {};
}

result<offset_vector> consumer::committed(const std::vector<topic_partition>& partitions,
                                          std::chrono::milliseconds timeout) {
  if (!rk_) return make_error(errc::internal, "consumer: used after move");
  offset_vector query;
  for (const auto& tp : partitions) query.push_back({tp, offset(0)});
  auto list = to_list(query, false);
  if (!list) return list.err();
  if (const auto err = rd_kafka_committed(rk_.get(), list->get(), to_ms(timeout)); err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return make_kafka_error(err, "fetching committed offsets of " + group_id_of(config_.name) + " failed");
  }
  offset_vector out;
  for (int i = 0; i < (*list)->cnt; ++i) {
    const auto& p = (*list)->elems[i];
    if (p.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return make_kafka_error(p.err, "committed offset of " + std::string(p.topic) + "/" + std::to_string(p.partition));
    }
    if (p.offset >= 0) out.push_back({{topic_name(p.topic), partition_id(p.partition)}, offset(p.offset)});
  }
  return out;
}

result<watermarks> consumer::query_watermarks(const topic_partition& tp, std::chrono::milliseconds timeout) {
  if (!rk_) return make_error(errc::internal, "consumer: used after move");
  std::int64_t low = -1, high = -1;
  const auto err = rd_kafka_query_watermark_offsets(rk_.get(), tp.topic.value().c_str(), tp.partition.value(), &low,
                                                    &high, to_ms(timeout));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return make_kafka_error(err, "query watermarks of " + describe(tp) + " failed");
  }
  return watermarks{offset(low), offset(high)};
}

std::vector<result<watermarks>> consumer::query_watermarks(std::span<const topic_partition> partitions,
                                                           std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto time_left = [&] {
    return std::max(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()),
                    std::chrono::milliseconds(1));
  };
  // ListOffsets with the timestamps -2 (log start) and -1 (log end), what
  // rd_kafka_query_watermark_offsets() sends for one partition, for all of them at once.
  struct answer {
    std::int64_t at{-1};
    rd_kafka_resp_err_t err{RD_KAFKA_RESP_ERR__NO_OFFSET};
  };
  auto ask = [&](std::int64_t which) -> result<std::vector<answer>> {
    if (!rk_) return make_error(errc::internal, "consumer: used after move");
    kafka_partition_list_ptr list(rd_kafka_topic_partition_list_new(static_cast<int>(partitions.size())));
    for (const auto& tp : partitions) {
      rd_kafka_topic_partition_list_add(list.get(), tp.topic.value().c_str(), tp.partition.value())->offset = which;
    }
    if (const auto err = rd_kafka_offsets_for_times(rk_.get(), list.get(), to_ms(time_left()));
        err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return make_kafka_error(err, "query watermarks of " + std::to_string(partitions.size()) + " partitions failed");
    }
    std::vector<answer> got(partitions.size());
    for (int i = 0; i < list->cnt && static_cast<std::size_t>(i) < partitions.size(); ++i) {
      // The list comes back in the order it was given; each element names its partition anyway.
      const auto& e = list->elems[i];
      const auto& tp = partitions[static_cast<std::size_t>(i)];
      if (tp.topic.value() != e.topic || tp.partition.value() != e.partition) continue;
      got[static_cast<std::size_t>(i)] = {e.err == RD_KAFKA_RESP_ERR_NO_ERROR ? e.offset : -1, e.err};
    }
    return got;
  };
  std::vector<result<watermarks>> out;
  out.reserve(partitions.size());
  auto low = ask(RD_KAFKA_OFFSET_BEGINNING);
  auto high = low ? ask(RD_KAFKA_OFFSET_END) : std::move(low);
  for (std::size_t i = 0; i < partitions.size(); ++i) {
    if (!high) {
      out.emplace_back(high.err());
      continue;
    }
    const auto& l = low.value()[i];
    const auto& h = high.value()[i];
    if (l.at >= 0 && h.at >= 0) {
      out.emplace_back(watermarks{offset(l.at), offset(h.at)});
    } else {
      out.emplace_back(make_kafka_error(l.at < 0 ? l.err : h.err, "query watermarks of " + describe(partitions[i]) + " failed"));
    }
  }
  return out;
}

result<std::int32_t> consumer::partition_count(std::string_view topic, std::chrono::milliseconds timeout) {
  const std::string_view topics[] = {topic};
  auto parts = list_partitions(topics, timeout);
  if (!parts) return parts.err();
  return static_cast<std::int32_t>(parts->size());
}

result<std::vector<topic_partition>> consumer::list_partitions(std::span<const std::string_view> topics,
                                                               std::chrono::milliseconds timeout) {
  if (!rk_) return make_error(errc::internal, "consumer: used after move");
  const rd_kafka_metadata_t* raw = nullptr;
  // Always ask for all topics: a request naming a missing topic makes some brokers (the mock, or
  // auto.create.topics.enable=true) create it with default settings.
  const auto err = rd_kafka_metadata(rk_.get(), 1, nullptr, &raw, to_ms(timeout));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return make_kafka_error(err, "metadata request failed");
  const kafka_metadata_ptr md(raw);
  std::vector<topic_partition> out;
  for (const auto name : topics) {
    const rd_kafka_metadata_topic_t* found = nullptr;
    for (int i = 0; i < md->topic_cnt; ++i) {
      if (name == md->topics[i].topic) found = &md->topics[i];
    }
    if (!found || found->err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART || found->partition_cnt == 0) {
      return make_error(errc::not_found, "topic " + std::string(name) + " does not exist");
    }
    if (found->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return make_kafka_error(found->err, "metadata of topic " + std::string(name) + " failed");
    }
    std::vector<std::int32_t> ids;
    for (int p = 0; p < found->partition_cnt; ++p) ids.push_back(found->partitions[p].id);
    std::sort(ids.begin(), ids.end());
    for (const auto id : ids) out.push_back({topic_name(std::string(name)), partition_id(id)});
  }
  return out;
}

}  // namespace fleetledger::events

#include "fleetledger/events/publisher.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <map>
#include <mutex>
#include <new>
#include <thread>
#include <type_traits>

#include "fleetledger/events/codec.hpp"
#include "fleetledger/events/envelope.hpp"
#include "fleetledger/events/kafka_errors.hpp"
#include "fleetledger/events/log.hpp"
#include "fleetledger/events/topic_catalogue.hpp"

namespace fleetledger::events {
namespace {

// librdkafka wants NUL-terminated header names.
static_assert(header_type.data()[header_type.size()] == '\0');
static_assert(header_event_id.data()[header_event_id.size()] == '\0');
static_assert(header_schema.data()[header_schema.size()] == '\0');

// The calls of one publish/publish_all: counts the delivery reports still to come.
struct delivery_batch {
  std::atomic<std::size_t> outstanding{0};
  std::mutex mutex;
  std::condition_variable done;
};

// What the delivery report of one record says, the opaque of its librdkafka message. Lives in the
// caller's frame, which waits for every delivery report. Kept small (24 bytes): a bulk import has
// 100,000 and the report callback writes each one; with the topic and an optional error in it (four
// times the size) publishing 100,000 records took ~15% more CPU (fresh pages, cache misses).
struct delivery_slot {
  delivery_batch* batch{nullptr};
  std::int64_t offset{-1};
  std::int32_t partition{-1};
  rd_kafka_resp_err_t err{RD_KAFKA_RESP_ERR_NO_ERROR};
};

// One record of publish/publish_raw: librdkafka can point into the key and value (owned by the call
// or its caller) without copying them.
struct pending_record {
  delivery_slot slot;
  std::string_view topic;
  std::optional<error> failed;  // before enqueueing (routing, queue)
};

struct header_view {
  const char* name;  // NUL-terminated
  std::string_view value;
};

}  // namespace

struct publisher::state {
  publisher_config config;
  kafka_handle_ptr rk;
  std::mutex topics_mutex;
  std::map<std::string, kafka_topic_ptr, std::less<>> topics;  // destroyed before rk
  std::mutex broker_error_mutex;
  std::string last_broker_error;  // from error_cb, names the broker that failed
  kafka_queue_ptr main_queue;  // what rd_kafka_poll serves; destroyed before rk
  std::atomic<bool> stopping{false};
  std::thread poller;
  // Bulk publishes in progress: they serve delivery reports themselves and the poller stands aside,
  // so records are freed by the thread that allocated them (cross-thread frees of five small blocks
  // per record contend on the allocator: 100,000 records took 270-310 ms, now 160-240 ms).
  std::atomic<int> bulk_callers{0};
  std::mutex poller_mutex;
  std::condition_variable poller_wake;

  ~state() {
    stop_poller();
    main_queue.reset();
    topics.clear();  // topic handles before the client
  }

  void stop_poller() {
    {
      std::lock_guard lock(poller_mutex);
      stopping = true;
    }
    poller_wake.notify_all();
    // rd_kafka_queue_yield wakes the poller's wait from this thread (rd_kafka_yield only works inside
    // a callback: the poller used to sleep out its timeout, 200 ms added to every process exit).
    if (main_queue) rd_kafka_queue_yield(main_queue.get());
    if (poller.joinable()) poller.join();
  }

  rd_kafka_topic_t* topic(std::string_view name) {
    std::lock_guard lock(topics_mutex);
    if (auto it = topics.find(name); it != topics.end()) return it->second.get();
    const std::string n(name);
    kafka_topic_ptr t(rd_kafka_topic_new(rk.get(), n.c_str(), nullptr));
    if (!t) return nullptr;
    return topics.emplace(n, std::move(t)).first->second.get();
  }

  std::string broker_error() {
    std::lock_guard lock(broker_error_mutex);
    return last_broker_error;
  }

  // Why a delivery failed, in words a user can act on.
  error delivery_error(std::string_view topic, rd_kafka_resp_err_t err) {
    std::string detail;
    if (err == RD_KAFKA_RESP_ERR__FATAL) {
      char reason[512] = {};
      (void)rd_kafka_fatal_error(rk.get(), reason, sizeof reason);
      detail = std::string("fatal producer error: ") + reason;
    } else if (is_retriable(err)) {
      detail = "not acknowledged within " + std::to_string(config.delivery_timeout.count()) + " ms; broker " +
               config.client.brokers + " unreachable?";
      if (auto last = broker_error(); !last.empty()) detail += " last broker error: " + last;
    }
    return make_kafka_error(err, "publish to " + std::string(topic) + " failed", detail);
  }

  // Enqueues one record; on QUEUE_FULL serves delivery reports and retries until the delivery timeout.
  void enqueue(pending_record& rec, std::optional<std::string_view> key, std::string_view value,
               std::span<const header_view> headers) {
    rec.failed = enqueue(rec.slot, rec.topic, topic(rec.topic), key, value, headers);
  }

  // The same with the topic handle looked up by the caller (bulk calls look it up once per topic):
  // nullopt once librdkafka has the record (slot gets its delivery report), else why not.
  std::optional<error> enqueue(delivery_slot& slot, std::string_view topic_name, rd_kafka_topic_t* rkt,
                               std::optional<std::string_view> key, std::string_view value,
                               std::span<const header_view> headers) {
    if (!rkt) return make_kafka_error(rd_kafka_last_error(), "publish to " + std::string(topic_name) + " failed");
    std::array<rd_kafka_vu_t, 16> fixed;  // the first n entries are written below
    std::vector<rd_kafka_vu_t> dynamic;
    const std::size_t count = 4 + headers.size();
    rd_kafka_vu_t* vus = fixed.data();
    if (count > fixed.size()) {
      dynamic.resize(count);
      vus = dynamic.data();
    }
    std::size_t n = 0;
    vus[n].vtype = RD_KAFKA_VTYPE_RKT;
    vus[n++].u.rkt = rkt;
    if (key) {
      // A non-null pointer keeps an empty key empty instead of null.
      vus[n].vtype = RD_KAFKA_VTYPE_KEY;
      vus[n].u.mem.ptr = const_cast<char*>(key->empty() ? "" : key->data());
      vus[n++].u.mem.size = key->size();
    }
    vus[n].vtype = RD_KAFKA_VTYPE_VALUE;
    vus[n].u.mem.ptr = const_cast<char*>(value.empty() ? "" : value.data());
    vus[n++].u.mem.size = value.size();
    vus[n].vtype = RD_KAFKA_VTYPE_OPAQUE;
    vus[n++].u.ptr = &slot;
    for (const auto& h : headers) {
      vus[n].vtype = RD_KAFKA_VTYPE_HEADER;
      vus[n].u.header.name = h.name;
      vus[n].u.header.val = h.value.empty() ? "" : h.value.data();
      vus[n++].u.header.size = static_cast<ssize_t>(h.value.size());
    }
    // No RD_KAFKA_MSG_F_COPY: key and value outlive the delivery report.
    slot.batch->outstanding.fetch_add(1);
    std::optional<std::chrono::steady_clock::time_point> deadline;  // read the clock only when the queue is full
    for (;;) {
      rd_kafka_error_t* e = rd_kafka_produceva(rk.get(), vus, n);
      if (!e) return std::nullopt;
      const auto code = rd_kafka_error_code(e);
      rd_kafka_error_destroy(e);
      if (code == RD_KAFKA_RESP_ERR__QUEUE_FULL && !deadline) {
        deadline = std::chrono::steady_clock::now() + config.delivery_timeout;
      }
      if (code == RD_KAFKA_RESP_ERR__QUEUE_FULL && std::chrono::steady_clock::now() < *deadline) {
        rd_kafka_poll(rk.get(), 10);  // serve delivery reports to make room
        continue;
      }
      slot.batch->outstanding.fetch_sub(1);
      return code == RD_KAFKA_RESP_ERR__FATAL
                 ? delivery_error(topic_name, code)
                 : make_kafka_error(code, "publish to " + std::string(topic_name) + " failed");
    }
  }

  // Blocks until every enqueued record of the batch has its delivery report. librdkafka reports
  // every message within message.timeout.ms (or on destroy), so this ends.
  void wait(delivery_batch& batch) {
    std::unique_lock lock(batch.mutex);
    const auto warn_at = std::chrono::steady_clock::now() + config.delivery_timeout + std::chrono::seconds(30);
    bool warned = false;
    while (!batch.done.wait_for(lock, std::chrono::seconds(1), [&] { return batch.outstanding.load() == 0; })) {
      if (!warned && std::chrono::steady_clock::now() > warn_at) {
        warned = true;
        log::warn("publisher: delivery reports overdue", {{"outstanding", batch.outstanding.load()}});
      }
    }
  }

  // The outcome of a record that was enqueued.
  result<record_position> outcome(std::string_view topic, const delivery_slot& slot) {
    if (slot.err != RD_KAFKA_RESP_ERR_NO_ERROR) return delivery_error(topic, slot.err);
    if (slot.offset < 0) {
      return make_error(errc::internal, "publish to " + std::string(topic) +
                                            " failed: broker acknowledged without an offset");
    }
    return record_position{topic_name(std::string(topic)), partition_id(slot.partition), offset(slot.offset)};
  }

  result<record_position> outcome(const pending_record& rec) {
    if (rec.failed) return *rec.failed;
    return outcome(rec.topic, rec.slot);
  }
};

namespace {

void on_delivery(rd_kafka_t*, const rd_kafka_message_t* msg, void*) {
  auto* slot = static_cast<delivery_slot*>(msg->_private);
  if (!slot) return;
  slot->err = msg->err;
  slot->partition = msg->partition;
  slot->offset = msg->offset;
  auto* batch = slot->batch;
  if (batch->outstanding.fetch_sub(1) == 1) {
    std::lock_guard lock(batch->mutex);  // no lost wake-up between the waiter's check and its sleep
    batch->done.notify_all();
  }
}

}  // namespace

publisher::publisher(std::unique_ptr<state> s) : state_(std::move(s)) {}
publisher::publisher(publisher&&) noexcept = default;
publisher& publisher::operator=(publisher&& other) noexcept {
  if (this != &other) {
    publisher old(std::move(*this));  // flushes and closes the current producer
    state_ = std::move(other.state_);
  }
  return *this;
}

publisher::~publisher() {
  if (!state_) return;
  const auto left = flush(state_->config.close_timeout);
  if (left > 0) {
    log::warn("publisher closed with records still queued; they were not delivered",
              {{"queued", left}, {"close_timeout_ms", state_->config.close_timeout.count()},
               {"brokers", state_->config.client.brokers}});
    rd_kafka_purge(state_->rk.get(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
  }
  state_.reset();
}

result<publisher> publisher::create(const publisher_config& config) {
  auto conf = make_conf(config);
  if (!conf) return conf.err();
  auto s = std::make_unique<state>();
  s->config = config;
  rd_kafka_conf_set_dr_msg_cb(conf->get(), on_delivery);
  // Remembers the last broker-level error so a timed-out publish can say which broker failed and how.
  rd_kafka_conf_set_error_cb(conf->get(), [](rd_kafka_t*, int err, const char* reason, void* opaque) {
    auto* st = static_cast<state*>(opaque);
    {
      std::lock_guard lock(st->broker_error_mutex);
      st->last_broker_error = reason;
    }
    if (err == RD_KAFKA_RESP_ERR__FATAL) log::error("publisher: fatal producer error", {{"reason", reason}});
  });
  rd_kafka_conf_set_opaque(conf->get(), s.get());
  auto rk = make_client(RD_KAFKA_PRODUCER, std::move(*conf));
  if (!rk) return rk.err();
  s->rk = std::move(*rk);
  s->main_queue.reset(rd_kafka_queue_get_main(s->rk.get()));
  s->poller = std::thread([st = s.get()] {
    while (!st->stopping.load()) {
      if (st->bulk_callers.load() > 0) {
        std::unique_lock lock(st->poller_mutex);
        st->poller_wake.wait(lock, [st] { return st->stopping.load() || st->bulk_callers.load() == 0; });
        continue;
      }
      rd_kafka_queue_poll_callback(st->main_queue.get(), 200);
    }
  });
  return publisher(std::move(s));
}

result<record_position> publisher::publish(const fleetledger::v1::Envelope& event) {
  auto results = publish_all(std::span<const fleetledger::v1::Envelope>(&event, 1));
  return std::move(results.front());
}

std::vector<result<record_position>> publisher::publish_all(std::span<const fleetledger::v1::Envelope> events) {
  std::vector<result<record_position>> out;
  out.reserve(events.size());
  if (!state_) {
    for (std::size_t i = 0; i < events.size(); ++i) {
      out.emplace_back(make_error(errc::internal, "publish on a moved-from publisher"));
    }
    return out;
  }
  delivery_batch batch;
  std::vector<pending_record> records(events.size());
  std::vector<std::string> keys(events.size());
  std::vector<std::string> values(events.size());
  for (std::size_t i = 0; i < events.size(); ++i) {
    const auto& env = events[i];
    auto& rec = records[i];
    rec.slot.batch = &batch;
    auto where = route(env);
    if (!where) {
      rec.failed = make_error(where.err().code, "publish failed: " + where.err().message);
      continue;
    }
    rec.topic = where->topic;
    keys[i] = std::move(where->key);
    values[i] = encode(env);
    const auto type = payload_type_name(env);
    const std::array<header_view, 3> headers{{{header_type.data(), type},
                                              {header_event_id.data(), env.event_id()},
                                              {header_schema.data(), schema_name}}};
    state_->enqueue(rec, std::string_view(keys[i]), values[i], headers);
  }
  state_->wait(batch);
  for (const auto& rec : records) out.push_back(state_->outcome(rec));
  return out;
}

result<record_position> bulk_outcome::at(std::size_t i) const {
  if (const auto& a = acks[i]) return record_position{topic_name(std::string(a->topic)), a->partition, a->at};
  const auto e = std::lower_bound(errors.begin(), errors.end(), i, [](const auto& x, std::size_t k) { return x.first < k; });
  if (e != errors.end() && e->first == i) return e->second;
  return make_error(errc::internal, "no outcome for record " + std::to_string(i));
}

bulk_outcome publisher::publish_all(std::span<const encoded_batch> batches) {
  std::size_t total = 0;
  for (const auto& b : batches) total += b.size();
  bulk_outcome out;
  if (!state_) {
    out.acks.resize(total);
    for (std::size_t i = 0; i < total; ++i) out.errors.emplace_back(i, make_error(errc::internal, "publish on a moved-from publisher"));
    return out;
  }
  // This thread serves delivery reports while it publishes (see bulk_callers).
  state_->bulk_callers.fetch_add(1);
  struct bulk_end {
    state& st;
    ~bulk_end() {
      {
        std::lock_guard lock(st.poller_mutex);
        st.bulk_callers.fetch_sub(1);
      }
      st.poller_wake.notify_all();
    }
  } end_bulk{*state_};
  delivery_batch batch;
  // Not initialized here: each slot is written when its record is enqueued, so its pages are faulted
  // in while librdkafka's broker thread, not this one, bounds the pace (100,000 slots are 2.4 MB).
  static_assert(std::is_trivially_destructible_v<delivery_slot> && alignof(delivery_slot) <= __STDCPP_DEFAULT_NEW_ALIGNMENT__);
  const std::unique_ptr<std::byte[]> slot_storage(new std::byte[total * sizeof(delivery_slot)]);
  const auto slot_at = [&](std::size_t k) { return slot_storage.get() + k * sizeof(delivery_slot); };
  const auto slot = [&](std::size_t k) -> delivery_slot& { return *std::launder(reinterpret_cast<delivery_slot*>(slot_at(k))); };
  std::vector<std::pair<std::size_t, error>> not_enqueued;  // index, why; ascending
  std::size_t i = 0;
  std::string_view last_topic;
  rd_kafka_topic_t* last_rkt = nullptr;
  for (const auto& events : batches) {
    for (std::size_t j = 0; j < events.size(); ++j, ++i) {
      const auto& r = events[j];
      if (last_rkt == nullptr || r.topic != last_topic) {
        last_topic = r.topic;
        last_rkt = state_->topic(r.topic);
      }
      const std::array<header_view, 3> headers{{{header_type.data(), r.type},
                                                {header_event_id.data(), r.event_id},
                                                {header_schema.data(), schema_name}}};
      delivery_slot& record_slot = *new (slot_at(i)) delivery_slot{&batch};
      if (auto failed = state_->enqueue(record_slot, r.topic, last_rkt, r.key, r.value, headers)) {
        not_enqueued.emplace_back(i, std::move(*failed));
      }
      if (i % 64 == 63) rd_kafka_poll(state_->rk.get(), 0);
    }
  }
  // The outcome's 4 MB (for 100,000 records) is faulted in while the last acknowledgements are on
  // their way, not before the first record is sent.
  out.acks.resize(total);
  // librdkafka reports every record within message.timeout.ms, so this ends.
  while (batch.outstanding.load() > 0) rd_kafka_poll(state_->rk.get(), 10);
  state_->wait(batch);
  auto failed = not_enqueued.begin();
  i = 0;
  for (const auto& events : batches) {
    for (std::size_t j = 0; j < events.size(); ++j, ++i) {
      if (failed != not_enqueued.end() && failed->first == i) {
        out.errors.push_back(std::move(*failed++));
        continue;
      }
      const delivery_slot& report = slot(i);
      if (report.err == RD_KAFKA_RESP_ERR_NO_ERROR && report.offset >= 0) {
        out.acks[i] = bulk_outcome::ack{events[j].topic, partition_id(report.partition), offset(report.offset)};
      } else {
        out.errors.emplace_back(i, state_->outcome(events[j].topic, report).err());
      }
    }
  }
  return out;
}

result<record_position> publisher::publish_raw(std::string_view topic, std::optional<std::string_view> key,
                                               std::string_view value, const std::vector<record_header>& headers) {
  if (!state_) return make_error(errc::internal, "publish on a moved-from publisher");
  if (topic.empty()) return make_error(errc::invalid_argument, "publish failed: empty topic name");
  delivery_batch batch;
  pending_record rec;
  rec.slot.batch = &batch;
  rec.topic = topic;
  std::vector<header_view> hv;
  hv.reserve(headers.size());
  for (const auto& [name, v] : headers) hv.push_back({name.c_str(), v});
  state_->enqueue(rec, key, value, hv);  // the caller's bytes outlive the delivery report: we wait for it below
  state_->wait(batch);
  return state_->outcome(rec);
}

std::size_t publisher::flush(std::chrono::milliseconds timeout) {
  if (!state_) return 0;
  (void)rd_kafka_flush(state_->rk.get(), static_cast<int>(timeout.count()));
  const int left = rd_kafka_outq_len(state_->rk.get());
  return left > 0 ? static_cast<std::size_t>(left) : 0;
}

const publisher_config& publisher::config() const { return state_->config; }

}  // namespace fleetledger::events

#include "fleetledger/reader/view_set.hpp"

#include <unistd.h>

#include <fstream>
#include <sstream>
#include <system_error>

#include "fleetledger/events/log.hpp"
#include "fleetledger/events/topic_catalogue.hpp"

namespace fleetledger::reader {

namespace fe = fleetledger::events;
namespace fp = fleetledger::projections;

namespace {

constexpr auto reopen_backoff = std::chrono::milliseconds(500);
constexpr auto watermarks_fresh_for = std::chrono::seconds(5);
// A rebuilt view replaces the old one once it reached the old offsets, or after this long anyway.
constexpr auto rebuild_grace = std::chrono::seconds(30);

std::int64_t to_ns(steady_time t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

// RocksDB writes a unique id into <dir>/IDENTITY; a rebuilt directory has a new one.
std::string read_identity(const std::filesystem::path& dir) {
  std::ifstream in(dir / "IDENTITY", std::ios::binary);
  if (!in) return {};
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

std::string_view to_string(view_id v) noexcept {
  switch (v) {
    case view_id::fleet: return "fleet";
    case view_id::marketplace: return "marketplace";
    case view_id::edges: return "edges";
  }
  return "unknown";
}

const std::vector<std::string_view>& topics_of(view_id v) {
  static const std::vector<std::string_view> fleet{fe::cluster_topic};
  static const std::vector<std::string_view> marketplace{fe::cluster_topic, fe::tenant_topic, fe::edge_topic,
                                                         fe::offering_topic};
  static const std::vector<std::string_view> edges{fe::edge_topic, fe::cluster_topic};
  switch (v) {
    case view_id::fleet: return fleet;
    case view_id::marketplace: return marketplace;
    case view_id::edges: return edges;
  }
  return fleet;
}

// ---- rw_lock ----

rw_lock::rw_lock() {
  pthread_rwlockattr_t attr;
  pthread_rwlockattr_init(&attr);
  pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
  pthread_rwlock_init(&lock_, &attr);
  pthread_rwlockattr_destroy(&attr);
}
rw_lock::~rw_lock() { pthread_rwlock_destroy(&lock_); }
void rw_lock::lock() { pthread_rwlock_wrlock(&lock_); }
void rw_lock::unlock() { pthread_rwlock_unlock(&lock_); }
void rw_lock::lock_shared() { pthread_rwlock_rdlock(&lock_); }
void rw_lock::unlock_shared() { pthread_rwlock_unlock(&lock_); }

// ---- slot ----

struct view_set::slot {
  view_id id{view_id::fleet};
  std::filesystem::path dir;
  std::filesystem::path secondary_base;
  int reopen_count{0};
  std::filesystem::path secondary_dir;  // of the open instance

  rw_lock lock;
  // Guarded by lock.
  std::unique_ptr<fp::view_store> store;
  fe::offset_vector offsets;
  fp::view_counters counters;
  std::uint64_t generation_locked{0};

  // Copies for lock-free-ish readers (guarded by info_mu).
  mutable std::mutex info_mu;
  std::map<fe::topic_partition, std::int64_t> offsets_map;
  fe::offset_vector offsets_copy;
  fp::view_counters counters_copy;
  std::string error;

  std::atomic<bool> open{false};
  std::atomic<std::uint64_t> generation{0};
  std::string identity;  // catch-up thread only
  steady_time next_attempt{};
  // A rebuilt directory, followed but not served until it caught up with the old one (catch-up thread).
  std::unique_ptr<fp::view_store> candidate;
  std::filesystem::path candidate_dir;
  std::string candidate_identity;
  steady_time candidate_since{};

  std::atomic<std::int64_t> last_ok_ns{0};
  std::atomic<std::int64_t> caught_up_at_ns{0};
  std::atomic<bool> behind{false};
  std::atomic<bool> watermark_mode{false};

  std::mutex digest_mu;
  std::optional<fp::state_digest> digest;
  std::uint64_t digest_generation{0};
};

view_set::read_guard::read_guard(read_guard&& other) noexcept
    : lock_(other.lock_), store_(other.store_), generation_(other.generation_), offsets_(other.offsets_) {
  other.lock_ = nullptr;
}
view_set::read_guard::~read_guard() {
  if (lock_ != nullptr) lock_->unlock_shared();
}

view_set::view_set(view_paths paths) : paths_(std::move(paths)) {
  for (const auto v : all_views) {
    auto s = std::make_unique<slot>();
    s->id = v;
    s->dir = paths_.dirs[static_cast<std::size_t>(v)];
    s->secondary_base = paths_.secondary_root / (std::to_string(::getpid()) + "-" + std::string(to_string(v)));
    s->error = "view directory " + s->dir.string() + " not opened yet";
    slots_[static_cast<std::size_t>(v)] = std::move(s);
  }
}

view_set::~view_set() { close(); }

void view_set::close() {
  for (auto& s : slots_) {
    if (!s) continue;
    s->candidate.reset();
    std::unique_lock lock(s->lock);
    s->store.reset();
    s->open = false;
  }
  for (auto& s : slots_) {
    if (!s) continue;
    std::error_code ec;
    for (int i = 0; i <= s->reopen_count; ++i) {
      std::string dir = s->secondary_base.string();
      if (i > 0) dir.append("-").append(std::to_string(i));
      std::filesystem::remove_all(dir, ec);
    }
  }
  std::error_code ec;
  std::filesystem::remove(paths_.secondary_root, ec);  // only when empty (other readers may share it)
}

void view_set::open_slot(slot& s, steady_time now) {
  if (now < s.next_attempt) return;
  s.next_attempt = now + reopen_backoff;
  std::error_code ec;
  if (!std::filesystem::exists(s.dir / "CURRENT", ec)) {
    std::lock_guard info(s.info_mu);
    s.error = "view directory " + s.dir.string() + " does not exist yet";
    return;
  }
  const std::string identity = read_identity(s.dir);
  const bool reopening = s.open.load();
  if (reopening && identity == s.identity) return;
  if (s.candidate && identity == s.candidate_identity) return;
  const std::filesystem::path secondary =
      s.reopen_count == 0 && !reopening ? s.secondary_base
                                        : std::filesystem::path(s.secondary_base.string() + "-" +
                                                                std::to_string(s.reopen_count + 1));
  std::filesystem::remove_all(secondary, ec);
  auto opened = fp::view_store::open_secondary(s.dir, secondary);
  if (!opened) {
    std::lock_guard info(s.info_mu);
    s.error = opened.err().message;
    return;
  }
  auto store = std::move(opened).value();
  (void)store->catch_up();
  if (!reopening) {
    install(s, std::move(store), secondary, identity, now, false);
    return;
  }
  // Rebuilt: follow the new directory, keep serving the old instance until the new one caught up.
  if (s.candidate) {
    s.candidate.reset();
    std::filesystem::remove_all(s.candidate_dir, ec);
  }
  ++s.reopen_count;
  s.candidate = std::move(store);
  s.candidate_dir = secondary;
  s.candidate_identity = identity;
  s.candidate_since = now;
  fe::log::info("view directory rebuilt: following it, serving the previous state until it catches up",
                {{"view", to_string(s.id)}, {"dir", s.dir.string()}});
}

void view_set::install(slot& s, std::unique_ptr<fp::view_store> store, const std::filesystem::path& secondary,
                       const std::string& identity, steady_time now, bool reopening) {
  std::error_code ec;
  auto offsets = store->offsets();
  const auto counters = store->counters();
  std::filesystem::path old_secondary;
  {
    std::unique_lock lock(s.lock);
    store.swap(s.store);
    s.offsets = offsets;
    s.counters = counters;
    s.generation_locked = s.generation.load() + 1;
    s.generation = s.generation_locked;
    if (reopening) old_secondary = s.secondary_dir;
    s.secondary_dir = secondary;
  }
  store.reset();  // the previous instance, if any, outside the lock
  if (!old_secondary.empty()) std::filesystem::remove_all(old_secondary, ec);
  s.identity = identity;
  {
    std::lock_guard info(s.info_mu);
    s.offsets_map.clear();
    for (const auto& o : offsets) s.offsets_map[o.where] = o.next.value();
    s.offsets_copy = std::move(offsets);
    s.counters_copy = counters;
    s.error.clear();
  }
  if (!reopening) s.caught_up_at_ns = to_ns(now);
  s.last_ok_ns = to_ns(now);
  s.open = true;
  fe::log::info(reopening ? "view reopened (directory rebuilt)" : "view opened",
                {{"view", to_string(s.id)}, {"dir", s.dir.string()}, {"secondary", secondary.string()}});
}

void view_set::promote_candidate(slot& s, steady_time now) {
  if (!s.candidate) return;
  if (!s.candidate->catch_up()) return;
  std::map<fe::topic_partition, std::int64_t> reached;
  for (const auto& o : s.candidate->offsets()) reached[o.where] = o.next.value();
  bool covers = true;
  {
    std::lock_guard info(s.info_mu);
    for (const auto& [tp, next] : s.offsets_map) {
      const auto it = reached.find(tp);
      if ((it == reached.end() ? 0 : it->second) < next) covers = false;
    }
  }
  if (!covers && now - s.candidate_since < rebuild_grace) return;
  install(s, std::move(s.candidate), s.candidate_dir, s.candidate_identity, now, true);
  s.candidate.reset();
}

void view_set::refresh_caught_up(slot& s, steady_time now) {
  std::lock_guard wm(watermarks_mu_);
  if (!watermarks_at_ || now - *watermarks_at_ > watermarks_fresh_for) {
    s.watermark_mode = false;
    return;
  }
  s.watermark_mode = true;
  bool behind = false;
  {
    std::lock_guard info(s.info_mu);
    const auto& topics = topics_of(s.id);
    for (const auto& [tp, high] : watermarks_) {
      bool mine = false;
      for (const auto t : topics) mine = mine || tp.topic.value() == t;
      if (!mine) continue;
      const auto it = s.offsets_map.find(tp);
      const std::int64_t next = it == s.offsets_map.end() ? 0 : it->second;
      if (next < high) {
        behind = true;
        break;
      }
    }
  }
  s.behind = behind;
  if (!behind) s.caught_up_at_ns = to_ns(now);
}

bool view_set::tick() {
  bool changed = false;
  const auto now = std::chrono::steady_clock::now();
  for (auto& sp : slots_) {
    slot& s = *sp;
    const auto before = s.generation.load();
    // A rebuilt directory has a new IDENTITY: open it (with backoff) and stop catching up the old
    // instance meanwhile (it keeps serving what it had).
    promote_candidate(s, now);
    const std::string identity = read_identity(s.dir);
    if (!s.open || identity != s.identity) open_slot(s, now);
    if (s.open && identity == s.identity) {
      bool ok = true;
      {
        std::unique_lock lock(s.lock);
        if (auto r = s.store->catch_up(); !r) {
          ok = false;
        } else {
          auto offsets = s.store->offsets();
          const auto counters = s.store->counters();
          if (offsets != s.offsets || !(counters == s.counters)) {
            s.offsets = std::move(offsets);
            s.counters = counters;
            s.generation_locked = s.generation.load() + 1;
            s.generation = s.generation_locked;
            std::lock_guard info(s.info_mu);
            s.offsets_map.clear();
            for (const auto& o : s.offsets) s.offsets_map[o.where] = o.next.value();
            s.offsets_copy = s.offsets;
            s.counters_copy = s.counters;
          }
        }
      }
      if (ok) {
        s.last_ok_ns = to_ns(now);
        refresh_caught_up(s, now);
      }
    }
    changed = changed || s.generation.load() != before;
  }
  return changed;
}

std::optional<view_set::read_guard> view_set::read(view_id v) {
  slot& s = *slots_[static_cast<std::size_t>(v)];
  if (!s.open) return std::nullopt;
  s.lock.lock_shared();
  if (!s.store) {
    s.lock.unlock_shared();
    return std::nullopt;
  }
  return read_guard(&s.lock, s.store.get(), s.generation_locked, &s.offsets);
}

bool view_set::is_open(view_id v) const { return slots_[static_cast<std::size_t>(v)]->open; }

std::uint64_t view_set::generation(view_id v) const { return slots_[static_cast<std::size_t>(v)]->generation; }

std::int64_t view_set::lag_ms(view_id v) const {
  const slot& s = *slots_[static_cast<std::size_t>(v)];
  const auto now_ns = to_ns(std::chrono::steady_clock::now());
  std::int64_t since_ns = 0;
  if (s.watermark_mode) {
    if (!s.behind) return 0;
    since_ns = s.caught_up_at_ns;
  } else {
    since_ns = s.last_ok_ns;
  }
  if (since_ns == 0) return 0;
  return std::max<std::int64_t>(0, (now_ns - since_ns) / 1'000'000);
}

view_status view_set::status(view_id v) const {
  const slot& s = *slots_[static_cast<std::size_t>(v)];
  view_status out;
  out.open = s.open;
  out.generation = s.generation;
  {
    std::lock_guard info(s.info_mu);
    out.offsets = s.offsets_copy;
    out.counters = s.counters_copy;
    out.error = s.error;
  }
  out.lag_ms = out.open ? lag_ms(v) : 0;
  return out;
}

bool view_set::reached(view_id v, const fe::offset_vector& min_offsets) const {
  const slot& s = *slots_[static_cast<std::size_t>(v)];
  if (!s.open) return false;
  const auto& topics = topics_of(v);
  std::lock_guard info(s.info_mu);
  for (const auto& m : min_offsets) {
    bool mine = false;
    for (const auto t : topics) mine = mine || m.where.topic.value() == t;
    if (!mine) continue;
    const auto it = s.offsets_map.find(m.where);
    const std::int64_t next = it == s.offsets_map.end() ? 0 : it->second;
    if (next < m.next.value()) return false;
  }
  return true;
}

std::optional<fp::state_digest> view_set::digest(view_id v) {
  slot& s = *slots_[static_cast<std::size_t>(v)];
  std::lock_guard d(s.digest_mu);
  auto guard = read(v);
  if (!guard) return std::nullopt;
  if (!s.digest || s.digest_generation != guard->generation()) {
    s.digest = guard->store().digest();
    s.digest_generation = guard->generation();
  }
  return s.digest;
}

void view_set::set_watermarks(std::map<fe::topic_partition, std::int64_t> high, steady_time at) {
  std::lock_guard wm(watermarks_mu_);
  watermarks_ = std::move(high);
  watermarks_at_ = at;
}

}  // namespace fleetledger::reader

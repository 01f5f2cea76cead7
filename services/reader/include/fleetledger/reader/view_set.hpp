#pragma once
// The three views as the reader sees them: RocksDB secondary instances of the projectors'
// directories, opened (and reopened after a rebuild) and caught up by one background loop.
//
// Consistency: a request reads a view under a shared lock; catch-up, reopening and the offsets and
// counters captured after each catch-up change under the exclusive lock (writer-preferring, so a
// stream of requests never starves catch-up). A response's X-Fleetledger-Offsets is therefore
// exactly the offsets of the state it was computed from. Each view has a generation that rises
// whenever its offsets or counters change or it is reopened; caches key on it.
//
// A rebuilt directory (new RocksDB IDENTITY) is followed as a second instance and replaces the old
// one once it reached the old offsets on every partition (or after 30 s), so a rebuild never shows a
// half-built view.
//
// Lag (X-Fleetledger-Lag-Ms): with broker watermarks at most 5 s old (polled about once a second by
// the lag monitor), 0 while the view's next offset >= the high watermark of every partition of its
// topics, else the time since it last was; without fresh watermarks (no --brokers, broker down) the
// time since the last successful catch-up with the projector's directory.
#include <pthread.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fleetledger/events/ids.hpp"
#include "fleetledger/projections/view_store.hpp"

namespace fleetledger::reader {

enum class view_id : std::uint8_t { fleet = 0, marketplace = 1, edges = 2 };
inline constexpr std::size_t view_count = 3;
inline constexpr std::array<view_id, view_count> all_views{view_id::fleet, view_id::marketplace, view_id::edges};
[[nodiscard]] std::string_view to_string(view_id v) noexcept;
// The topics the view's projector consumes.
[[nodiscard]] const std::vector<std::string_view>& topics_of(view_id v);

// A pthread rwlock that prefers writers (glibc's default prefers readers).
class rw_lock {
public:
  rw_lock();
  ~rw_lock();
  rw_lock(const rw_lock&) = delete;
  rw_lock& operator=(const rw_lock&) = delete;
  void lock();
  void unlock();
  void lock_shared();
  void unlock_shared();

private:
  pthread_rwlock_t lock_;
};

struct view_paths {
  std::array<std::filesystem::path, view_count> dirs;  // the projectors' directories
  std::filesystem::path secondary_root;               // <root>/<pid>-<view> for the secondaries' logs
};

using steady_time = std::chrono::steady_clock::time_point;

// What the reader knows of one view right now (copied out, no lock held).
struct view_status {
  bool open{false};
  std::uint64_t generation{0};
  events::offset_vector offsets;
  projections::view_counters counters;
  std::int64_t lag_ms{0};
  std::string error;  // why it is not open (last attempt)
};

class view_set {
public:
  explicit view_set(view_paths paths);
  ~view_set();
  view_set(const view_set&) = delete;
  view_set& operator=(const view_set&) = delete;

  // One pass of the background loop: opens views not open yet (retries at most every 500 ms),
  // reopens a view whose directory was recreated (a rebuild), catches up the others. Returns true
  // when any generation rose.
  bool tick();

  // Shared access to an open view: its store, generation and offsets as of the last catch-up.
  class read_guard {
  public:
    read_guard(read_guard&& other) noexcept;
    read_guard& operator=(read_guard&&) = delete;
    ~read_guard();
    [[nodiscard]] const projections::state_reader& reader() const { return store_->reader(); }
    [[nodiscard]] const projections::view_store& store() const { return *store_; }
    [[nodiscard]] std::uint64_t generation() const { return generation_; }
    [[nodiscard]] const events::offset_vector& offsets() const { return *offsets_; }

  private:
    friend class view_set;
    read_guard(rw_lock* lock, const projections::view_store* store, std::uint64_t generation,
               const events::offset_vector* offsets)
        : lock_(lock), store_(store), generation_(generation), offsets_(offsets) {}
    rw_lock* lock_;
    const projections::view_store* store_;
    std::uint64_t generation_;
    const events::offset_vector* offsets_;
  };
  // nullopt while the view is not open.
  [[nodiscard]] std::optional<read_guard> read(view_id v);

  [[nodiscard]] bool is_open(view_id v) const;
  [[nodiscard]] std::uint64_t generation(view_id v) const;
  [[nodiscard]] view_status status(view_id v) const;
  [[nodiscard]] std::int64_t lag_ms(view_id v) const;
  // Whether every listed partition of the view's topics has next offset >= the given one (0 when the
  // view has none). Partitions of other topics are ignored. False while the view is not open.
  [[nodiscard]] bool reached(view_id v, const events::offset_vector& min_offsets) const;

  // The digest, computed at most once per generation (under the shared lock).
  [[nodiscard]] std::optional<projections::state_digest> digest(view_id v);

  // High watermarks of every partition of the event topics, from the lag monitor.
  void set_watermarks(std::map<events::topic_partition, std::int64_t> high, steady_time at);

  // Closes every view and removes the secondary directories.
  void close();

private:
  struct slot;
  void open_slot(slot& s, steady_time now);
  void install(slot& s, std::unique_ptr<projections::view_store> store, const std::filesystem::path& secondary,
               const std::string& identity, steady_time now, bool reopening);
  void promote_candidate(slot& s, steady_time now);
  void refresh_caught_up(slot& s, steady_time now);

  view_paths paths_;
  std::array<std::unique_ptr<slot>, view_count> slots_;
  mutable std::mutex watermarks_mu_;
  std::map<events::topic_partition, std::int64_t> watermarks_;
  std::optional<steady_time> watermarks_at_;
};

}  // namespace fleetledger::reader

#pragma once
// Tenants' edge scoring pools kept between requests (GET /v1/edges/score).
//
// Resolving a tenant's pool (marketplace::tenant_pool, then one snapshot per pool cluster from the
// edges view) costs a RocksDB read per subscription and per pool cluster, and it is a pure function
// of the marketplace and edges views' states. So an entry records the generations of the two views it
// was resolved at, and it is used only while both generations are still the views' current ones:
// then its members are exactly what resolving now would give, and its offsets are the views' current
// offsets (the response's X-Fleetledger-Offsets). A request that finds such an entry scores it
// without taking the views' locks or reading RocksDB, so it never waits for a catch-up.
//
// After a catch-up raised either generation, the catch-up thread re-resolves the tenants asked for
// recently (service::refresh_score_pools), so the next request finds a current entry again; a tenant
// not refreshed is resolved by its next request. While the catch-up thread is re-resolving a tenant's
// pool (up to a few ms when every pool cluster's snapshot changed), that tenant's requests are
// answered from its previous entry, with the previous entry's offsets, unless their min_offsets need
// the newer state: a consistent answer one catch-up pass older, instead of every such request
// resolving (and parsing) the same pool again.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "fleetledger/events/ids.hpp"
#include "fleetledger/projections/edges/scoring.hpp"

namespace fleetledger::reader {

// A tenant's pool members (home first, then the remotes) with their parsed snapshots, as of one
// state of the marketplace and edges views.
struct resolved_pool {
  std::uint64_t marketplace_generation{0};
  std::uint64_t edges_generation{0};
  std::vector<projections::edges::pool_member> members;
  std::string offsets;  // X-Fleetledger-Offsets of that state (both views, merged)
  events::offset_vector marketplace_offsets;
  events::offset_vector edges_offsets;

  // Whether that state had applied every listed partition of the two views' topics up to the given
  // next offsets (view_set::reached for both views).
  [[nodiscard]] bool reaches(const events::offset_vector& min_offsets) const;
};

class score_pool_cache {
public:
  using clock = std::chrono::steady_clock;

  // max_tenants: entries kept; inserting one more evicts the least recently used.
  explicit score_pool_cache(std::size_t max_tenants = 1024) : max_tenants_(max_tenants) {}

  struct found {
    std::shared_ptr<const resolved_pool> pool;  // nullptr when the tenant has none yet
    bool refreshing{false};                     // begin_refresh() picked it and it is not stored yet
  };
  // The tenant's entry, whatever its generations (the caller compares them with the views'). Marks
  // the tenant as used now, so refreshes keep it current.
  [[nodiscard]] found find(std::string_view tenant_id);
  // Replaces the tenant's entry unless the stored one is newer (a refresh and a request may race),
  // and ends its refresh.
  void store(std::string_view tenant_id, std::shared_ptr<const resolved_pool> pool);
  // Picks the tenants used at or after `since` whose entry is not at these generations, most recent
  // first, at most `limit`, and marks them as refreshing until store() or end_refresh().
  [[nodiscard]] std::vector<std::string> begin_refresh(clock::time_point since, std::uint64_t marketplace_generation,
                                                       std::uint64_t edges_generation, std::size_t limit);
  void end_refresh();

  [[nodiscard]] std::size_t size() const;
  void clear();

private:
  struct entry {
    std::shared_ptr<const resolved_pool> pool;  // nullptr until resolved once
    clock::time_point used{};
    bool refreshing{false};
  };
  std::size_t max_tenants_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, entry> map_;
};

}  // namespace fleetledger::reader

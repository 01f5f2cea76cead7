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
// not refreshed is resolved by its next request.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "fleetledger/projections/edges/scoring.hpp"

namespace fleetledger::reader {

// A tenant's pool members (home first, then the remotes) with their parsed snapshots, as of one
// state of the marketplace and edges views.
struct resolved_pool {
  std::uint64_t marketplace_generation{0};
  std::uint64_t edges_generation{0};
  std::vector<projections::edges::pool_member> members;
  std::string offsets;  // X-Fleetledger-Offsets of that state (both views, merged)
};

class score_pool_cache {
public:
  using clock = std::chrono::steady_clock;

  // max_tenants: entries kept; inserting one more evicts the least recently used.
  explicit score_pool_cache(std::size_t max_tenants = 1024) : max_tenants_(max_tenants) {}

  // The tenant's entry when it was resolved at exactly these generations, else nullptr. Marks the
  // tenant as used now (either way), so refresh keeps it current.
  [[nodiscard]] std::shared_ptr<const resolved_pool> find(std::string_view tenant_id,
                                                          std::uint64_t marketplace_generation,
                                                          std::uint64_t edges_generation);
  // Replaces the tenant's entry unless the stored one is newer (a refresh and a request may race).
  void store(std::string_view tenant_id, std::shared_ptr<const resolved_pool> pool);
  // Tenants used at or after `since` whose entry is not at these generations, most recent first, at
  // most `limit`.
  [[nodiscard]] std::vector<std::string> outdated(clock::time_point since, std::uint64_t marketplace_generation,
                                                  std::uint64_t edges_generation, std::size_t limit) const;

  [[nodiscard]] std::size_t size() const;
  void clear();

private:
  struct entry {
    std::shared_ptr<const resolved_pool> pool;  // nullptr until resolved once
    clock::time_point used{};
  };
  std::size_t max_tenants_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, entry> map_;
};

}  // namespace fleetledger::reader

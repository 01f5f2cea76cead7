#include "fleetledger/reader/score_pools.hpp"

#include <algorithm>

#include "fleetledger/reader/view_set.hpp"

namespace fleetledger::reader {

bool resolved_pool::reaches(const events::offset_vector& min_offsets) const {
  const auto next_of = [](const events::offset_vector& have, const events::topic_partition& tp) -> std::int64_t {
    for (const auto& o : have) {
      if (o.where == tp) return o.next.value();
    }
    return 0;
  };
  for (const auto& m : min_offsets) {
    for (const auto v : {view_id::marketplace, view_id::edges}) {
      bool mine = false;
      for (const auto t : topics_of(v)) mine = mine || m.where.topic.value() == t;
      if (!mine) continue;
      const auto& have = v == view_id::marketplace ? marketplace_offsets : edges_offsets;
      if (next_of(have, m.where) < m.next.value()) return false;
    }
  }
  return true;
}

score_pool_cache::found score_pool_cache::find(std::string_view tenant_id) {
  const auto now = clock::now();
  std::lock_guard lock(mu_);
  const auto it = map_.find(std::string(tenant_id));
  if (it == map_.end()) return {};
  it->second.used = now;
  return {it->second.pool, it->second.refreshing};
}

void score_pool_cache::store(std::string_view tenant_id, std::shared_ptr<const resolved_pool> pool) {
  if (max_tenants_ == 0 || !pool) return;
  const auto now = clock::now();
  std::lock_guard lock(mu_);
  auto it = map_.find(std::string(tenant_id));
  if (it == map_.end()) {
    if (map_.size() >= max_tenants_) {
      const auto oldest = std::min_element(map_.begin(), map_.end(),
                                           [](const auto& a, const auto& b) { return a.second.used < b.second.used; });
      map_.erase(oldest);
    }
    it = map_.emplace(std::string(tenant_id), entry{nullptr, now, false}).first;
  }
  it->second.refreshing = false;
  const auto& held = it->second.pool;
  if (held && (held->marketplace_generation > pool->marketplace_generation ||
               held->edges_generation > pool->edges_generation)) {
    return;
  }
  it->second.pool = std::move(pool);
}

std::vector<std::string> score_pool_cache::begin_refresh(clock::time_point since, std::uint64_t marketplace_generation,
                                                         std::uint64_t edges_generation, std::size_t limit) {
  std::lock_guard lock(mu_);
  struct pick {
    clock::time_point used;
    const std::string* tenant;
    entry* e;
  };
  std::vector<pick> picked;
  for (auto& [tenant, e] : map_) {
    if (e.used < since) continue;
    if (e.pool && e.pool->marketplace_generation == marketplace_generation &&
        e.pool->edges_generation == edges_generation) {
      continue;
    }
    picked.push_back({e.used, &tenant, &e});
  }
  std::sort(picked.begin(), picked.end(), [](const pick& a, const pick& b) { return a.used > b.used; });
  if (picked.size() > limit) picked.resize(limit);
  std::vector<std::string> out;
  out.reserve(picked.size());
  for (const auto& p : picked) {
    p.e->refreshing = true;
    out.push_back(*p.tenant);
  }
  return out;
}

void score_pool_cache::end_refresh() {
  std::lock_guard lock(mu_);
  for (auto& [_, e] : map_) e.refreshing = false;
}

std::size_t score_pool_cache::size() const {
  std::lock_guard lock(mu_);
  return map_.size();
}

void score_pool_cache::clear() {
  std::lock_guard lock(mu_);
  map_.clear();
}

}  // namespace fleetledger::reader

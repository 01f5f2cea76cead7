#include "fleetledger/reader/score_pools.hpp"

#include <algorithm>

namespace fleetledger::reader {

std::shared_ptr<const resolved_pool> score_pool_cache::find(std::string_view tenant_id,
                                                            std::uint64_t marketplace_generation,
                                                            std::uint64_t edges_generation) {
  const auto now = clock::now();
  std::lock_guard lock(mu_);
  const auto it = map_.find(std::string(tenant_id));
  if (it == map_.end()) return nullptr;
  it->second.used = now;
  const auto& pool = it->second.pool;
  if (!pool || pool->marketplace_generation != marketplace_generation || pool->edges_generation != edges_generation) {
    return nullptr;
  }
  return pool;
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
    it = map_.emplace(std::string(tenant_id), entry{nullptr, now}).first;
  }
  const auto& held = it->second.pool;
  if (held && (held->marketplace_generation > pool->marketplace_generation ||
               held->edges_generation > pool->edges_generation)) {
    return;
  }
  it->second.pool = std::move(pool);
}

std::vector<std::string> score_pool_cache::outdated(clock::time_point since, std::uint64_t marketplace_generation,
                                                    std::uint64_t edges_generation, std::size_t limit) const {
  std::vector<std::pair<clock::time_point, std::string>> found;
  {
    std::lock_guard lock(mu_);
    for (const auto& [tenant, e] : map_) {
      if (e.used < since) continue;
      if (e.pool && e.pool->marketplace_generation == marketplace_generation &&
          e.pool->edges_generation == edges_generation) {
        continue;
      }
      found.emplace_back(e.used, tenant);
    }
  }
  std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  if (found.size() > limit) found.resize(limit);
  std::vector<std::string> out;
  out.reserve(found.size());
  for (auto& [_, tenant] : found) out.push_back(std::move(tenant));
  return out;
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

#pragma once
// The projector's allocator. It links jemalloc (Debian's libjemalloc2), as RocksDB recommends: the
// pipeline allocates on one thread and frees on another (records, staged writes, memtable
// blocks), which glibc's malloc served with lock contention and fragmentation that showed as
// CPU in malloc_consolidate/unlink_chunk and as a peak RSS that kept rising with replay length.
#include <string>

namespace fleetledger::projector {

// "jemalloc <version>", read from the allocator itself (so the log shows which one really runs).
[[nodiscard]] std::string allocator_name();

}  // namespace fleetledger::projector

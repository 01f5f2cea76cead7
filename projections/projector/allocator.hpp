#pragma once
// The projector's allocator: jemalloc (Debian's libjemalloc2, FLEETLEDGER_JEMALLOC), as RocksDB
// recommends. The pipeline allocates on one thread and frees on another (records, staged writes,
// decoded batches), which glibc's malloc served with CPU in malloc_consolidate/unlink_chunk.
#include <string>

namespace fleetledger::projector {

// "jemalloc <version>", read from the allocator itself (so the log shows which one really runs).
[[nodiscard]] std::string allocator_name();

}  // namespace fleetledger::projector

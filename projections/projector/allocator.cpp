#include "allocator.hpp"

#if defined(FLEETLEDGER_JEMALLOC)
#include <jemalloc/jemalloc.h>

// jemalloc's options for this process, read at its first allocation (MALLOC_CONF in the
// environment is applied after them). Freed pages go back to the system after about a second
// instead of ten (dirty_decay_ms): the pipeline keeps freeing a fetch's records, a batch's arena
// and flushed memtables, and with the default those pages stayed resident for ten seconds, so
// the RSS of a replay kept rising for its first ten seconds above a flat heap (resident minus
// active pages: up to 90-110 MB at 10 s, 68 MB at 1 s over a 1.04M-record fleet replay). A
// background thread returns them (background_thread): purging on the allocating threads instead
// cost the edges projector 10% more CPU (decode and flush threads), with the thread it cost none.
// 0 (purge at once) kept the gap under 10 MB but cost about 40% more CPU.
const char* malloc_conf = "background_thread:true,dirty_decay_ms:1000";  // declared extern "C" by jemalloc.h
#endif

namespace fleetledger::projector {

std::string allocator_name() {
#if defined(FLEETLEDGER_JEMALLOC)
  const char* version = nullptr;
  std::size_t size = sizeof version;
  if (mallctl("version", static_cast<void*>(&version), &size, nullptr, 0) != 0 || version == nullptr) return "jemalloc";
  return std::string("jemalloc ") + version;
#else
  return "the C library's malloc";  // FLEETLEDGER_JEMALLOC=OFF (sanitizer builds)
#endif
}

}  // namespace fleetledger::projector

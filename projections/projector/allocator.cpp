#include "allocator.hpp"

#if defined(FLEETLEDGER_JEMALLOC)
#include <jemalloc/jemalloc.h>
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

#include "allocator.hpp"

#include <jemalloc/jemalloc.h>

namespace fleetledger::projector {

std::string allocator_name() {
  const char* version = nullptr;
  std::size_t size = sizeof version;
  if (mallctl("version", static_cast<void*>(&version), &size, nullptr, 0) != 0 || version == nullptr) return "jemalloc";
  return std::string("jemalloc ") + version;
}

}  // namespace fleetledger::projector

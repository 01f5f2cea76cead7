#include "fleetledger/events/huge_pages.hpp"

#include <new>

#include <sys/mman.h>

namespace fleetledger::events {

huge_page_buffer allocate_on_huge_pages(std::size_t& bytes) {
  constexpr std::size_t huge_page = 2 * 1024 * 1024;
  bytes = (bytes + huge_page - 1) / huge_page * huge_page;
  huge_page_buffer out(static_cast<char*>(std::aligned_alloc(huge_page, bytes)));
  if (!out) throw std::bad_alloc();
  (void)::madvise(out.get(), bytes, MADV_HUGEPAGE);
  return out;
}

}  // namespace fleetledger::events

#pragma once
// Large, short-lived byte buffers on transparent huge pages: filling tens of megabytes of fresh
// 4 KiB pages cost more system time (zeroing, faults) than the work done in them (an offering
// import's input file and its encoded records).
#include <cstddef>
#include <cstdlib>
#include <memory>

namespace fleetledger::events {

struct free_bytes {
  void operator()(char* p) const noexcept { std::free(p); }
};
using huge_page_buffer = std::unique_ptr<char[], free_bytes>;

// At least bytes, rounded up to whole 2 MiB pages (the rounded size goes back in bytes), aligned
// to them and advised onto huge pages (advice only: without THP the buffer works the same).
// Throws std::bad_alloc.
[[nodiscard]] huge_page_buffer allocate_on_huge_pages(std::size_t& bytes);

}  // namespace fleetledger::events

#pragma once
// A large input file's bytes in one buffer on transparent huge pages, for `offerings import`: a
// 14 MB CSV took 12 ms to read into a std::string, most of it zero-filling and faulting in 3,400
// fresh 4 KiB pages. The file is read, not mapped, so one changed during an import cannot crash
// fleetctl (a truncated mapping raises SIGBUS).
#include <cstddef>
#include <string>
#include <string_view>

#include "fleetledger/events/huge_pages.hpp"

namespace fleetledger::fleetctl {

class input_buffer {
public:
  // Reads path ("-" = stdin) with read_input's checks and errors (throws fatal).
  [[nodiscard]] static input_buffer read(const std::string& path, std::string_view what, std::size_t max_bytes);

  [[nodiscard]] std::string_view view() const noexcept {
    return data_ ? std::string_view(data_.get(), size_) : std::string_view(fallback_);
  }

private:
  events::huge_page_buffer data_;
  std::size_t size_{0};
  std::string fallback_;  // stdin, or a file too small for huge pages
};

}  // namespace fleetledger::fleetctl

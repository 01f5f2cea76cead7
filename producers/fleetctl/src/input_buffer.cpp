#include "input_buffer.hpp"

#include <cerrno>
#include <future>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "publishing.hpp"

namespace fleetledger::fleetctl {
namespace {

constexpr std::size_t min_size = 1024 * 1024;           // smaller files are read as before
constexpr std::size_t parallel_read_size = 4 * 1024 * 1024;  // from here on in two halves at once
constexpr std::size_t read_failed = static_cast<std::size_t>(-1);

// Reads [begin, end) of fd into data + begin with pread: the bytes read (fewer at the end of a file
// that shrank), or read_failed.
std::size_t read_range(int fd, char* data, std::size_t begin, std::size_t end) {
  std::size_t at = begin;
  while (at < end) {
    const ssize_t n = ::pread(fd, data + at, end - at, static_cast<off_t>(at));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return read_failed;
    if (n == 0) break;
    at += static_cast<std::size_t>(n);
  }
  return at - begin;
}

struct file_descriptor {
  int fd;
  ~file_descriptor() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

input_buffer input_buffer::read(const std::string& path, std::string_view what, std::size_t max_bytes) {
  input_buffer out;
  const auto cannot_read = [&] { return fatal{exit_bad_input, std::string(what) + ": cannot read '" + path + "'"}; };
  const auto too_large = [&] {
    return fatal{exit_bad_input, std::string(what) + ": larger than " + std::to_string(max_bytes) + " bytes"};
  };
  if (path == "-") {
    out.fallback_ = read_input(path, what, max_bytes);
    return out;
  }
  const file_descriptor f{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  struct stat st {};
  if (f.fd < 0 || ::fstat(f.fd, &st) != 0) throw cannot_read();
  if (!S_ISREG(st.st_mode) || static_cast<std::size_t>(st.st_size) < min_size) {
    out.fallback_ = read_input(path, what, max_bytes);  // pipes, devices, small files
    return out;
  }
  const auto size = static_cast<std::size_t>(st.st_size);
  if (size > max_bytes) throw too_large();
  std::size_t capacity = size;
  out.data_ = events::allocate_on_huge_pages(capacity);
  // Two halves read at once: most of a read is faulting in and filling fresh pages, which two cores
  // do in less time. Cut at a huge page, so that no page is faulted in by both.
  constexpr std::size_t huge_page = 2 * 1024 * 1024;
  const std::size_t half = size >= parallel_read_size ? size / 2 / huge_page * huge_page : size;
  auto second = std::async(half < size ? std::launch::async : std::launch::deferred,
                           [&] { return read_range(f.fd, out.data_.get(), half, size); });
  const std::size_t first = read_range(f.fd, out.data_.get(), 0, half);
  const std::size_t rest = second.get();
  if (first == read_failed || rest == read_failed) throw cannot_read();
  // The file shrank while read: take what is there, up to the first gap.
  out.size_ = first < half ? first : half + rest;
  return out;
}

}  // namespace fleetledger::fleetctl

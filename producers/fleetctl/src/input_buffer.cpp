#include "input_buffer.hpp"

#include <cerrno>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "publishing.hpp"

namespace fleetledger::fleetctl {
namespace {

constexpr std::size_t min_size = 1024 * 1024;  // smaller files are read as before

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
  while (out.size_ < size) {
    const ssize_t n = ::read(f.fd, out.data_.get() + out.size_, size - out.size_);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw cannot_read();
    if (n == 0) break;  // the file shrank while read: take what is there
    out.size_ += static_cast<std::size_t>(n);
  }
  return out;
}

}  // namespace fleetledger::fleetctl

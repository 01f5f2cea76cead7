#include "fleetledger/broker/listen_override.hpp"

#include <arpa/inet.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

namespace {

// The prepared, bound listener socket while armed, else -1. bind() takes it at most once.
std::atomic<int> prepared_fd{-1};
std::atomic<bool> used_flag{false};

using bind_fn = int (*)(int, const sockaddr*, socklen_t);

bind_fn real_bind() {
  static const bind_fn fn = reinterpret_cast<bind_fn>(::dlsym(RTLD_NEXT, "bind"));
  return fn;
}

}  // namespace

// Interposes bind(2) for the whole process; see listen_override.hpp.
extern "C" int bind(int fd, const sockaddr* addr, socklen_t len) {
  if (prepared_fd.load(std::memory_order_acquire) >= 0 && addr != nullptr && len >= sizeof(sockaddr_in) &&
      addr->sa_family == AF_INET) {
    sockaddr_in in{};
    std::memcpy(&in, addr, sizeof in);
    if (in.sin_port == 0 && in.sin_addr.s_addr == htonl(INADDR_LOOPBACK)) {
      const int ready = prepared_fd.exchange(-1, std::memory_order_acq_rel);
      if (ready >= 0) {
        // The mock's descriptor now refers to the prepared, already bound socket.
        if (::dup2(ready, fd) < 0) {
          const int e = errno;
          ::close(ready);
          errno = e;
          return -1;
        }
        ::close(ready);
        ::fcntl(fd, F_SETFD, FD_CLOEXEC);
        used_flag.store(true);
        return 0;
      }
    }
  }
  const bind_fn next = real_bind();
  if (next == nullptr) {
    errno = ENOSYS;
    return -1;
  }
  return next(fd, addr, len);
}

namespace fleetledger::broker {

using events::errc;
using events::make_error;

events::result<std::unique_ptr<listen_override>> listen_override::arm(const std::string& address,
                                                                      std::uint16_t port) {
  const std::string where = address + ":" + std::to_string(port);
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_port = htons(port);
  if (::inet_pton(AF_INET, address.c_str(), &sin.sin_addr) != 1) {
    return make_error(errc::invalid_argument, "not an IPv4 address: " + address);
  }
  if (prepared_fd.load() >= 0) return make_error(errc::internal, "a listen override is already armed");
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_TCP);
  if (fd < 0) return make_error(errc::io_error, std::string("socket: ") + std::strerror(errno));
  const int on = 1;
  if (::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) != 0) {
    const int e = errno;
    ::close(fd);
    return make_error(errc::io_error, std::string("SO_REUSEADDR: ") + std::strerror(e));
  }
  const bind_fn next = real_bind();
  if (next == nullptr || next(fd, reinterpret_cast<const sockaddr*>(&sin), sizeof sin) != 0) {
    const int e = next == nullptr ? ENOSYS : errno;
    ::close(fd);
    return make_error(e == EADDRINUSE ? errc::conflict : errc::unavailable,
                      "cannot listen on " + where + ": " + std::strerror(e));
  }
  used_flag.store(false);
  prepared_fd.store(fd, std::memory_order_release);
  return std::unique_ptr<listen_override>(new listen_override());
}

listen_override::~listen_override() {
  const int fd = prepared_fd.exchange(-1);
  if (fd >= 0) ::close(fd);
}

bool listen_override::used() const {
  return used_flag.load();
}

}  // namespace fleetledger::broker

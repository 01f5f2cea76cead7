#include "support/child_process.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace fleetledger::testing {
namespace {

using clock = std::chrono::steady_clock;

int decode_status(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

std::vector<std::string> build_environment(const child_options& o) {
  std::map<std::string, std::string> merged;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string_view kv(*e);
    const auto eq = kv.find('=');
    if (eq == std::string_view::npos) continue;
    merged[std::string(kv.substr(0, eq))] = std::string(kv.substr(eq + 1));
  }
  for (const auto& k : o.unset_env) merged.erase(k);
  for (const auto& [k, v] : o.env) merged[k] = v;
  std::vector<std::string> out;
  out.reserve(merged.size());
  for (const auto& [k, v] : merged) out.push_back(k + "=" + v);
  return out;
}

// What the child does between vfork and execve, all prepared by the parent.
struct child_plan {
  pid_t parent;
  char* const* argv;
  char* const* envp;
  int stdout_fd;
  int stderr_fd;  // -1: inherit
  int exec_error_fd;
};

[[noreturn]] void run_child(const child_plan& p) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != p.parent) ::_exit(127);  // the parent died before prctl took effect
  ::dup2(p.stdout_fd, STDOUT_FILENO);
  if (p.stderr_fd >= 0) ::dup2(p.stderr_fd, STDERR_FILENO);
  // Signals blocked or ignored by the test runner must not leak into the child.
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  ::signal(SIGPIPE, SIG_DFL);
  ::execve(p.argv[0], p.argv, p.envp);
  const int e = errno;
  [[maybe_unused]] auto w = ::write(p.exec_error_fd, &e, sizeof e);
  ::_exit(127);
}

// vfork, not fork: fork copies this process's page tables, and a benchmark holding a few million
// events took 65-75 ms to start each projector that way, charged to the projector. The child runs
// in this process's memory until execve, so it only makes system calls, as posix_spawn's does.
pid_t spawn(const child_plan& plan) {
  const pid_t pid = ::vfork();
  if (pid == 0) run_child(plan);
  return pid;
}

}  // namespace

child_process::child_process(std::string path, child_options options) : path_(std::move(path)) {
  // Everything the child needs is prepared before spawn(): after it, only system calls.
  std::vector<std::string> argv_store;
  argv_store.push_back(path_);
  for (auto& a : options.args) argv_store.push_back(a);
  std::vector<char*> argv;
  for (auto& a : argv_store) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_store = build_environment(options);
  std::vector<char*> envp;
  for (auto& e : env_store) envp.push_back(e.data());
  envp.push_back(nullptr);

  int out_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) {
    throw std::runtime_error(std::string("pipe2: ") + std::strerror(errno));
  }
  int err_fd = -1;
  if (!options.stderr_path.empty()) {
    err_fd = ::open(options.stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (err_fd < 0) {
      const int e = errno;
      ::close(out_pipe[0]);
      ::close(out_pipe[1]);
      throw std::runtime_error("open " + options.stderr_path + ": " + std::strerror(e));
    }
  }
  // An exec failure is reported through a close-on-exec pipe: EOF means exec succeeded.
  int exec_pipe[2];
  if (::pipe2(exec_pipe, O_CLOEXEC) != 0) {
    throw std::runtime_error(std::string("pipe2: ") + std::strerror(errno));
  }
  const child_plan plan{::getpid(), argv.data(), envp.data(), out_pipe[1], err_fd, exec_pipe[1]};
  const pid_t pid = spawn(plan);
  if (pid < 0) {
    throw std::runtime_error(std::string("vfork: ") + std::strerror(errno));
  }
  ::close(out_pipe[1]);
  ::close(exec_pipe[1]);
  if (err_fd >= 0) ::close(err_fd);
  int child_errno = 0;
  ssize_t n;
  do {
    n = ::read(exec_pipe[0], &child_errno, sizeof child_errno);
  } while (n < 0 && errno == EINTR);
  ::close(exec_pipe[0]);
  if (n == static_cast<ssize_t>(sizeof child_errno)) {
    ::close(out_pipe[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    throw std::runtime_error("cannot execute " + path_ + ": " + std::strerror(child_errno));
  }
  pid_ = pid;
  stdout_fd_ = out_pipe[0];
}

child_process::child_process(child_process&& other) noexcept
    : path_(std::move(other.path_)),
      pid_(other.pid_),
      stdout_fd_(other.stdout_fd_),
      buffer_(std::move(other.buffer_)),
      eof_(other.eof_),
      exit_status_(other.exit_status_) {
  other.pid_ = -1;
  other.stdout_fd_ = -1;
}

child_process& child_process::operator=(child_process&& other) noexcept {
  if (this != &other) {
    reset();
    path_ = std::move(other.path_);
    pid_ = other.pid_;
    stdout_fd_ = other.stdout_fd_;
    buffer_ = std::move(other.buffer_);
    eof_ = other.eof_;
    exit_status_ = other.exit_status_;
    other.pid_ = -1;
    other.stdout_fd_ = -1;
  }
  return *this;
}

child_process::~child_process() {
  reset();
}

void child_process::reset() noexcept {
  if (pid_ > 0 && !exit_status_) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
  }
  if (stdout_fd_ >= 0) ::close(stdout_fd_);
  stdout_fd_ = -1;
  pid_ = -1;
}

std::optional<std::string> child_process::read_line(std::chrono::milliseconds timeout) {
  const auto deadline = clock::now() + timeout;
  for (;;) {
    if (const auto nl = buffer_.find('\n'); nl != std::string::npos) {
      std::string line = buffer_.substr(0, nl);
      buffer_.erase(0, nl + 1);
      return line;
    }
    if (eof_ || stdout_fd_ < 0) return std::nullopt;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now()).count();
    if (left <= 0) return std::nullopt;
    pollfd p{stdout_fd_, POLLIN, 0};
    const int r = ::poll(&p, 1, static_cast<int>(left));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return std::nullopt;
    char chunk[4096];
    const ssize_t n = ::read(stdout_fd_, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      eof_ = true;
      continue;
    }
    buffer_.append(chunk, static_cast<std::size_t>(n));
  }
}

std::string child_process::read_rest(std::chrono::milliseconds timeout) {
  const auto deadline = clock::now() + timeout;
  std::string out;
  while (!eof_ && stdout_fd_ >= 0) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now()).count();
    if (left <= 0) break;
    pollfd p{stdout_fd_, POLLIN, 0};
    const int r = ::poll(&p, 1, static_cast<int>(left));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    char chunk[4096];
    const ssize_t n = ::read(stdout_fd_, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      eof_ = true;
      break;
    }
    buffer_.append(chunk, static_cast<std::size_t>(n));
  }
  out.swap(buffer_);
  return out;
}

void child_process::send_signal(int sig) {
  if (pid_ > 0 && !exit_status_) ::kill(pid_, sig);
}

std::optional<int> child_process::wait(std::chrono::milliseconds timeout) {
  if (exit_status_) return exit_status_;
  if (pid_ <= 0) return std::nullopt;
  const auto deadline = clock::now() + timeout;
  for (;;) {
    int status = 0;
    const pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      exit_status_ = decode_status(status);
      return exit_status_;
    }
    if (r < 0 && errno != EINTR) return std::nullopt;
    if (clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

bool child_process::running() {
  return pid_ > 0 && !wait(std::chrono::milliseconds(0));
}

std::string bin_path(std::string_view name) {
  return std::string(FLEETLEDGER_TEST_BIN_DIR) + "/" + std::string(name);
}

std::optional<std::string> find_executable(std::string_view name) {
  const char* path = std::getenv("PATH");
  std::string_view dirs = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
  while (!dirs.empty()) {
    const auto colon = dirs.find(':');
    const std::string_view dir = dirs.substr(0, colon);
    dirs = colon == std::string_view::npos ? std::string_view{} : dirs.substr(colon + 1);
    if (dir.empty()) continue;
    std::string candidate = std::string(dir) + "/" + std::string(name);
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return std::nullopt;
}

int free_loopback_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof sin;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&sin), sizeof sin) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&sin), &len) != 0) {
    const int e = errno;
    ::close(fd);
    throw std::runtime_error(std::string("free_loopback_port: ") + std::strerror(e));
  }
  ::close(fd);
  return ntohs(sin.sin_port);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

run_result run(std::string path, child_options options, std::chrono::milliseconds timeout) {
  // stderr goes to a private file unless the caller chose one.
  char tmpl[] = "/tmp/fleetledger-run-XXXXXX";
  const int fd = ::mkstemp(tmpl);
  if (fd < 0) throw std::runtime_error(std::string("mkstemp: ") + std::strerror(errno));
  ::close(fd);
  const bool own_stderr = options.stderr_path.empty();
  if (own_stderr) options.stderr_path = tmpl;
  run_result out;
  {
    child_process child(std::move(path), options);
    out.stdout_text = child.read_rest(timeout);
    const auto code = child.wait(std::chrono::seconds(5));
    out.exit_code = code.value_or(-1);
  }  // a child still running is killed here
  out.stderr_text = read_file(options.stderr_path);
  ::unlink(tmpl);
  return out;
}

}  // namespace fleetledger::testing

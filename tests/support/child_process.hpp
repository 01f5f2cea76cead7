#pragma once
// A child process for integration tests: spawned with args and extra environment, stdout read line by
// line through a pipe, stderr inherited or written to a file. The child dies with the test process
// (PR_SET_PDEATHSIG) and the destructor SIGKILLs and reaps it if it is still running.
#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fleetledger::testing {

struct child_options {
  std::vector<std::string> args{};           // without argv[0]
  std::map<std::string, std::string> env{};  // added to (or overriding) the test's environment
  std::vector<std::string> unset_env{};      // removed from the inherited environment
  std::string stderr_path{};                 // empty: inherit the test's stderr; else truncate+write
};

class child_process {
 public:
  // Throws std::runtime_error when the binary cannot be started.
  child_process(std::string path, child_options options = {});
  ~child_process();
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;
  child_process(child_process&& other) noexcept;
  child_process& operator=(child_process&& other) noexcept;

  // The next complete line of the child's stdout (without '\n'), or nullopt on timeout or EOF.
  [[nodiscard]] std::optional<std::string> read_line(std::chrono::milliseconds timeout);
  // Everything left on stdout until EOF (bounded by timeout).
  [[nodiscard]] std::string read_rest(std::chrono::milliseconds timeout);
  [[nodiscard]] bool stdout_closed() const { return eof_; }

  // Sends a signal; no-op when the child was already reaped.
  void send_signal(int sig);
  // Exit code (or 128 + signal number) once the child ended, nullopt if it still runs after timeout.
  [[nodiscard]] std::optional<int> wait(std::chrono::milliseconds timeout);
  [[nodiscard]] bool running();
  [[nodiscard]] pid_t pid() const { return pid_; }
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  void reset() noexcept;

  std::string path_;
  pid_t pid_{-1};
  int stdout_fd_{-1};
  std::string buffer_;
  bool eof_{false};
  std::optional<int> exit_status_;
};

// <build>/bin/<name>: where CMake puts every fleetledger binary.
[[nodiscard]] std::string bin_path(std::string_view name);

// The first executable called name on PATH, or nullopt.
[[nodiscard]] std::optional<std::string> find_executable(std::string_view name);

// A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0, then closed). Another
// process may take it in between; good enough for tests.
[[nodiscard]] int free_loopback_port();

// Whole content of a file (empty when it does not exist).
[[nodiscard]] std::string read_file(const std::string& path);

// Result of running a command to completion.
struct run_result {
  int exit_code{-1};  // exit code, 128 + signal, or -1 when it did not end within the timeout
  std::string stdout_text;
  std::string stderr_text;
};
// Runs path with args to completion (killed after timeout), capturing stdout and stderr.
[[nodiscard]] run_result run(std::string path, child_options options,
                             std::chrono::milliseconds timeout = std::chrono::seconds(30));

}  // namespace fleetledger::testing

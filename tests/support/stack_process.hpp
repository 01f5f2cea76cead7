#pragma once
// The whole read path for integration tests and benchmarks: the real dev broker, the three projector
// processes (fleet, marketplace, edges) on a data dir in a temp_dir, and the HTTP reader on a free
// 127.0.0.1 port (optionally with an --auth-tokens file). Plus a publisher that remembers every
// position it wrote (for read-your-writes `min_offsets`), and a tiny blocking HTTP/1.1 client over a
// real socket (see http_client.hpp) to talk to the reader the way any client would.
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "fleetledger/events/ids.hpp"
#include "fleetledger/events/publisher.hpp"
#include "fleetledger/v1/envelope.pb.h"
#include "support/broker_process.hpp"
#include "support/child_process.hpp"
#include "support/http_client.hpp"
#include "support/temp_dir.hpp"

namespace fleetledger::testing {

// The projector views, in start order.
inline const std::vector<std::string>& stack_views() {
  static const std::vector<std::string> views{"fleet", "marketplace", "edges"};
  return views;
}

struct stack_options {
  bool start_projectors{true};
  bool start_reader{true};
  // Non-empty: written to <tmp>/auth-tokens and passed as --auth-tokens (lines "token role [tenant]").
  std::vector<std::string> auth_token_lines{};
  std::vector<std::string> reader_extra_args{};
  std::vector<std::string> broker_extra_args{};
  std::string domain{"fleet.test"};
  // Projector/reader/broker logs go to files in the temp dir (kept in the report on failure) unless
  // this is true, in which case they go to the test's stderr.
  bool logs_to_stderr{false};
  std::chrono::milliseconds startup_timeout{std::chrono::seconds(30)};
};

// Publish positions, folded to the highest offset per topic-partition; renders `min_offsets` strings
// in DESIGN.md section 5's convention (next offset to apply = record offset + 1).
class position_set {
 public:
  void add(const events::record_position& p);
  void merge(const position_set& other);
  // "topic:partition:offset+1,..." over every topic (empty set: "").
  [[nodiscard]] std::string min_offsets() const;
  // Only the listed topics.
  [[nodiscard]] std::string min_offsets(const std::set<std::string>& topics) const;
  [[nodiscard]] bool empty() const { return next_.empty(); }

 private:
  std::map<std::pair<std::string, std::int32_t>, std::int64_t> next_;
};

// The topics each view consumes (so a min_offsets string names only what a view can reach).
[[nodiscard]] std::set<std::string> view_topics(const std::string& view);

class stack_process {
 public:
  // Throws std::runtime_error when any process does not come up in time.
  explicit stack_process(stack_options options = {});
  ~stack_process();
  stack_process(const stack_process&) = delete;
  stack_process& operator=(const stack_process&) = delete;

  [[nodiscard]] const std::string& bootstrap() const { return broker_->bootstrap(); }
  [[nodiscard]] std::string data_dir() const;
  [[nodiscard]] std::string view_dir(const std::string& view) const;
  [[nodiscard]] const temp_dir& dir() const { return dir_; }

  // --- publishing (throws std::runtime_error on a failed publish) ---
  [[nodiscard]] events::publisher& publisher();
  events::record_position publish(const fleetledger::v1::Envelope& event);
  std::vector<events::record_position> publish_all(const std::vector<fleetledger::v1::Envelope>& events);
  // Every position published through this stack so far.
  [[nodiscard]] const position_set& published() const { return published_; }

  // --- projectors ---
  void start_projector(const std::string& view, const std::vector<std::string>& extra_args = {});
  void kill_projector(const std::string& view);  // SIGKILL and reap
  void stop_projector(const std::string& view);  // SIGTERM and reap (bounded)
  void restart_projector(const std::string& view, const std::vector<std::string>& extra_args = {});
  [[nodiscard]] bool projector_running(const std::string& view);

  // --- reader ---
  void start_reader();
  void stop_reader();
  [[nodiscard]] int reader_port() const { return reader_port_; }
  [[nodiscard]] std::string reader_url() const { return "http://127.0.0.1:" + std::to_string(reader_port_); }
  [[nodiscard]] int reader_pid() const;
  [[nodiscard]] bool reader_running();
  [[nodiscard]] const std::string& reader_startup_line() const { return reader_startup_line_; }
  [[nodiscard]] std::string reader_log() const;
  [[nodiscard]] const std::string& auth_tokens_path() const { return auth_tokens_path_; }

  // GET against the reader.
  [[nodiscard]] http_response get(const std::string& target, const http_headers& headers = {},
                                  std::chrono::milliseconds timeout = std::chrono::seconds(15)) const;

  // Waits (read-your-writes, no polling) until every view has applied everything published so far:
  // one GET per view with min_offsets of that view's topics. Throws when a view does not get there.
  void wait_views_caught_up(const http_headers& headers = {}, std::chrono::milliseconds wait = std::chrono::seconds(20));

 private:
  stack_options options_;
  temp_dir dir_;
  std::unique_ptr<broker_process> broker_;
  std::optional<events::publisher> publisher_;
  std::map<std::string, std::unique_ptr<child_process>> projectors_;
  std::map<std::string, int> projector_starts_;
  std::unique_ptr<child_process> reader_;
  int reader_port_{0};
  int reader_starts_{0};
  std::string reader_startup_line_;
  std::string auth_tokens_path_;
  position_set published_;
};

// Resident set size of a process in KiB (VmRSS from /proc/<pid>/status), -1 when unknown.
[[nodiscard]] long rss_kib(int pid);

}  // namespace fleetledger::testing

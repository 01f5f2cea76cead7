#include "support/stack_process.hpp"

#include <csignal>
#include <filesystem>
#include <fstream>
#include <regex>
#include <stdexcept>
#include <thread>

#include <boost/json/parse.hpp>

namespace fleetledger::testing {
namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

// The reader's startup line: JSON with "port" (or a "url"/"listen" naming 127.0.0.1:P), or any text
// naming 127.0.0.1:P. 0 when none.
int port_of_startup_line(const std::string& line) {
  boost::system::error_code ec;
  const auto v = boost::json::parse(line, ec);
  if (!ec && v.is_object()) {
    const auto& o = v.as_object();
    if (const auto* p = o.if_contains("port"); p != nullptr && p->is_int64()) return static_cast<int>(p->as_int64());
    if (const auto* p = o.if_contains("port"); p != nullptr && p->is_uint64()) return static_cast<int>(p->as_uint64());
  }
  static const std::regex addr(R"((?:127\.0\.0\.1|localhost|0\.0\.0\.0|\[::1\]):([0-9]{1,5}))");
  std::smatch m;
  if (std::regex_search(line, m, addr)) return std::stoi(m[1].str());
  return 0;
}

}  // namespace

// --- position_set ---

void position_set::add(const events::record_position& p) {
  auto& next = next_[{p.topic.value(), p.partition.value()}];
  next = std::max(next, p.at.value() + 1);
}

void position_set::merge(const position_set& other) {
  for (const auto& [k, v] : other.next_) next_[k] = std::max(next_[k], v);
}

std::string position_set::min_offsets() const {
  std::string out;
  for (const auto& [k, v] : next_) {
    if (!out.empty()) out += ',';
    out += k.first + ':' + std::to_string(k.second) + ':' + std::to_string(v);
  }
  return out;
}

std::string position_set::min_offsets(const std::set<std::string>& topics) const {
  std::string out;
  for (const auto& [k, v] : next_) {
    if (topics.count(k.first) == 0) continue;
    if (!out.empty()) out += ',';
    out += k.first + ':' + std::to_string(k.second) + ':' + std::to_string(v);
  }
  return out;
}

std::set<std::string> view_topics(const std::string& view) {
  if (view == "fleet") return {"fleet.cluster.v1"};
  if (view == "edges") return {"fleet.edge.v1", "fleet.cluster.v1"};
  return {"fleet.cluster.v1", "fleet.tenant.v1", "fleet.edge.v1", "fleet.offering.v1"};
}

// --- stack_process ---

stack_process::stack_process(stack_options options) : options_(std::move(options)), dir_("fleetledger-stack") {
  std::filesystem::create_directories(data_dir());
  broker_options bo;
  bo.extra_args = options_.broker_extra_args;
  if (!options_.logs_to_stderr) bo.stderr_path = dir_.file("broker.log");
  bo.startup_timeout = options_.startup_timeout;
  broker_ = std::make_unique<broker_process>(std::move(bo));

  if (!options_.auth_token_lines.empty()) {
    auth_tokens_path_ = dir_.file("auth-tokens");
    std::ofstream out(auth_tokens_path_);
    for (const auto& line : options_.auth_token_lines) out << line << '\n';
  }
  if (options_.start_projectors) {
    for (const auto& v : stack_views()) start_projector(v);
    // The reader opens the projectors' RocksDB directories: let them exist first (bounded).
    const auto deadline = clock_type::now() + options_.startup_timeout;
    for (const auto& v : stack_views()) {
      while (!std::filesystem::exists(std::filesystem::path(view_dir(v)) / "CURRENT") && clock_type::now() < deadline) {
        if (!projector_running(v)) throw std::runtime_error("fleetledger-projector --view " + v + " exited at startup");
        std::this_thread::sleep_for(20ms);
      }
    }
  }
  if (options_.start_reader) {
    start_reader();
    // With projectors running, wait (bounded) until the reader has opened every view: GET /ready 200.
    if (options_.start_projectors) {
      const auto deadline = clock_type::now() + options_.startup_timeout;
      int status = 0;
      while (clock_type::now() < deadline && (status = get("/ready", {}, 5s).status) != 200) std::this_thread::sleep_for(50ms);
      if (status != 200) throw std::runtime_error("fleetledger-reader: /ready did not answer 200 in time (last " + std::to_string(status) + ")");
    }
  }
}

stack_process::~stack_process() {
  // Reader first (it reads the views), then projectors, then the broker; SIGTERM, bounded, then SIGKILL.
  try {
    stop_reader();
    for (const auto& v : stack_views()) stop_projector(v);
    publisher_.reset();
    if (broker_) (void)broker_->stop();
  } catch (...) {
  }
}

std::string stack_process::data_dir() const { return dir_.file("data"); }

std::string stack_process::view_dir(const std::string& view) const {
  return (std::filesystem::path(data_dir()) / "views" / view).string();
}

events::publisher& stack_process::publisher() {
  if (!publisher_) {
    events::publisher_config pc;
    pc.client.brokers = bootstrap();
    pc.delivery_timeout = 20s;
    pc.linger = 1ms;
    auto p = events::publisher::create(pc);
    if (!p) throw std::runtime_error("publisher: " + p.err().message);
    publisher_.emplace(std::move(p).value());
  }
  return *publisher_;
}

events::record_position stack_process::publish(const fleetledger::v1::Envelope& event) {
  auto r = publisher().publish(event);
  if (!r) throw std::runtime_error("publish " + event.ShortDebugString().substr(0, 200) + ": " + r.err().message);
  published_.add(*r);
  return *r;
}

std::vector<events::record_position> stack_process::publish_all(const std::vector<fleetledger::v1::Envelope>& events) {
  std::vector<events::record_position> out;
  out.reserve(events.size());
  auto results = publisher().publish_all(events);
  for (std::size_t i = 0; i < results.size(); ++i) {
    if (!results[i]) throw std::runtime_error("publish_all #" + std::to_string(i) + ": " + results[i].err().message);
    published_.add(*results[i]);
    out.push_back(*results[i]);
  }
  return out;
}

void stack_process::start_projector(const std::string& view, const std::vector<std::string>& extra_args) {
  child_options co;
  co.args = {"--view", view, "--brokers", bootstrap(), "--data-dir", data_dir()};
  for (const auto& a : extra_args) co.args.push_back(a);
  const int n = projector_starts_[view]++;
  if (!options_.logs_to_stderr) co.stderr_path = dir_.file("projector-" + view + "." + std::to_string(n) + ".log");
  projectors_[view] = std::make_unique<child_process>(bin_path("fleetledger-projector"), std::move(co));
}

void stack_process::kill_projector(const std::string& view) {
  auto it = projectors_.find(view);
  if (it == projectors_.end() || !it->second) return;
  it->second->send_signal(SIGKILL);
  (void)it->second->wait(10s);
  it->second.reset();
}

void stack_process::stop_projector(const std::string& view) {
  auto it = projectors_.find(view);
  if (it == projectors_.end() || !it->second) return;
  it->second->send_signal(SIGTERM);
  if (!it->second->wait(15s)) {
    it->second->send_signal(SIGKILL);
    (void)it->second->wait(5s);
  }
  it->second.reset();
}

void stack_process::restart_projector(const std::string& view, const std::vector<std::string>& extra_args) {
  kill_projector(view);
  start_projector(view, extra_args);
}

bool stack_process::projector_running(const std::string& view) {
  auto it = projectors_.find(view);
  return it != projectors_.end() && it->second && it->second->running();
}

void stack_process::start_reader() {
  child_options co;
  co.args = {"--data-dir", data_dir(), "--port", "0", "--listen", "127.0.0.1", "--brokers", bootstrap(),
             "--domain", options_.domain};
  if (!auth_tokens_path_.empty()) {
    co.args.push_back("--auth-tokens");
    co.args.push_back(auth_tokens_path_);
  }
  for (const auto& a : options_.reader_extra_args) co.args.push_back(a);
  const int n = reader_starts_++;
  if (!options_.logs_to_stderr) co.stderr_path = dir_.file("reader." + std::to_string(n) + ".log");
  reader_ = std::make_unique<child_process>(bin_path("fleetledger-reader"), std::move(co));

  const auto deadline = clock_type::now() + options_.startup_timeout;
  reader_port_ = 0;
  while (reader_port_ == 0 && clock_type::now() < deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock_type::now());
    auto line = reader_->read_line(std::max(left, std::chrono::milliseconds(1)));
    if (!line) break;
    reader_port_ = port_of_startup_line(*line);
    if (reader_port_ != 0) reader_startup_line_ = *line;
  }
  if (reader_port_ == 0) {
    const auto code = reader_->wait(500ms);
    const auto log = reader_log();
    reader_.reset();
    throw std::runtime_error(std::string("fleetledger-reader ") +
                             (code ? "exited with " + std::to_string(*code) : "printed no port") +
                             "; log: " + log.substr(0, 2000));
  }
  // Up means /health answers 200 (bounded).
  while (clock_type::now() < deadline) {
    try {
      if (http_get(reader_port_, "/health", {}, 2s).status == 200) return;
    } catch (const http_connection_error&) {
    }
    std::this_thread::sleep_for(20ms);
  }
  throw std::runtime_error("fleetledger-reader: /health did not answer 200 in time; log: " + reader_log().substr(0, 2000));
}

void stack_process::stop_reader() {
  if (!reader_) return;
  reader_->send_signal(SIGTERM);
  if (!reader_->wait(15s)) {
    reader_->send_signal(SIGKILL);
    (void)reader_->wait(5s);
  }
  reader_.reset();
}

int stack_process::reader_pid() const { return reader_ ? static_cast<int>(reader_->pid()) : -1; }

bool stack_process::reader_running() { return reader_ && reader_->running(); }

std::string stack_process::reader_log() const {
  if (reader_starts_ == 0) return {};
  return read_file(dir_.file("reader." + std::to_string(reader_starts_ - 1) + ".log"));
}

http_response stack_process::get(const std::string& target, const http_headers& headers,
                                 std::chrono::milliseconds timeout) const {
  return http_get(reader_port_, target, headers, timeout);
}

void stack_process::wait_views_caught_up(const http_headers& headers, std::chrono::milliseconds wait) {
  // One route per view; the min_offsets names only the topics that view consumes.
  const std::map<std::string, std::string> route{{"fleet", "/v1/fleet/summary?"},
                                                 {"marketplace", "/v1/marketplace/rejections?"},
                                                 {"edges", "/v1/clusters/no-such-cluster/edges?"}};
  for (const auto& v : stack_views()) {
    const auto mo = published_.min_offsets(view_topics(v));
    if (mo.empty()) continue;
    const auto target = route.at(v) + "min_offsets=" + url_encode(mo) + "&wait_ms=" + std::to_string(wait.count());
    const auto r = get(target, headers, wait + 10s);
    if (r.status == 504 || r.status == 503 || r.status >= 500 || r.status == 400 || r.status == 401 || r.status == 403) {
      throw std::runtime_error("view " + v + " did not catch up: GET " + target + " -> " + std::to_string(r.status) +
                               " " + r.body.substr(0, 300));
    }
  }
}

long rss_kib(int pid) {
  const auto status = read_file("/proc/" + std::to_string(pid) + "/status");
  const auto at = status.find("VmRSS:");
  if (at == std::string::npos) return -1;
  return std::strtol(status.c_str() + at + 6, nullptr, 10);
}

}  // namespace fleetledger::testing

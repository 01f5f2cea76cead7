// The edges view's rules on a real RocksDB through projections::applier: latest summary by
// reported_at, enrolment and drain facts, deleted clusters, verdicts, the cost of a summary, and
// independence from partition interleaving.
#include "edges_test_harness.hpp"

#include <map>
#include <optional>

using namespace edges_test;

namespace {

// cpu_percent of the node in the stored snapshot (tells which summary won).
double stored_cpu(const harness& h, const std::string& cluster, const std::string& node) {
  const auto snap = fx::load_snapshot(h.reader(), cluster);
  REQUIRE(snap != nullptr);
  for (const auto& e : snap->edges) {
    if (e.node_id == node) return e.cpu_percent;
  }
  FAIL("node " << node << " not in the snapshot");
  return -1;
}

// A state_txn over a map that counts what the view does with it.
class counting_txn final : public fp::state_txn {
public:
  std::optional<std::string> get(std::string_view key) const override {
    ++gets;
    auto it = data.find(std::string(key));
    if (it == data.end()) return std::nullopt;
    return it->second;
  }
  void scan(std::string_view, const fp::visitor&, std::string_view) const override { ++scans; }
  void put(std::string_view key, std::string_view value) override {
    ++puts;
    data[std::string(key)] = std::string(value);
  }
  void erase(std::string_view key) override {
    ++erases;
    data.erase(std::string(key));
  }
  std::map<std::string, std::string> data;
  mutable int gets = 0;
  mutable int scans = 0;
  int puts = 0;
  int erases = 0;
};

fp::record_context ctx() { return {{fe::topic_name(std::string(fe::edge_topic)), fe::partition_id(0)}, fe::offset(0), 0}; }

}  // namespace

TEST_CASE("edges view: reads the edge and cluster topics under the name edges", "[edges][view]") {
  fx::edges_view v;
  CHECK(v.name() == "edges");
  const auto topics = v.topics();
  CHECK(std::find(topics.begin(), topics.end(), fe::edge_topic) != topics.end());
  CHECK(std::find(topics.begin(), topics.end(), fe::cluster_topic) != topics.end());
}

TEST_CASE("edges view: a batch of summaries costs one get and one put per cluster and no scan", "[edges][view]") {
  fx::edges_view v;
  counting_txn txn;
  std::vector<edge_spec> specs;
  for (int i = 0; i < 100; ++i) specs.push_back({.node_id = "n" + std::to_string(i)});
  for (int i = 0; i < 3; ++i) {
    const auto out = v.apply(txn, summary("c1", t0 + std::chrono::seconds(15 * i), specs), ctx());
    CHECK(out.what == fp::verdict::applied);
  }
  CHECK(txn.puts == 0);  // held parsed until the batch ends
  v.flush(txn);
  CHECK(txn.gets == 1);
  CHECK(txn.puts == 1);
  CHECK(txn.scans == 0);
  CHECK(txn.erases == 0);
  CHECK(txn.data.size() == 1);  // one value per cluster, no per-edge keys
}

TEST_CASE("edges view: the latest summary by reported_at wins whatever the arrival order", "[edges][view]") {
  harness h;
  h.apply(summary("c1", t0 + 30s, {{.node_id = "n1", .cpu_percent = 30}}));
  h.apply(summary("c1", t0 + 15s, {{.node_id = "n1", .cpu_percent = 15}}));  // older, arrives later
  CHECK(stored_cpu(h, "c1", "n1") == 30.0);
  CHECK(fx::load_snapshot(h.reader(), "c1")->reported_at == t0 + 30s);
  h.apply(summary("c1", t0 + 45s, {{.node_id = "n1", .cpu_percent = 45}}));
  CHECK(stored_cpu(h, "c1", "n1") == 45.0);
}

TEST_CASE("edges view: equal reported_at goes to the later one in the log", "[edges][view]") {
  harness h;
  h.add(summary("c1", t0, {{.node_id = "n1", .cpu_percent = 10}}));
  h.add(summary("c1", t0, {{.node_id = "n1", .cpu_percent = 20}}));
  h.flush();
  CHECK(stored_cpu(h, "c1", "n1") == 20.0);
}

TEST_CASE("edges view: report_interval defaults to 15 s and is kept when set", "[edges][view]") {
  harness h;
  h.apply(summary("c1", t0, {{.node_id = "n1"}}));
  h.apply(summary("c2", t0, {{.node_id = "n1"}}, 5s));
  CHECK(fx::load_snapshot(h.reader(), "c1")->report_interval == 15s);
  CHECK(fx::load_snapshot(h.reader(), "c2")->report_interval == 5s);
  CHECK(fx::load_snapshot(h.reader(), "c2")->stale_at() == t0 + 15s);
}

TEST_CASE("edges view: enrolment and drain facts are kept per node", "[edges][view]") {
  harness h;
  h.apply(enrolled("c1", "e1", t0, 48.85, 2.35));
  h.apply(drain("c1", "e2", true, t0, "disk replacement"));
  const auto snap = fx::load_snapshot(h.reader(), "c1");
  REQUIRE(snap != nullptr);
  REQUIRE(snap->edges.size() == 2);
  CHECK(snap->edges[0].node_id == "e1");
  CHECK(snap->edges[0].enrolled);
  CHECK_FALSE(snap->edges[0].reported);
  CHECK(snap->edges[0].geo_lat == 48.85);
  CHECK(snap->edges[0].base_url == "https://e1.enrolled.example");
  CHECK(snap->edges[1].node_id == "e2");
  CHECK_FALSE(snap->edges[1].enrolled);
  CHECK(snap->edges[1].draining());
  CHECK(snap->edges[1].drain_reason == "disk replacement");
}

TEST_CASE("edges view: a deleted cluster's edges are dropped in either arrival order", "[edges][view]") {
  // Summaries (edge topic) and the deletion (cluster topic) sit on different partitions: the state
  // must not depend on which is applied first.
  harness before, after;
  before.apply(summary("c1", t0, {{.node_id = "n1"}}));
  before.apply(enrolled("c1", "n1", t0));
  before.apply(deleted("c1", t0 + 5s));
  after.apply(enrolled("c1", "n1", t0));
  after.apply(deleted("c1", t0 + 5s));
  after.apply(summary("c1", t0, {{.node_id = "n1"}}));
  for (harness* h : {&before, &after}) {
    CHECK(fx::load_snapshot(h->reader(), "c1") == nullptr);
    CHECK(fx::is_deleted(h->reader(), "c1"));
    CHECK_FALSE(fx::cluster_edges(h->reader(), "c1", t0 + 6s).has_value());
  }
  CHECK(before.store().digest().sha256_hex == after.store().digest().sha256_hex);
  CHECK(after.store().counters().ignored == 1);  // the late summary
}

TEST_CASE("edges view: the state does not depend on partition interleaving", "[edges][view]") {
  const std::vector<v1::Envelope> edge_events = {
      summary("c1", t0, {{.node_id = "n1", .cpu_percent = 10}, {.node_id = "n2"}}),
      summary("c1", t0 + 30s, {{.node_id = "n1", .cpu_percent = 30}}),
      summary("c1", t0 + 15s, {{.node_id = "n1", .cpu_percent = 15}}),
      summary("c2", t0, {{.node_id = "m1"}})};
  const std::vector<v1::Envelope> cluster_events = {
      enrolled("c1", "n1", t0), drain("c1", "n2", true, t0 + 1s), enrolled("c2", "m2", t0), deleted("c2", t0 + 2s)};
  harness edges_first, clusters_first, mixed;
  for (const auto& e : edge_events) edges_first.add(e);
  for (const auto& e : cluster_events) edges_first.add(e);
  for (const auto& e : cluster_events) clusters_first.add(e);
  for (const auto& e : edge_events) clusters_first.add(e);
  for (std::size_t i = 0; i < edge_events.size(); ++i) {
    mixed.add(cluster_events[i]);
    mixed.add(edge_events[i]);
  }
  edges_first.flush();
  clusters_first.flush();
  mixed.flush();
  const auto digest = edges_first.store().digest().sha256_hex;
  CHECK(clusters_first.store().digest().sha256_hex == digest);
  CHECK(mixed.store().digest().sha256_hex == digest);
  CHECK(stored_cpu(mixed, "c1", "n1") == 30.0);
}

TEST_CASE("edges view: verdicts for unusable and rule-breaking events", "[edges][view]") {
  harness h;
  SECTION("a summary without cluster_id is dead-lettered") {
    h.apply(summary("", t0, {{.node_id = "n1"}}));
    REQUIRE(h.dead_letters().size() == 1);
    CHECK(h.dead_letters()[0].rfind("MISSING_CLUSTER_ID", 0) == 0);
  }
  SECTION("a drain without node_id is dead-lettered") {
    h.apply(drain("c1", "", true, t0));
    REQUIRE(h.dead_letters().size() == 1);
    CHECK(h.dead_letters()[0].rfind("MISSING_NODE_ID", 0) == 0);
  }
  SECTION("a negative report interval is rejected") {
    auto e = summary("c1", t0, {{.node_id = "n1"}});
    e.mutable_edge_summary_reported()->mutable_report_interval()->set_seconds(-5);
    h.apply(e);
    REQUIRE(h.rejections().size() == 1);
    CHECK(h.rejections()[0].rfind("INVALID_REPORT_INTERVAL: ", 0) == 0);
    CHECK(fx::load_snapshot(h.reader(), "c1") == nullptr);
  }
  SECTION("enrolling or draining an edge of a deleted cluster is rejected") {
    h.apply(deleted("c1", t0));
    h.apply(enrolled("c1", "n1", t0 + 1s));
    h.apply(drain("c1", "n1", true, t0 + 2s));
    const auto rej = h.rejections();
    REQUIRE(rej.size() == 2);
    CHECK(rej[0].rfind("CLUSTER_DELETED: ", 0) == 0);
    CHECK(rej[1].rfind("CLUSTER_DELETED: ", 0) == 0);
  }
  SECTION("events of other views are ignored") {
    auto e = envelope(t0);
    e.mutable_tenant_created()->set_tenant_id("t1");
    h.apply(e);
    CHECK(h.store().counters().ignored == 1);
    CHECK(h.store().digest().keys == 0);
  }
}

TEST_CASE("edges view: a summary without reported_at is ordered by occurred_at", "[edges][view]") {
  harness h;
  auto e = summary("c1", t0 + 10s, {{.node_id = "n1"}});
  e.mutable_edge_summary_reported()->clear_reported_at();
  h.apply(e);
  CHECK(fx::load_snapshot(h.reader(), "c1")->reported_at == t0 + 10s);
}

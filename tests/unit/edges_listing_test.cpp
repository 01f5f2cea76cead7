// GET /v1/clusters/{id}/edges: a cluster's edges merged from the latest summary and the cluster
// topic's facts, sorted by node id, stale against `now`.
#include "edges_test_harness.hpp"

using namespace edges_test;

TEST_CASE("edges listing: reported and enrolled edges sorted by node id", "[edges][listing]") {
  harness h;
  h.apply(summary("c1", t0, {{.node_id = "b"}, {.node_id = "a", .draining = true}}));
  h.apply(enrolled("c1", "c", t0, 10, 20));
  h.apply(enrolled("c1", "b", t0));
  h.apply(drain("c1", "b", true, t0, "kernel upgrade"));
  const auto list = fx::cluster_edges(h.reader(), "c1", t0 + 1s);
  REQUIRE(list.has_value());
  REQUIRE(list->total == 3);
  CHECK(list->items[0].edge.node_id == "a");
  CHECK(list->items[0].edge.draining());
  CHECK(list->items[0].edge.drain_reason.empty());
  CHECK_FALSE(list->items[0].stale);
  CHECK(list->items[1].edge.node_id == "b");
  CHECK(list->items[1].edge.enrolled);
  CHECK(list->items[1].edge.reported);
  CHECK(list->items[1].edge.base_url == "https://b.edge.example");  // the summary's URL
  CHECK(list->items[1].edge.drain_reason == "kernel upgrade");
  CHECK(list->items[2].edge.node_id == "c");
  CHECK_FALSE(list->items[2].edge.reported);
  CHECK(list->items[2].stale);  // no metrics reported for it
  CHECK(list->items[2].edge.geo_lon == 20.0);
  CHECK(list->reported_at == t0);
  CHECK(list->stale_at == t0 + 45s);
}

TEST_CASE("edges listing: edges of a stale summary are marked stale", "[edges][listing]") {
  harness h;
  h.apply(summary("c1", t0, {{.node_id = "a"}}, 20s));  // 3 intervals = 60 s
  CHECK_FALSE(fx::cluster_edges(h.reader(), "c1", t0 + 59s)->items[0].stale);
  CHECK_FALSE(fx::cluster_edges(h.reader(), "c1", t0 + 60s)->items[0].stale);
  CHECK(fx::cluster_edges(h.reader(), "c1", t0 + 61s)->items[0].stale);
  CHECK(fx::cluster_edges(h.reader(), "c1", t0 + 61s)->stale);
}

TEST_CASE("edges listing: an unknown cluster has no list", "[edges][listing]") {
  harness h;
  CHECK_FALSE(fx::cluster_edges(h.reader(), "nope", t0).has_value());
}

TEST_CASE("edges listing: JSON of an edge", "[edges][listing]") {
  harness h;
  h.apply(summary("c1", t0, {{.node_id = "a", .lat = 1.5, .lon = -2.5}}));
  const auto list = fx::cluster_edges(h.reader(), "c1", t0 + 50s);
  const auto j = fx::to_json(*list).as_object();
  CHECK(j.at("cluster_id").as_string() == "c1");
  CHECK(j.at("stale").as_bool());
  CHECK(j.at("report_interval_seconds").as_double() == 15.0);
  CHECK(j.at("stale_at").as_string() == "2025-01-01T00:00:45Z");
  const auto& item = j.at("items").as_array().at(0).as_object();
  CHECK(item.at("node_id").as_string() == "a");
  CHECK(item.at("geo").as_object().at("lat").as_double() == 1.5);
  CHECK(item.at("ram_max").as_uint64() == 8 * GiB);
  CHECK(item.at("bw_available_bytes_per_sec").as_uint64() == 625'000'000);
  CHECK(item.at("stale").as_bool());
  CHECK(item.at("drain_reason").is_null());
  CHECK(item.at("roles").as_array().at(0).as_string() == "edge");
}

#pragma once
// The reader without sockets: the three views built in a temp dir by applying events through the
// real applier (each event goes to the views that consume its topic, at the next offset of its
// partition), opened by a view_set as secondary instances, and a service answering requests.
#include <array>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include "fleetledger/events/codec.hpp"
#include "fleetledger/events/envelope.hpp"
#include "fleetledger/projections/applier.hpp"
#include "fleetledger/projections/edges/edges_view.hpp"
#include "fleetledger/projections/fleet/fleet_view.hpp"
#include "fleetledger/projections/marketplace/marketplace_view.hpp"
#include "fleetledger/projections/view_store.hpp"
#include "fleetledger/reader/access.hpp"
#include "fleetledger/reader/service.hpp"
#include "fleetledger/reader/view_set.hpp"
#include "marketplace_test_harness.hpp"
#include "support/temp_dir.hpp"

namespace reader_test {

namespace fe = fleetledger::events;
namespace fp = fleetledger::projections;
namespace fr = fleetledger::reader;
namespace v1 = fleetledger::v1;
namespace mt = marketplace_test;

class views_fixture {
public:
  explicit views_fixture(bool create_views = true) {
    if (create_views) {
      for (std::size_t i = 0; i < fr::view_count; ++i) {
        stores_[i] = fp::view_store::open(dir_.path() / "views" / names_[i]).value();
      }
    }
  }

  [[nodiscard]] fr::view_paths paths() const {
    fr::view_paths p;
    for (std::size_t i = 0; i < fr::view_count; ++i) p.dirs[i] = dir_.path() / "views" / names_[i];
    p.secondary_root = dir_.path() / "reader";
    return p;
  }

  // Appends the event to its topic's partition and applies it to every view that reads the topic.
  // Returns the next offset (Kafka convention) of that partition.
  fe::partition_offset publish(const v1::Envelope& e, int partition = 0) {
    auto r = fe::route(e);
    REQUIRE(r.has_value());
    const fe::topic_partition tp{fe::topic_name(std::string(r->topic)), fe::partition_id(partition)};
    const auto at = next_[tp]++;
    const std::string value = fe::encode(e);
    const std::string key = r->key;
    for (std::size_t i = 0; i < fr::view_count; ++i) {
      bool reads = false;
      for (const auto t : fr::topics_of(static_cast<fr::view_id>(i))) reads = reads || t == r->topic;
      if (!reads || !stores_[i]) continue;
      fp::applier a(*views_[i], *stores_[i]);
      std::vector<fp::dead_letter> dl;
      REQUIRE(a.apply({fp::input_record{tp, fe::offset(at), 0, key, value}}, dl).has_value());
    }
    return {tp, fe::offset(at + 1)};
  }

private:
  fleetledger::testing::temp_dir dir_;
  std::array<std::string, fr::view_count> names_{"fleet", "marketplace", "edges"};
  fleetledger::projections::fleet::fleet_view fleet_;
  fleetledger::projections::marketplace::marketplace_view market_;
  fleetledger::projections::edges::edges_view edges_;
  std::array<fp::view*, fr::view_count> views_{&fleet_, &market_, &edges_};
  std::array<std::unique_ptr<fp::view_store>, fr::view_count> stores_;
  std::map<fe::topic_partition, std::int64_t> next_;
};

struct reply {
  unsigned status{0};
  std::string body;
  std::string offsets;
  bool freshness{false};
  std::int64_t lag_ms{0};
  std::string content_type;
  [[nodiscard]] boost::json::value json() const { return boost::json::parse(body); }
  [[nodiscard]] std::string code() const {
    const auto v = json();
    return std::string(v.at("error").at("code").as_string());
  }
};

// Views + view_set + service. sync() catches the reader up with what publish() wrote.
class reader_fixture : public views_fixture {
public:
  explicit reader_fixture(std::optional<std::string> tokens = std::nullopt, bool create_views = true)
      : views_fixture(create_views), set_(paths()), svc_(set_, load(tokens)) {
    sync();
  }

  void sync() { (void)set_.tick(); }

  reply get(const std::string& target, const std::string& token = {}, const std::string& method = "GET") {
    const std::string auth = token.empty() ? std::string() : "Bearer " + token;
    const auto r = svc_.handle({method, target, auth});
    return {r.status, r.text(), r.offsets, r.freshness, r.lag_ms, std::string(r.content_type)};
  }

  fr::service& svc() { return svc_; }
  fr::view_set& set() { return set_; }

private:
  static std::optional<fr::token_table> load(const std::optional<std::string>& text) {
    if (!text) return std::nullopt;
    return fr::token_table::parse(*text).value();
  }
  fr::view_set set_;
  fr::service svc_;
};

}  // namespace reader_test

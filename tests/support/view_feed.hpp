#pragma once
// A view on a real RocksDB in a temp dir, fed through projections::applier as the projector would:
// each event goes to the topic its payload routes to (or a fallback topic when it cannot be routed,
// e.g. a malformed event without its id), at the next offset of the chosen partition. The view tests'
// harnesses build on it and add their queries.
#include <catch2/catch.hpp>

#include <deque>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "fleetledger/events/codec.hpp"
#include "fleetledger/events/envelope.hpp"
#include "fleetledger/projections/applier.hpp"
#include "fleetledger/projections/key_codec.hpp"
#include "fleetledger/projections/view_store.hpp"
#include "runtime_records.pb.h"
#include "support/temp_dir.hpp"

namespace fleetledger::testing {

template <typename View>
class view_feed {
public:
  explicit view_feed(std::string_view fallback_topic)
      : fallback_topic_(fallback_topic),
        store_(projections::view_store::open(dir_.path() / "view").value()),
        applier_(view_, *store_) {}

  void add(const fleetledger::v1::Envelope& e, int partition = 0) {
    const auto routed = events::route(e);
    const std::string topic(routed.has_value() ? routed->topic : fallback_topic_);
    values_.push_back(events::encode(e));
    keys_.push_back(routed.has_value() ? routed->key : std::string("?"));
    const events::topic_partition tp{events::topic_name(topic), events::partition_id(partition)};
    const auto at = next_offset_[tp]++;
    pending_.push_back({tp, events::offset(at), 0, keys_.back(), values_.back()});
  }
  // Applies everything added since the last flush as one batch.
  void flush() {
    std::vector<projections::dead_letter> dl;
    REQUIRE(applier_.apply(pending_, dl).has_value());
    for (auto& d : dl) dead_letters_.push_back(d.reason);
    pending_.clear();
  }

  [[nodiscard]] const projections::state_reader& reader() const { return store_->reader(); }
  [[nodiscard]] projections::view_store& store() { return *store_; }
  [[nodiscard]] const std::vector<std::string>& dead_letters() const { return dead_letters_; }
  // The rejection records the runtime stored, oldest first.
  [[nodiscard]] std::vector<projections::Rejection> rejection_records() const {
    std::vector<projections::Rejection> out;
    reader().scan(std::string(projections::rejection_prefix) + projections::key_sep,
                  [&](std::string_view, std::string_view v) {
                    projections::Rejection r;
                    REQUIRE(r.ParseFromArray(v.data(), static_cast<int>(v.size())));
                    out.push_back(std::move(r));
                    return true;
                  });
    return out;
  }

private:
  std::string fallback_topic_;
  temp_dir dir_;
  View view_;
  std::unique_ptr<projections::view_store> store_;
  projections::applier applier_;
  std::deque<std::string> values_;  // deques: input_records point into them
  std::deque<std::string> keys_;
  std::vector<projections::input_record> pending_;
  std::map<events::topic_partition, std::int64_t> next_offset_;
  std::vector<std::string> dead_letters_;
};

}  // namespace fleetledger::testing

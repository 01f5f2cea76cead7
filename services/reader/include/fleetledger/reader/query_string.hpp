#pragma once
// Request targets as the reader reads them: the path split into percent-decoded segments, and the
// query string as decoded (name, value) pairs in order. Strict: a '%' not followed by two hex digits
// is an error (the reader answers 400 INVALID_ARGUMENT), '+' in the query means a space. Also the
// offsets format of X-Fleetledger-Offsets and min_offsets: "topic:partition:offset,...".
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fleetledger/events/ids.hpp"
#include "fleetledger/events/result.hpp"

namespace fleetledger::reader {

using query_params = std::vector<std::pair<std::string, std::string>>;

struct parsed_target {
  std::vector<std::string> segments;  // "/v1/clusters/a%2Fb" -> {"v1", "clusters", "a/b"}
  query_params query;
};

// Decodes %XX escapes (and '+' as a space when plus_as_space). nullopt on a malformed escape.
[[nodiscard]] std::optional<std::string> percent_decode(std::string_view text, bool plus_as_space);

// Splits and decodes an origin-form target ("/path?query"). errc::invalid_argument for a target that
// does not start with '/', a bad escape, or a NUL/control character after decoding.
[[nodiscard]] events::result<parsed_target> parse_target(std::string_view target);

// The first value of a parameter, nullptr when absent.
[[nodiscard]] const std::string* find_param(const query_params& query, std::string_view name);

// "fleet.cluster.v1:0:42,fleet.tenant.v1:3:7" -> offsets. Topic: [A-Za-z0-9._-]+, partition and
// offset non-negative integers. An empty text is an empty vector. errc::invalid_argument otherwise.
[[nodiscard]] events::result<events::offset_vector> parse_offsets(std::string_view text);
[[nodiscard]] std::string format_offsets(const events::offset_vector& offsets);

// Strict decimal integer (optional leading '-'), no spaces, no '+'. nullopt when not one.
[[nodiscard]] std::optional<std::int64_t> parse_int(std::string_view text);
// Strict finite decimal number (strtod syntax, whole text). nullopt otherwise.
[[nodiscard]] std::optional<double> parse_double(std::string_view text);

}  // namespace fleetledger::reader

#pragma once
// --auth-tokens FILE: one token per line, "token role [tenant_id]", roles operator, tenant, analyst;
// '#' starts a comment; blank lines are skipped. A tenant token needs its tenant_id.
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "fleetledger/events/result.hpp"

namespace fleetledger::reader {

enum class role { operator_role, tenant, analyst };
[[nodiscard]] std::string_view to_string(role r) noexcept;

// Who is asking. Without --auth-tokens every caller is an anonymous operator.
struct principal {
  role what{role::operator_role};
  std::string tenant_id;  // set for tenant tokens only
  [[nodiscard]] bool is_tenant() const noexcept { return what == role::tenant; }
};

class token_table {
public:
  // errc::invalid_argument "line N: ..." for a bad line (unknown role, missing tenant, duplicate).
  [[nodiscard]] static events::result<token_table> parse(std::string_view text);
  [[nodiscard]] static events::result<token_table> load(const std::filesystem::path& file);

  [[nodiscard]] const principal* find(std::string_view token) const;
  [[nodiscard]] std::size_t size() const noexcept { return tokens_.size(); }

  // The principal of an Authorization header value ("Bearer <token>", scheme in any case).
  [[nodiscard]] const principal* authenticate(std::string_view authorization) const;

private:
  std::unordered_map<std::string, principal> tokens_;
};

}  // namespace fleetledger::reader

#include "fleetledger/reader/access.hpp"

#include <fstream>
#include <sstream>
#include <vector>

namespace fleetledger::reader {

namespace fe = fleetledger::events;

std::string_view to_string(role r) noexcept {
  switch (r) {
    case role::operator_role: return "operator";
    case role::tenant: return "tenant";
    case role::analyst: return "analyst";
  }
  return "unknown";
}

fe::result<token_table> token_table::parse(std::string_view text) {
  token_table table;
  int line_no = 0;
  while (!text.empty()) {
    ++line_no;
    const auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    if (const auto hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    std::vector<std::string_view> words;
    std::size_t i = 0;
    while (i < line.size()) {
      while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
      const auto start = i;
      while (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != '\r') ++i;
      if (i > start) words.push_back(line.substr(start, i - start));
    }
    if (words.empty()) continue;
    const auto bad = [&](const std::string& why) {
      return fe::make_error(fe::errc::invalid_argument, "line " + std::to_string(line_no) + ": " + why);
    };
    if (words.size() < 2 || words.size() > 3) return bad("expected 'token role [tenant_id]'");
    principal p;
    if (words[1] == "operator") {
      p.what = role::operator_role;
    } else if (words[1] == "tenant") {
      p.what = role::tenant;
    } else if (words[1] == "analyst") {
      p.what = role::analyst;
    } else {
      return bad("unknown role '" + std::string(words[1]) + "' (operator, tenant or analyst)");
    }
    if (p.what == role::tenant) {
      if (words.size() != 3) return bad("a tenant token needs a tenant_id");
      p.tenant_id = std::string(words[2]);
    } else if (words.size() == 3) {
      return bad("only tenant tokens take a tenant_id");
    }
    if (!table.tokens_.emplace(std::string(words[0]), std::move(p)).second) return bad("duplicate token");
  }
  return table;
}

fe::result<token_table> token_table::load(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return fe::make_error(fe::errc::io_error, "cannot read " + file.string());
  std::ostringstream s;
  s << in.rdbuf();
  return parse(s.str());
}

const principal* token_table::find(std::string_view token) const {
  const auto it = tokens_.find(std::string(token));
  return it == tokens_.end() ? nullptr : &it->second;
}

const principal* token_table::authenticate(std::string_view authorization) const {
  constexpr std::string_view scheme = "bearer ";
  if (authorization.size() <= scheme.size()) return nullptr;
  for (std::size_t i = 0; i < scheme.size(); ++i) {
    const char c = authorization[i];
    const char lower = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    if (lower != scheme[i]) return nullptr;
  }
  auto token = authorization.substr(scheme.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && (token.back() == ' ' || token.back() == '\t')) token.remove_suffix(1);
  if (token.empty()) return nullptr;
  return find(token);
}

}  // namespace fleetledger::reader

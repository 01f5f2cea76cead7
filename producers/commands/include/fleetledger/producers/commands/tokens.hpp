#pragma once
// Secrets the write side generates (invite and bootstrap tokens) and the hashes it publishes instead
// of them. OpenSSL's libcrypto (RAND_bytes, SHA-256); tokens are printed once and never published.
#include <cstddef>
#include <string>
#include <string_view>

#include "fleetledger/events/result.hpp"

namespace fleetledger::producers {

// bytes random bytes from OpenSSL's CSPRNG, as lower-case hex (2*bytes characters).
[[nodiscard]] events::result<std::string> random_token_hex(std::size_t bytes = 32);

// Lower-case hex SHA-256 of data (64 characters).
[[nodiscard]] std::string sha256_hex(std::string_view data);

}  // namespace fleetledger::producers

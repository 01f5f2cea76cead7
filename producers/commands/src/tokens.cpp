#include "fleetledger/producers/commands/tokens.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <vector>

namespace fleetledger::producers {
namespace {
std::string to_hex(const unsigned char* p, std::size_t n) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out(n * 2, '0');
  for (std::size_t i = 0; i < n; ++i) {
    out[2 * i] = digits[p[i] >> 4];
    out[2 * i + 1] = digits[p[i] & 0x0F];
  }
  return out;
}
}  // namespace

events::result<std::string> random_token_hex(std::size_t bytes) {
  std::vector<unsigned char> buf(bytes);
  if (bytes == 0 || RAND_bytes(buf.data(), static_cast<int>(bytes)) != 1) {
    return events::make_error(events::errc::internal, "OpenSSL RAND_bytes failed");
  }
  return to_hex(buf.data(), buf.size());
}

std::string sha256_hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr) != 1) return {};
  return to_hex(md, len);
}

}  // namespace fleetledger::producers

// Envelope encryption with OpenSSL EVP: AES-256-GCM for both the data-key wrap and the secret seal.
#include "fleetledger/producers/credentials/key_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <sstream>

namespace fleetledger::producers::credentials {
namespace {

using fleetledger::events::errc;
using fleetledger::events::make_error;
namespace fs = std::filesystem;

constexpr std::size_t key_size = 32;
constexpr std::size_t nonce_size = 12;
constexpr std::size_t tag_size = 16;
constexpr std::string_view wrap_domain = "fleetledger.data-key.v1";
constexpr std::string_view seal_domain = "fleetledger.secret.v1";

struct cipher_ctx_deleter {
  void operator()(EVP_CIPHER_CTX* c) const noexcept { EVP_CIPHER_CTX_free(c); }
};
using cipher_ctx_ptr = std::unique_ptr<EVP_CIPHER_CTX, cipher_ctx_deleter>;

// Secret bytes that are wiped when they go out of scope.
struct secret_bytes {
  std::array<std::uint8_t, key_size> b{};
  ~secret_bytes() { OPENSSL_cleanse(b.data(), b.size()); }
};

std::string to_hex(const std::uint8_t* p, std::size_t n) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(digits[p[i] >> 4]);
    out.push_back(digits[p[i] & 0xf]);
  }
  return out;
}
std::string to_hex(std::string_view s) {
  return to_hex(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool from_hex(std::string_view hex, std::string& out) {
  if (hex.size() % 2 != 0) return false;
  out.clear();
  out.reserve(hex.size() / 2);
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    const int hi = hex_value(hex[i]);
    const int lo = hex_value(hex[i + 1]);
    if (hi < 0 || lo < 0) return false;
    out.push_back(static_cast<char>((hi << 4) | lo));
  }
  return true;
}

std::string random_bytes(std::size_t n) {
  std::string out(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1) {
    // A CSPRNG failure is not something to continue past: no weak keys or nonces.
    std::abort();
  }
  return out;
}

const unsigned char* u(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

std::string aad_for(std::string_view domain, std::string_view cluster_id, std::string_view data_key_id) {
  std::string aad;
  aad.reserve(domain.size() + cluster_id.size() + data_key_id.size() + 2);
  aad.append(domain).push_back('\0');
  aad.append(cluster_id).push_back('\0');
  aad.append(data_key_id);
  return aad;
}

struct gcm_output {
  std::string nonce, ciphertext, tag;
};

// AES-256-GCM encrypt with a fresh random nonce.
result<gcm_output> gcm_encrypt(const std::uint8_t* key, std::string_view aad, std::string_view plaintext) {
  gcm_output out;
  out.nonce = random_bytes(nonce_size);
  out.ciphertext.resize(plaintext.size());
  out.tag.resize(tag_size);
  cipher_ctx_ptr ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  if (!ctx || EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(nonce_size), nullptr) != 1 ||
      EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, key, u(out.nonce)) != 1 ||
      EVP_EncryptUpdate(ctx.get(), nullptr, &len, u(aad), static_cast<int>(aad.size())) != 1) {
    return make_error(errc::internal, "AES-256-GCM encryption setup failed");
  }
  if (!plaintext.empty() &&
      EVP_EncryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(out.ciphertext.data()), &len,
                        u(plaintext), static_cast<int>(plaintext.size())) != 1) {
    return make_error(errc::internal, "AES-256-GCM encryption failed");
  }
  int final_len = 0;
  if (EVP_EncryptFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(out.ciphertext.data()) + len,
                          &final_len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(tag_size), out.tag.data()) != 1) {
    return make_error(errc::internal, "AES-256-GCM finalisation failed");
  }
  return out;
}

// AES-256-GCM decrypt; false when the tag does not authenticate (tampered data, wrong key or AAD).
bool gcm_decrypt(const std::uint8_t* key, std::string_view aad, std::string_view nonce,
                 std::string_view ciphertext, std::string_view tag, std::string& plaintext) {
  if (nonce.size() != nonce_size || tag.size() != tag_size) return false;
  cipher_ctx_ptr ctx(EVP_CIPHER_CTX_new());
  plaintext.assign(ciphertext.size(), '\0');
  int len = 0;
  if (!ctx || EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(nonce_size), nullptr) != 1 ||
      EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, key, u(nonce)) != 1 ||
      EVP_DecryptUpdate(ctx.get(), nullptr, &len, u(aad), static_cast<int>(aad.size())) != 1) {
    return false;
  }
  if (!ciphertext.empty() &&
      EVP_DecryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(plaintext.data()), &len, u(ciphertext),
                        static_cast<int>(ciphertext.size())) != 1) {
    return false;
  }
  std::string tag_copy(tag);
  if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(tag_size), tag_copy.data()) != 1) {
    return false;
  }
  int final_len = 0;
  if (EVP_DecryptFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(plaintext.data()) + len, &final_len) != 1) {
    OPENSSL_cleanse(plaintext.data(), plaintext.size());
    plaintext.clear();
    return false;
  }
  return true;
}

std::string errno_text() { return std::strerror(errno); }

result<void> fsync_directory(const fs::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return make_error(errc::io_error, "cannot open " + dir.string() + ": " + errno_text());
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return make_error(errc::io_error, "fsync " + dir.string() + ": " + errno_text());
  return {};
}

// Writes content to a temp file in dir with mode 0600 and fsyncs it; returns its path.
result<fs::path> write_temp(const fs::path& dir, std::string_view content) {
  fs::path tmp = dir / (".tmp-" + to_hex(random_bytes(8)));
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return make_error(errc::io_error, "cannot create " + tmp.string() + ": " + errno_text());
  std::size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      const std::string why = errno_text();
      ::close(fd);
      ::unlink(tmp.c_str());
      return make_error(errc::io_error, "write " + tmp.string() + ": " + why);
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    const std::string why = errno_text();
    ::close(fd);
    ::unlink(tmp.c_str());
    return make_error(errc::io_error, "fsync " + tmp.string() + ": " + why);
  }
  ::close(fd);
  return tmp;
}

bool read_whole(const fs::path& file, std::string& out) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return true;
}

// The wrapped data key as stored on disk: one line per field, hex-encoded.
struct wrapped_key {
  std::string data_key_id, nonce, ciphertext, tag;
};

std::string serialize(const wrapped_key& w) {
  return "fleetledger-wrapped-data-key v1\n" + w.data_key_id + "\n" + to_hex(w.nonce) + "\n" +
         to_hex(w.ciphertext) + "\n" + to_hex(w.tag) + "\n";
}

bool parse(std::string_view text, wrapped_key& w) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    lines.push_back(text.substr(0, nl));
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  if (lines.size() < 5 || lines[0] != "fleetledger-wrapped-data-key v1") return false;
  w.data_key_id = std::string(lines[1]);
  return !w.data_key_id.empty() && from_hex(lines[2], w.nonce) && from_hex(lines[3], w.ciphertext) &&
         from_hex(lines[4], w.tag);
}

}  // namespace

// ---------------------------------------------------------------------------------------------------
// master_key

master_key::~master_key() { OPENSSL_cleanse(bytes_.data(), bytes_.size()); }

result<master_key> master_key::from_text(std::string_view content) {
  master_key key;
  if (content.size() == size) {
    std::memcpy(key.bytes_.data(), content.data(), size);
    return key;
  }
  std::string_view trimmed = content;
  while (!trimmed.empty() && std::isspace(static_cast<unsigned char>(trimmed.front()))) trimmed.remove_prefix(1);
  while (!trimmed.empty() && std::isspace(static_cast<unsigned char>(trimmed.back()))) trimmed.remove_suffix(1);
  if (trimmed.size() != size * 2) {
    return make_error(errc::invalid_argument,
                      "master key must be 64 hex characters or 32 raw bytes, got " +
                          std::to_string(content.size()) + " bytes");
  }
  std::string raw;
  if (!from_hex(trimmed, raw)) {
    return make_error(errc::invalid_argument, "master key has 64 characters but they are not all hex digits");
  }
  std::memcpy(key.bytes_.data(), raw.data(), size);
  OPENSSL_cleanse(raw.data(), raw.size());
  return key;
}

result<master_key> master_key::from_file(const std::filesystem::path& file, std::string* warning) {
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) {
    return make_error(errc::io_error, "cannot read master key file " + file.string() + ": " + errno_text());
  }
  if (!S_ISREG(st.st_mode)) {
    return make_error(errc::invalid_argument, "master key file " + file.string() + " is not a regular file");
  }
  if (warning != nullptr) {
    warning->clear();
    if ((st.st_mode & 0077) != 0) {
      char mode[8];
      std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
      *warning = "master key file " + file.string() + " has mode " + mode +
                 ", wider than 0600: other users may read it (chmod 600)";
    }
  }
  std::string content;
  if (!read_whole(file, content)) {
    return make_error(errc::io_error, "cannot read master key file " + file.string() + ": " + errno_text());
  }
  auto key = from_text(content);
  OPENSSL_cleanse(content.data(), content.size());
  if (!key) return make_error(key.err().code, "master key file " + file.string() + ": " + key.err().message);
  return key;
}

master_key master_key::generate() {
  master_key key;
  if (RAND_bytes(key.bytes_.data(), static_cast<int>(size)) != 1) std::abort();
  return key;
}

std::string master_key::to_hex() const { return credentials::to_hex(bytes_.data(), bytes_.size()); }

// ---------------------------------------------------------------------------------------------------
// key_store

struct key_store::impl {
  impl(fs::path d, master_key m) : dir(std::move(d)), master(std::move(m)) {}
  fs::path dir;
  master_key master;
  mutable std::mutex mu;  // serialises creation/destruction within the process

  fs::path key_file(std::string_view cluster_id) const { return dir / (to_hex(cluster_id) + ".key"); }
  fs::path shred_file(std::string_view cluster_id) const { return dir / (to_hex(cluster_id) + ".destroyed"); }

  // Reads the cluster's wrapped key; not_found when it has none.
  result<wrapped_key> read_wrapped(std::string_view cluster_id) const {
    std::string text;
    const fs::path file = key_file(cluster_id);
    if (!read_whole(file, text)) {
      if (errno == ENOENT || !fs::exists(file)) {
        return make_error(errc::not_found, "cluster " + std::string(cluster_id) + " has no data key");
      }
      return make_error(errc::io_error, "cannot read " + file.string() + ": " + errno_text());
    }
    wrapped_key w;
    if (!parse(text, w)) {
      return make_error(errc::decode_failed, "key-store file " + file.string() + " is corrupt");
    }
    return w;
  }

  result<void> unwrap(std::string_view cluster_id, const wrapped_key& w, secret_bytes& out) const {
    std::string raw;
    if (!gcm_decrypt(master.bytes().data(), aad_for(wrap_domain, cluster_id, w.data_key_id), w.nonce,
                     w.ciphertext, w.tag, raw) ||
        raw.size() != key_size) {
      return make_error(errc::invalid_argument,
                        "cannot unwrap data key " + w.data_key_id + " of cluster " + std::string(cluster_id) +
                            ": wrong master key or corrupted key store");
    }
    std::memcpy(out.b.data(), raw.data(), key_size);
    OPENSSL_cleanse(raw.data(), raw.size());
    return {};
  }

  bool was_destroyed(std::string_view cluster_id, std::string_view data_key_id) const {
    std::string text;
    if (!read_whole(shred_file(cluster_id), text)) return false;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
      if (line == data_key_id) return true;
    }
    return false;
  }

  // Creates a data key for the cluster unless one appeared meanwhile (another process); either way
  // returns the cluster's key. Uses link(2) so two creators never overwrite each other.
  result<wrapped_key> create(std::string_view cluster_id) {
    secret_bytes data_key;
    const std::string raw = random_bytes(key_size);
    std::memcpy(data_key.b.data(), raw.data(), key_size);
    wrapped_key w;
    w.data_key_id = "dk-" + to_hex(random_bytes(12));
    auto enc = gcm_encrypt(master.bytes().data(), aad_for(wrap_domain, cluster_id, w.data_key_id),
                           std::string_view(reinterpret_cast<const char*>(data_key.b.data()), key_size));
    std::string raw_copy = raw;
    OPENSSL_cleanse(raw_copy.data(), raw_copy.size());
    if (!enc) return enc.err();
    w.nonce = std::move(enc->nonce);
    w.ciphertext = std::move(enc->ciphertext);
    w.tag = std::move(enc->tag);
    auto tmp = write_temp(dir, serialize(w));
    if (!tmp) return tmp.err();
    const fs::path file = key_file(cluster_id);
    const int rc = ::link(tmp->c_str(), file.c_str());
    const int link_errno = errno;
    ::unlink(tmp->c_str());
    if (rc != 0) {
      if (link_errno == EEXIST) return read_wrapped(cluster_id);  // lost a race: use the winner's key
      errno = link_errno;
      return make_error(errc::io_error, "cannot create " + file.string() + ": " + errno_text());
    }
    if (auto s = fsync_directory(dir); !s) return s.err();
    return w;
  }
};

key_store::key_store(std::unique_ptr<impl> p) : impl_(std::move(p)) {}
key_store::key_store(key_store&&) noexcept = default;
key_store& key_store::operator=(key_store&&) noexcept = default;
key_store::~key_store() = default;

const std::filesystem::path& key_store::directory() const noexcept { return impl_->dir; }

result<key_store> key_store::load(std::filesystem::path directory, master_key key) {
  std::error_code ec;
  fs::create_directories(directory, ec);
  if (ec) {
    return make_error(errc::io_error, "cannot create key store " + directory.string() + ": " + ec.message());
  }
  ::chmod(directory.c_str(), 0700);
  if (!fs::is_directory(directory, ec)) {
    return make_error(errc::invalid_argument, "key store " + directory.string() + " is not a directory");
  }
  auto p = std::make_unique<impl>(std::move(directory), std::move(key));
  return key_store(std::move(p));
}

result<fleetledger::v1::SealedSecret> key_store::seal(std::string_view cluster_id, std::string_view plaintext) {
  if (cluster_id.empty()) return make_error(errc::invalid_argument, "seal: cluster id is empty");
  std::lock_guard lock(impl_->mu);
  auto w = impl_->read_wrapped(cluster_id);
  if (!w && w.err().code == errc::not_found) w = impl_->create(cluster_id);
  if (!w) return w.err();
  secret_bytes data_key;
  if (auto s = impl_->unwrap(cluster_id, *w, data_key); !s) return s.err();
  auto enc = gcm_encrypt(data_key.b.data(), aad_for(seal_domain, cluster_id, w->data_key_id), plaintext);
  if (!enc) return enc.err();
  fleetledger::v1::SealedSecret sealed;
  sealed.set_algorithm(std::string(algorithm_name));
  sealed.set_data_key_id(w->data_key_id);
  sealed.set_nonce(std::move(enc->nonce));
  sealed.set_ciphertext(std::move(enc->ciphertext));
  sealed.set_tag(std::move(enc->tag));
  return sealed;
}

result<std::string> key_store::open(std::string_view cluster_id, const fleetledger::v1::SealedSecret& sealed) const {
  if (sealed.algorithm() != algorithm_name) {
    return make_error(errc::invalid_argument,
                      "sealed secret uses algorithm '" + sealed.algorithm() + "', expected AES-256-GCM");
  }
  if (sealed.nonce().size() != nonce_size || sealed.tag().size() != tag_size) {
    return make_error(errc::invalid_argument, "sealed secret needs a 12-byte nonce and a 16-byte tag");
  }
  const std::string cid(cluster_id);
  auto w = impl_->read_wrapped(cluster_id);
  if (!w && w.err().code != errc::not_found) return w.err();
  if (!w || w->data_key_id != sealed.data_key_id()) {
    if (impl_->was_destroyed(cluster_id, sealed.data_key_id())) {
      return make_error(errc::not_found, "data key " + sealed.data_key_id() + " of cluster " + cid +
                                             " was destroyed (crypto-shredded): the secret cannot be recovered");
    }
    return make_error(errc::not_found,
                      "data key " + sealed.data_key_id() + " of cluster " + cid + " is not in the key store " +
                          impl_->dir.string());
  }
  secret_bytes data_key;
  if (auto s = impl_->unwrap(cluster_id, *w, data_key); !s) return s.err();
  std::string plaintext;
  if (!gcm_decrypt(data_key.b.data(), aad_for(seal_domain, cluster_id, w->data_key_id), sealed.nonce(),
                   sealed.ciphertext(), sealed.tag(), plaintext)) {
    return make_error(errc::decode_failed, "sealed secret of cluster " + cid +
                                               " does not authenticate (tampered, or sealed for another cluster)");
  }
  return plaintext;
}

result<void> key_store::destroy(std::string_view cluster_id) {
  std::lock_guard lock(impl_->mu);
  auto w = impl_->read_wrapped(cluster_id);
  if (!w) {
    if (w.err().code == errc::not_found) return {};
    if (w.err().code != errc::decode_failed) return w.err();
  }
  if (w) {
    // Record the id first (no key material) so open() can explain, then remove the key.
    std::string ids;
    (void)read_whole(impl_->shred_file(cluster_id), ids);
    ids += w->data_key_id + "\n";
    auto tmp = write_temp(impl_->dir, ids);
    if (!tmp) return tmp.err();
    if (std::rename(tmp->c_str(), impl_->shred_file(cluster_id).c_str()) != 0) {
      const std::string why = errno_text();
      ::unlink(tmp->c_str());
      return make_error(errc::io_error, "cannot record destroyed key: " + why);
    }
  }
  const fs::path file = impl_->key_file(cluster_id);
  if (::unlink(file.c_str()) != 0 && errno != ENOENT) {
    return make_error(errc::io_error, "cannot delete " + file.string() + ": " + errno_text());
  }
  return fsync_directory(impl_->dir);
}

result<std::string> key_store::data_key_id(std::string_view cluster_id) const {
  auto w = impl_->read_wrapped(cluster_id);
  if (!w) {
    if (w.err().code == errc::not_found) return std::string();
    return w.err();
  }
  return w->data_key_id;
}

std::string fingerprint(std::string_view plaintext) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(plaintext.data(), plaintext.size(), digest, &len, EVP_sha256(), nullptr) != 1) std::abort();
  return to_hex(digest, len);
}

std::filesystem::path default_key_store_directory(const std::filesystem::path& data_dir) {
  return data_dir / "keys";
}

result<key_store> open_configured(const std::string& master_key_file, const std::string& key_store_dir,
                                  const std::filesystem::path& data_dir, std::string* warning) {
  std::string key_file = master_key_file;
  if (key_file.empty()) {
    if (const char* env = std::getenv(std::string(master_key_file_env).c_str()); env != nullptr) key_file = env;
  }
  if (key_file.empty()) {
    return make_error(errc::invalid_argument,
                      "no master key: pass --master-key-file or set FLEETLEDGER_MASTER_KEY_FILE");
  }
  auto key = master_key::from_file(key_file, warning);
  if (!key) return key.err();
  std::string dir = key_store_dir;
  if (dir.empty()) {
    if (const char* env = std::getenv(std::string(key_store_env).c_str()); env != nullptr) dir = env;
  }
  const fs::path directory = dir.empty() ? default_key_store_directory(data_dir) : fs::path(dir);
  return key_store::load(directory, std::move(*key));
}

}  // namespace fleetledger::producers::credentials

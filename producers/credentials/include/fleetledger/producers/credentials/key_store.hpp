#pragma once
// Envelope encryption for cluster credentials (DESIGN.md section 3, docs/CREDENTIALS.md).
//
// - The master key (32 bytes) is read from a file (FLEETLEDGER_MASTER_KEY_FILE / --master-key-file) and
//   never leaves the process: it only wraps data keys.
// - Each cluster has a random 32-byte data key, stored WRAPPED by the master key (AES-256-GCM,
//   AAD = cluster id + data key id) in a key store outside Kafka: a directory of small files, one per
//   cluster, written atomically and fsynced (default <data-dir>/keys/).
// - seal() encrypts a secret with the cluster's data key (AES-256-GCM, 12-byte random nonce, 16-byte tag,
//   AAD = cluster id + data key id) into a fleetledger.v1.SealedSecret, the only form that goes to Kafka.
// - destroy() deletes the wrapped data key durably (crypto-shredding): every SealedSecret ever sealed
//   with it, including copies in Kafka history and archives, can no longer be opened.
//
// All crypto is OpenSSL libcrypto (EVP); nothing is hand-written. Thread-safe: one key_store may be used
// from several threads; several processes may share a key-store directory (writes are atomic renames).
#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "fleetledger/events/result.hpp"
#include "fleetledger/v1/cluster.pb.h"

namespace fleetledger::producers::credentials {

template <typename T>
using result = fleetledger::events::result<T>;

// The environment variable naming the master key file, and the default key-store folder under the data dir.
inline constexpr std::string_view master_key_file_env = "FLEETLEDGER_MASTER_KEY_FILE";
inline constexpr std::string_view key_store_env = "FLEETLEDGER_KEY_STORE";
inline constexpr std::string_view algorithm_name = "AES-256-GCM";

// 32 secret bytes. Wiped from memory on destruction.
class master_key {
public:
  static constexpr std::size_t size = 32;

  // From a file holding 64 hex characters (surrounding whitespace ignored) or exactly 32 raw bytes.
  // Errors (invalid_argument / io_error) name the file and what is wrong (missing, wrong size, bad hex).
  // A file readable by group/others (mode wider than 0600) is accepted with a warning put in *warning
  // (when given) so the caller can log it.
  [[nodiscard]] static result<master_key> from_file(const std::filesystem::path& file,
                                                    std::string* warning = nullptr);
  // From 64 hex characters or 32 raw bytes in memory.
  [[nodiscard]] static result<master_key> from_text(std::string_view content);
  // A fresh random key (tests, `fleetctl`-style key generation).
  [[nodiscard]] static master_key generate();
  // 64 lower-case hex characters: what a master key file should contain.
  [[nodiscard]] std::string to_hex() const;

  master_key(const master_key&) = default;
  master_key& operator=(const master_key&) = default;
  master_key(master_key&&) noexcept = default;
  master_key& operator=(master_key&&) noexcept = default;
  ~master_key();

  [[nodiscard]] const std::array<std::uint8_t, size>& bytes() const noexcept { return bytes_; }

private:
  master_key() = default;
  std::array<std::uint8_t, size> bytes_{};
};

class key_store {
public:
  // Opens (creating if needed, mode 0700) the key-store directory. Does not read any key yet.
  [[nodiscard]] static result<key_store> load(std::filesystem::path directory, master_key key);

  // Encrypts plaintext for cluster_id, creating the cluster's data key first if it has none (or if its
  // previous one was destroyed). cluster_id must be non-empty.
  [[nodiscard]] result<fleetledger::v1::SealedSecret> seal(std::string_view cluster_id,
                                                           std::string_view plaintext);

  // Decrypts a SealedSecret of cluster_id. Errors: not_found with
  // "data key <id> of cluster <c> was destroyed (crypto-shredded)" after destroy(); decode_failed when the
  // ciphertext, tag, nonce or AAD (another cluster) do not authenticate; invalid_argument when the
  // data key cannot be unwrapped (wrong master key) or the SealedSecret is malformed.
  [[nodiscard]] result<std::string> open(std::string_view cluster_id,
                                         const fleetledger::v1::SealedSecret& sealed) const;

  // Crypto-shredding: deletes the cluster's wrapped data key durably (unlink + directory fsync) and
  // records its id as destroyed (ids only, no key material), so open() explains the failure. Destroying
  // a cluster without a data key succeeds (idempotent).
  [[nodiscard]] result<void> destroy(std::string_view cluster_id);

  // Whether the cluster currently has a data key, and its id ("" when none).
  [[nodiscard]] result<std::string> data_key_id(std::string_view cluster_id) const;

  [[nodiscard]] const std::filesystem::path& directory() const noexcept;

  key_store(key_store&&) noexcept;
  key_store& operator=(key_store&&) noexcept;
  ~key_store();

private:
  struct impl;
  explicit key_store(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

// Lower-case hex SHA-256 of the plaintext secret (the `fingerprint` field).
[[nodiscard]] std::string fingerprint(std::string_view plaintext);

// The default key-store directory for a data dir: <data_dir>/keys.
[[nodiscard]] std::filesystem::path default_key_store_directory(const std::filesystem::path& data_dir);

// Opens the key store a binary is configured for: master key from master_key_file (if empty, from
// $FLEETLEDGER_MASTER_KEY_FILE; error if neither), directory key_store_dir (if empty, $FLEETLEDGER_KEY_STORE,
// else <data_dir>/keys). A permissions warning is returned in *warning.
[[nodiscard]] result<key_store> open_configured(const std::string& master_key_file,
                                                const std::string& key_store_dir,
                                                const std::filesystem::path& data_dir,
                                                std::string* warning = nullptr);

}  // namespace fleetledger::producers::credentials

// The credentials library: AES-256-GCM envelope encryption, key store, crypto-shredding, fingerprints.
#include <sys/stat.h>

#include <catch2/catch.hpp>

#include <fstream>

#include "fleetledger/producers/credentials/key_store.hpp"
#include "support/temp_dir.hpp"

namespace cred = fleetledger::producers::credentials;
using fleetledger::testing::temp_dir;

namespace {

cred::key_store make_store(const temp_dir& dir, const cred::master_key& key) {
  auto store = cred::key_store::load(dir.path() / "keys", key);
  REQUIRE(store.has_value());
  return std::move(store).value();
}

void write_file(const std::string& path, const std::string& content, mode_t mode) {
  std::ofstream(path, std::ios::binary) << content;
  ::chmod(path.c_str(), mode);
}

}  // namespace

TEST_CASE("credentials seal then open round-trips the secret", "[credentials]") {
  temp_dir dir;
  auto store = make_store(dir, cred::master_key::generate());
  const std::string secret = "apiVersion: v1\nkind: Config\nusers:\n- user:\n    token: s3cr3t-token\n";
  auto sealed = store.seal("cluster-1", secret);
  REQUIRE(sealed.has_value());
  CHECK(sealed->algorithm() == "AES-256-GCM");
  CHECK(sealed->nonce().size() == 12);
  CHECK(sealed->tag().size() == 16);
  CHECK(sealed->ciphertext().size() == secret.size());
  CHECK(sealed->ciphertext().find("s3cr3t") == std::string::npos);
  auto opened = store.open("cluster-1", *sealed);
  REQUIRE(opened.has_value());
  CHECK(*opened == secret);
}

TEST_CASE("credentials reuse one data key per cluster with fresh nonces", "[credentials]") {
  temp_dir dir;
  auto store = make_store(dir, cred::master_key::generate());
  auto a = store.seal("c1", "same");
  auto b = store.seal("c1", "same");
  auto c = store.seal("c2", "same");
  REQUIRE((a && b && c));
  CHECK(a->data_key_id() == b->data_key_id());
  CHECK(a->data_key_id() != c->data_key_id());
  CHECK(a->nonce() != b->nonce());
  CHECK(a->ciphertext() != b->ciphertext());
}

TEST_CASE("credentials refuse a tampered ciphertext or tag or nonce", "[credentials]") {
  temp_dir dir;
  auto store = make_store(dir, cred::master_key::generate());
  auto sealed = store.seal("c1", "top secret token");
  REQUIRE(sealed.has_value());
  SECTION("ciphertext") {
    auto t = *sealed;
    t.mutable_ciphertext()->at(0) ^= 0x01;
    auto r = store.open("c1", t);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.err().message.find("does not authenticate") != std::string::npos);
  }
  SECTION("tag") {
    auto t = *sealed;
    t.mutable_tag()->at(15) ^= 0x80;
    CHECK_FALSE(store.open("c1", t).has_value());
  }
  SECTION("nonce") {
    auto t = *sealed;
    t.mutable_nonce()->at(3) ^= 0x10;
    CHECK_FALSE(store.open("c1", t).has_value());
  }
  SECTION("truncated tag") {
    auto t = *sealed;
    t.mutable_tag()->resize(8);
    CHECK_FALSE(store.open("c1", t).has_value());
  }
}

TEST_CASE("credentials bind the cluster id as associated data", "[credentials]") {
  temp_dir dir;
  auto store = make_store(dir, cred::master_key::generate());
  auto s1 = store.seal("c1", "secret-of-c1");
  auto s2 = store.seal("c2", "secret-of-c2");
  REQUIRE((s1 && s2));
  // Opening c1's secret as c2 fails: c2 has another data key id.
  CHECK_FALSE(store.open("c2", *s1).has_value());
  // Even when the data key id is swapped in, the AAD (cluster id) does not match.
  auto forged = *s1;
  forged.set_data_key_id(s2->data_key_id());
  CHECK_FALSE(store.open("c2", forged).has_value());
}

TEST_CASE("credentials cannot be opened with another master key", "[credentials]") {
  temp_dir dir;
  std::string sealed_bytes;
  {
    auto store = make_store(dir, cred::master_key::generate());
    auto sealed = store.seal("c1", "token-abc");
    REQUIRE(sealed.has_value());
    sealed_bytes = sealed->SerializeAsString();
  }
  auto other = make_store(dir, cred::master_key::generate());
  fleetledger::v1::SealedSecret sealed;
  REQUIRE(sealed.ParseFromString(sealed_bytes));
  auto r = other.open("c1", sealed);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.err().message.find("wrong master key") != std::string::npos);
}

TEST_CASE("credentials destroy makes old sealed secrets undecryptable", "[credentials]") {
  temp_dir dir;
  const auto key = cred::master_key::generate();
  auto store = make_store(dir, key);
  auto sealed = store.seal("c1", "token-before-shredding");
  REQUIRE(sealed.has_value());
  auto id = store.data_key_id("c1");
  REQUIRE(id.has_value());
  CHECK(*id == sealed->data_key_id());
  REQUIRE(store.destroy("c1").has_value());
  auto after = store.data_key_id("c1");
  REQUIRE(after.has_value());
  CHECK(after->empty());

  // A fresh store over the same directory (another process, a restart) cannot open it either.
  auto reopened = make_store(dir, key);
  auto r = reopened.open("c1", *sealed);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.err().message.find("was destroyed (crypto-shredded)") != std::string::npos);
  CHECK(r.err().message.find(sealed->data_key_id()) != std::string::npos);

  // Sealing again creates a new data key; the old secret stays unreadable.
  auto fresh = reopened.seal("c1", "new-token");
  REQUIRE(fresh.has_value());
  CHECK(fresh->data_key_id() != sealed->data_key_id());
  CHECK(*reopened.open("c1", *fresh) == "new-token");
  CHECK_FALSE(reopened.open("c1", *sealed).has_value());
  // Destroying a cluster without a key is fine.
  CHECK(reopened.destroy("never-seen").has_value());
}

TEST_CASE("credentials key store files hold no plaintext data key or secret", "[credentials]") {
  temp_dir dir;
  auto store = make_store(dir, cred::master_key::generate());
  const std::string secret = "PLAINTEXT-MARKER-0123456789";
  REQUIRE(store.seal("c1", secret).has_value());
  for (const auto& entry : std::filesystem::directory_iterator(store.directory())) {
    std::ifstream in(entry.path(), std::ios::binary);
    std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    CHECK(content.find(secret) == std::string::npos);
    struct stat st {};
    REQUIRE(::stat(entry.path().c_str(), &st) == 0);
    CHECK((st.st_mode & 0077) == 0);
  }
}

TEST_CASE("credentials fingerprint is lower-case hex SHA-256", "[credentials]") {
  CHECK(cred::fingerprint("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(cred::fingerprint("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("credentials master key file accepts hex or raw bytes and rejects other sizes", "[credentials]") {
  temp_dir dir;
  const auto key = cred::master_key::generate();
  write_file(dir.file("hex"), key.to_hex() + "\n", 0600);
  std::string warning;
  auto from_hex = cred::master_key::from_file(dir.file("hex"), &warning);
  REQUIRE(from_hex.has_value());
  CHECK(from_hex->bytes() == key.bytes());
  CHECK(warning.empty());

  const auto& b = key.bytes();
  write_file(dir.file("raw"), std::string(reinterpret_cast<const char*>(b.data()), b.size()), 0600);
  auto from_raw = cred::master_key::from_file(dir.file("raw"));
  REQUIRE(from_raw.has_value());
  CHECK(from_raw->bytes() == key.bytes());

  write_file(dir.file("short"), "abcdef", 0600);
  auto bad = cred::master_key::from_file(dir.file("short"));
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.err().message.find("64 hex characters or 32 raw bytes") != std::string::npos);
  CHECK(bad.err().message.find("short") != std::string::npos);

  write_file(dir.file("nothex"), std::string(64, 'z'), 0600);
  CHECK_FALSE(cred::master_key::from_file(dir.file("nothex")).has_value());

  CHECK_FALSE(cred::master_key::from_file(dir.file("missing")).has_value());
}

TEST_CASE("credentials master key file readable by others gives a warning", "[credentials]") {
  temp_dir dir;
  write_file(dir.file("wide"), cred::master_key::generate().to_hex(), 0644);
  std::string warning;
  auto key = cred::master_key::from_file(dir.file("wide"), &warning);
  REQUIRE(key.has_value());
  CHECK(warning.find("0644") != std::string::npos);
  CHECK(warning.find("wider than 0600") != std::string::npos);
}

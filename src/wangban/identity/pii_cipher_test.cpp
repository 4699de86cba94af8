#include "wangban/identity/pii_cipher.hpp"

#include <gtest/gtest.h>
#include <sodium.h>
#include <stdlib.h>

#include <cctype>
#include <fstream>
#include <set>
#include <string>

namespace wangban::identity {
namespace {

std::string MasterKey(unsigned char first = 0) {
  std::string key(PiiCipher::kMasterKeyBytes, '\0');
  for (std::size_t i = 0; i < key.size(); ++i) key[i] = static_cast<char>(first + i);
  return key;
}

PiiCipher MakeCipher(unsigned char first = 0) {
  auto cipher = PiiCipher::FromKeyBytes(MasterKey(first));
  EXPECT_TRUE(cipher.has_value());
  if (!cipher) std::abort();
  return *std::move(cipher);
}

std::string DecodeToken(std::string_view token) {
  std::string raw(token.size(), '\0');
  std::size_t length = 0;
  EXPECT_EQ(sodium_base642bin(reinterpret_cast<unsigned char*>(raw.data()), raw.size(),
                              token.data(), token.size(), nullptr, &length, nullptr,
                              sodium_base64_VARIANT_URLSAFE_NO_PADDING),
            0);
  raw.resize(length);
  return raw;
}

std::string EncodeToken(std::string_view raw) {
  std::string token(sodium_base64_ENCODED_LEN(raw.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING),
                    '\0');
  sodium_bin2base64(token.data(), token.size(), reinterpret_cast<const unsigned char*>(raw.data()),
                    raw.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  token.resize(token.size() - 1);
  return token;
}

void ExpectCorrupt(const Result<std::string>& result, std::string_view what) {
  ASSERT_FALSE(result.has_value()) << what;
  EXPECT_EQ(result.error().code, ErrorCode::kBadRequest) << what;
  EXPECT_EQ(result.error().reason, "pii_corrupt") << what;
  EXPECT_EQ(result.error().StableCode(), "pii_corrupt") << what;
}

// A fresh directory removed with its contents at the end of the test.
class KeyFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "wangban-pii-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  std::filesystem::path Write(const std::string& name, std::string_view content) {
    std::filesystem::path path = dir_ / name;
    std::ofstream(path, std::ios::binary) << content;
    return path;
  }
  static std::string KeyHex() {
    std::string hex;
    for (unsigned char c : MasterKey()) {
      static constexpr char kDigits[] = "0123456789abcdef";
      hex += kDigits[c >> 4];
      hex += kDigits[c & 15];
    }
    return hex;
  }

  std::filesystem::path dir_;
};

TEST(PiiCipherTest, RoundTripsValuesOfEveryShape) {
  const PiiCipher cipher = MakeCipher();
  const std::string binary = [] {
    std::string s;
    for (int i = 0; i < 1000; ++i) s.push_back(static_cast<char>(i * 7));
    return s;
  }();
  for (const std::string& plain :
       {std::string(), std::string("11010519491231002X"), std::string("13800138000"),
        std::string("\xe5\x8c\x97\xe4\xba\xac\xe5\xb8\x82\xe6\x9c\x9d\xe9\x98\xb3\xe5\x8c\xba"),
        std::string(15, 'a'), std::string(16, 'a'), std::string(17, 'a'), binary}) {
    const std::string token = cipher.Encrypt(plain);
    auto back = cipher.Decrypt(token);
    ASSERT_TRUE(back.has_value()) << back.error().message;
    EXPECT_EQ(*back, plain);
  }
}

TEST(PiiCipherTest, WritesTheDocumentedTokenLayout) {
  const PiiCipher cipher = MakeCipher();
  const std::string plain = "11010519491231002X";
  const std::string token = cipher.Encrypt(plain);
  EXPECT_EQ(
      token.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
      std::string::npos)
      << token;
  EXPECT_EQ(token.find(plain), std::string::npos);
  const std::string raw = DecodeToken(token);
  ASSERT_EQ(raw.size(), 1 + 16 + plain.size() + 32);
  EXPECT_EQ(raw[0], '\x01');
  EXPECT_EQ(raw.find(plain), std::string::npos);
}

// A token built outside this code (Python's hmac with SM3 and `openssl enc -sm4-ctr`), for
// master key 00 01 .. 3f, IV 00 01 .. 0f and plaintext "11010519491231002X". If this fails,
// stored data would become unreadable: the key derivation or the layout has changed.
TEST(PiiCipherTest, DecryptsATokenMadeIndependently) {
  const PiiCipher cipher = MakeCipher();
  auto plain = cipher.Decrypt(
      "AQABAgMEBQYHCAkKCwwNDg9u0flRUkbaBvmF-Y_hL8YEu5-TXc6KhbZIP78I8TbW1LRNpzIjGh6rR41qzABNr0xmCQ");
  ASSERT_TRUE(plain.has_value()) << plain.error().message;
  EXPECT_EQ(*plain, "11010519491231002X");
}

TEST(PiiCipherTest, UsesAFreshIvEveryTime) {
  const PiiCipher cipher = MakeCipher();
  std::set<std::string> tokens;
  std::set<std::string> ivs;
  for (int i = 0; i < 50; ++i) {
    const std::string token = cipher.Encrypt("11010519491231002X");
    tokens.insert(token);
    ivs.insert(DecodeToken(token).substr(1, 16));
    EXPECT_EQ(cipher.Decrypt(token).value(), "11010519491231002X");
  }
  EXPECT_EQ(tokens.size(), 50u);
  EXPECT_EQ(ivs.size(), 50u);
}

TEST(PiiCipherTest, DetectsAFlippedBitAnywhere) {
  const PiiCipher cipher = MakeCipher();
  const std::string raw = DecodeToken(cipher.Encrypt("11010519491231002X"));
  // Version byte, every IV byte, every ciphertext byte and every tag byte.
  for (std::size_t i = 0; i < raw.size(); ++i) {
    for (unsigned char bit : {0x01, 0x80}) {
      std::string tampered = raw;
      tampered[i] = static_cast<char>(static_cast<unsigned char>(tampered[i]) ^ bit);
      ExpectCorrupt(cipher.Decrypt(EncodeToken(tampered)), "byte " + std::to_string(i));
    }
  }
}

TEST(PiiCipherTest, RejectsTruncatedExtendedAndSplicedTokens) {
  const PiiCipher cipher = MakeCipher();
  const std::string raw = DecodeToken(cipher.Encrypt("11010519491231002X"));
  ExpectCorrupt(cipher.Decrypt(EncodeToken(raw.substr(0, raw.size() - 1))), "one byte short");
  ExpectCorrupt(cipher.Decrypt(EncodeToken(raw + "x")), "one byte more");
  ExpectCorrupt(cipher.Decrypt(EncodeToken(raw.substr(0, 48))), "below the minimum");
  ExpectCorrupt(cipher.Decrypt(EncodeToken(raw.substr(0, 1))), "version only");
  // The tag of one token on the body of another.
  const std::string other = DecodeToken(cipher.Encrypt("11010519491231003X"));
  ExpectCorrupt(
      cipher.Decrypt(EncodeToken(raw.substr(0, raw.size() - 32) + other.substr(other.size() - 32))),
      "spliced tag");
  // An empty value encrypts to exactly the minimum length and still authenticates.
  const std::string empty = DecodeToken(cipher.Encrypt(""));
  EXPECT_EQ(empty.size(), 49u);
  ExpectCorrupt(cipher.Decrypt(EncodeToken(empty.substr(1))), "version dropped");
}

TEST(PiiCipherTest, RejectsTextThatIsNotStrictBase64Url) {
  const PiiCipher cipher = MakeCipher();
  const std::string token = cipher.Encrypt("11010519491231002X");
  ExpectCorrupt(cipher.Decrypt(""), "empty");
  ExpectCorrupt(cipher.Decrypt("!!!!"), "punctuation");
  ExpectCorrupt(cipher.Decrypt(token + "="), "padding");
  ExpectCorrupt(cipher.Decrypt(token + "=="), "padding");
  ExpectCorrupt(cipher.Decrypt(" " + token), "leading space");
  ExpectCorrupt(cipher.Decrypt(token + "\n"), "trailing newline");
  ExpectCorrupt(cipher.Decrypt(token.substr(0, 10) + "+" + token.substr(11)), "standard alphabet");
  ExpectCorrupt(cipher.Decrypt(token + "A"), "dangling character");
  ExpectCorrupt(cipher.Decrypt(std::string(token.size(), '\0')), "NULs");
  ExpectCorrupt(cipher.Decrypt("11010519491231002X"), "a plaintext ID number");
}

TEST(PiiCipherTest, TokensAreBoundToTheirKey) {
  const PiiCipher a = MakeCipher(0);
  const PiiCipher a_again = MakeCipher(0);
  const PiiCipher b = MakeCipher(1);
  const std::string token = a.Encrypt("13800138000");
  EXPECT_EQ(a_again.Decrypt(token).value(), "13800138000");
  ExpectCorrupt(b.Decrypt(token), "other key");
}

TEST(PiiCipherTest, CopiesAndMovesKeepTheKeys) {
  const PiiCipher original = MakeCipher();
  const std::string token = original.Encrypt("13800138000");
  PiiCipher copy = original;
  EXPECT_EQ(copy.Decrypt(token).value(), "13800138000");
  PiiCipher moved = std::move(copy);
  EXPECT_EQ(moved.Decrypt(token).value(), "13800138000");
  PiiCipher assigned = MakeCipher(1);
  assigned = moved;
  EXPECT_EQ(assigned.Decrypt(token).value(), "13800138000");
}

TEST(PiiCipherTest, RefusesMasterKeysOfTheWrongLength) {
  for (std::size_t size : {0u, 32u, 63u, 65u, 128u}) {
    auto cipher = PiiCipher::FromKeyBytes(std::string(size, 'k'));
    ASSERT_FALSE(cipher.has_value()) << size;
    EXPECT_EQ(cipher.error().code, ErrorCode::kInternal);
  }
}

TEST(PiiCipherLookupHashTest, IsStableAndKeyDependent) {
  const PiiCipher a = MakeCipher(0);
  const PiiCipher a_again = MakeCipher(0);
  const PiiCipher b = MakeCipher(1);
  const std::string hash = a.LookupHash("11010519491231002X");
  EXPECT_EQ(hash.size(), 64u);
  EXPECT_EQ(hash.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(a.LookupHash("11010519491231002X"), hash);
  EXPECT_EQ(a_again.LookupHash("11010519491231002X"), hash);
  EXPECT_NE(b.LookupHash("11010519491231002X"), hash);
  EXPECT_NE(a.LookupHash("11010519491231002x"), hash);  // callers normalize first
  EXPECT_NE(a.LookupHash(""), hash);
}

// HMAC-SM3 under HMAC-SM3(master, "wangban/pii/v1/lookup-hmac-sm3-key"), computed with
// Python's hmac and hashlib SM3. If this fails, every stored lookup hash is now unmatched.
TEST(PiiCipherLookupHashTest, MatchesAnIndependentComputation) {
  EXPECT_EQ(MakeCipher().LookupHash("11010519491231002X"),
            "495a8262f6d8057094db214611cece7274bae5ffcf640409d8faaf9943050dd2");
}

TEST(PiiCipherLookupHashTest, DiffersFromTheEncryptionAndMacKeys) {
  // The lookup hash must not be a MAC a token could be checked against, nor reveal the key.
  const PiiCipher cipher = MakeCipher();
  const std::string raw = DecodeToken(cipher.Encrypt("11010519491231002X"));
  const std::string hash = cipher.LookupHash("11010519491231002X");
  EXPECT_EQ(hash.find(MasterKey()), std::string::npos);
  std::string tag_hex;
  for (unsigned char c : raw.substr(raw.size() - 32)) {
    static constexpr char kDigits[] = "0123456789abcdef";
    tag_hex += kDigits[c >> 4];
    tag_hex += kDigits[c & 15];
  }
  EXPECT_NE(hash, tag_hex);
}

TEST(PiiCipherKeyTest, GeneratesRandomHexKeys) {
  const std::string a = PiiCipher::GenerateKeyHex();
  const std::string b = PiiCipher::GenerateKeyHex();
  EXPECT_EQ(a.size(), 128u);
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_NE(a, b);
}

TEST_F(KeyFileTest, ReadsHexWithSurroundingWhitespaceInEitherCase) {
  const PiiCipher reference = MakeCipher();
  const std::string token = reference.Encrypt("11010519491231002X");
  std::string upper = KeyHex();
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (const std::string& content :
       {KeyHex(), KeyHex() + "\n", "  \t" + KeyHex() + "\r\n\n", upper}) {
    auto cipher = PiiCipher::FromKeyFile(Write("key", content));
    ASSERT_TRUE(cipher.has_value()) << cipher.error().message;
    EXPECT_EQ(cipher->Decrypt(token).value(), "11010519491231002X");
    EXPECT_EQ(cipher->LookupHash("x"), reference.LookupHash("x"));
  }
}

TEST_F(KeyFileTest, AcceptsAGeneratedKey) {
  auto cipher = PiiCipher::FromKeyFile(Write("key", PiiCipher::GenerateKeyHex() + "\n"));
  ASSERT_TRUE(cipher.has_value()) << cipher.error().message;
  EXPECT_EQ(cipher->Decrypt(cipher->Encrypt("13800138000")).value(), "13800138000");
}

TEST_F(KeyFileTest, RefusesMalformedContentWithoutEchoingIt) {
  const std::string hex = KeyHex();
  std::string bad_digit = hex;
  bad_digit[77] = 'g';
  for (const std::string& content :
       {std::string(), std::string("\n"), hex.substr(0, 127), hex + "0", hex.substr(0, 126),
        hex + hex, bad_digit, hex.substr(0, 64) + " " + hex.substr(64),
        hex.substr(0, 64) + ":" + hex.substr(65), std::string(MasterKey())}) {
    auto cipher = PiiCipher::FromKeyFile(Write("key", content));
    ASSERT_FALSE(cipher.has_value()) << content.size();
    EXPECT_EQ(cipher.error().code, ErrorCode::kInternal);
    EXPECT_NE(cipher.error().message.find("key"), std::string::npos);
    EXPECT_EQ(cipher.error().message.find(hex.substr(0, 16)), std::string::npos);
  }
}

TEST_F(KeyFileTest, RefusesMissingHugeAndNonRegularFiles) {
  auto missing = PiiCipher::FromKeyFile(dir_ / "absent");
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, ErrorCode::kInternal);
  EXPECT_NE(missing.error().message.find("absent"), std::string::npos);

  auto huge = PiiCipher::FromKeyFile(Write("huge", std::string(1 << 20, 'a')));
  ASSERT_FALSE(huge.has_value());
  EXPECT_EQ(huge.error().code, ErrorCode::kInternal);

  auto directory = PiiCipher::FromKeyFile(dir_);
  ASSERT_FALSE(directory.has_value());
  EXPECT_EQ(directory.error().code, ErrorCode::kInternal);
}

}  // namespace
}  // namespace wangban::identity

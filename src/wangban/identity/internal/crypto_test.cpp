#include "wangban/identity/internal/crypto.hpp"

#include <gtest/gtest.h>

#include <string>

namespace wangban::identity::internal {
namespace {

std::string FromHex(std::string_view hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

std::string Repeat(std::string_view piece, int times) {
  std::string out;
  for (int i = 0; i < times; ++i) out += piece;
  return out;
}

// GB/T 32905-2016 Appendix A, examples 1 and 2.
TEST(Sm3Test, MatchesTheStandardExamples) {
  auto abc = Sm3("abc");
  ASSERT_TRUE(abc.has_value());
  EXPECT_EQ(HexEncode(*abc), "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0");

  auto block = Sm3(Repeat("abcd", 16));
  ASSERT_TRUE(block.has_value());
  EXPECT_EQ(HexEncode(*block), "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732");
}

TEST(Sm3Test, HashesTheEmptyString) {
  auto empty = Sm3("");
  ASSERT_TRUE(empty.has_value());
  EXPECT_EQ(HexEncode(*empty), "1ab21d8355cfa17f8e61194831e81a8f22bec8c728fefb747ed035eb5082aa2b");
}

// GM/T 0042-2015 Appendix D.3 (also in OpenSSL's test/recipes/30-test_evp_data/evpmac_sm3.txt).
TEST(HmacSm3Test, MatchesGmt0042Vectors) {
  struct Vector {
    std::string key;
    std::string data;
    std::string_view mac_hex;
  };
  const Vector vectors[] = {
      {FromHex("0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20"),
       Repeat("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 2),
       "ca05e144ed05d1857840d1f318a4a8669e559fc8391f414485bfdf7bb408963a"},
      {FromHex("0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425"),
       std::string(50, '\xcd'), "220bf579ded555393f0159f66c99877822a3ecf610d1552154b41d44b94db3ae"},
      {std::string(32, '\x0b'), "Hi There",
       "c0ba18c68b90c88bc07de794bfc7d2c8d19ec31ed8773bc2b390c9604e0be11e"},
      {"Jefe Jeferson Jr", "what do ya want for nothing?",
       "ce791a34c59adef472997a249600f3f244d59e875be04055ba2ae12fc845e78c"},
  };
  for (const auto& v : vectors) {
    auto mac = HmacSm3(v.key, v.data);
    ASSERT_TRUE(mac.has_value());
    EXPECT_EQ(HexEncode(*mac), v.mac_hex);
  }
}

TEST(HmacSm3Test, DependsOnKeyAndData) {
  auto a = HmacSm3("key-a", "data");
  auto b = HmacSm3("key-b", "data");
  auto c = HmacSm3("key-a", "datb");
  ASSERT_TRUE(a && b && c);
  EXPECT_EQ(a->size(), kSm3Bytes);
  EXPECT_NE(*a, *b);
  EXPECT_NE(*a, *c);
}

// draft-ribose-cfrg-sm4 section A.2.5 (also in OpenSSL's evpciph_sm4.txt).
TEST(Sm4CtrTest, MatchesTheDraftVector) {
  const std::string key = FromHex("0123456789abcdeffedcba9876543210");
  const std::string iv = key;
  const std::string plain = FromHex(
      "aaaaaaaaaaaaaaaabbbbbbbbbbbbbbbbccccccccccccccccdddddddddddddddd"
      "eeeeeeeeeeeeeeeeffffffffffffffffeeeeeeeeeeeeeeeeaaaaaaaaaaaaaaaa");
  auto cipher = Sm4Ctr(key, iv, plain);
  ASSERT_TRUE(cipher.has_value());
  EXPECT_EQ(HexEncode(*cipher),
            "c2b4759e78ac3cf43d0852f4e8d5f9fd7256e8a5fcb65a350ee00630912e4449"
            "2a0b17e1b85b060d0fba612d8a95831638b361fd5ffacd942f081485a83ca35d");
  auto back = Sm4Ctr(key, iv, *cipher);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(*back, plain);
}

TEST(Sm4CtrTest, KeepsTheLengthOfPartialBlocksAndEmptyInput) {
  const std::string key(16, 'k');
  const std::string iv(16, 'i');
  for (std::size_t n : {0u, 1u, 15u, 16u, 17u, 33u}) {
    const std::string plain(n, 'p');
    auto cipher = Sm4Ctr(key, iv, plain);
    ASSERT_TRUE(cipher.has_value());
    EXPECT_EQ(cipher->size(), n);
    EXPECT_EQ(Sm4Ctr(key, iv, *cipher).value(), plain);
  }
}

TEST(Sm4CtrTest, RefusesWrongKeyOrIvLength) {
  for (auto [key, iv] : {std::pair{std::string(15, 'k'), std::string(16, 'i')},
                         std::pair{std::string(17, 'k'), std::string(16, 'i')},
                         std::pair{std::string(16, 'k'), std::string(12, 'i')},
                         std::pair{std::string(), std::string()}}) {
    auto result = Sm4Ctr(key, iv, "data");
    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().code, ErrorCode::kInternal);
  }
}

TEST(RandomBytesTest, ReturnsTheRequestedCountAndDiffersBetweenCalls) {
  ASSERT_TRUE(SodiumReady());
  auto a = RandomBytes(32);
  auto b = RandomBytes(32);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->size(), 32u);
  EXPECT_NE(*a, *b);
  EXPECT_EQ(RandomBytes(0).value(), "");
}

TEST(ConstantTimeEqualsTest, ComparesContentAndLength) {
  EXPECT_TRUE(ConstantTimeEquals("", ""));
  EXPECT_TRUE(ConstantTimeEquals(std::string("a\0b", 3), std::string("a\0b", 3)));
  EXPECT_FALSE(ConstantTimeEquals(std::string("a\0b", 3), std::string("a\0c", 3)));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abcd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
}

TEST(HexEncodeTest, WritesLowercasePairs) {
  EXPECT_EQ(HexEncode(""), "");
  EXPECT_EQ(HexEncode(std::string("\x00\x0f\xa0\xff", 4)), "000fa0ff");
}

}  // namespace
}  // namespace wangban::identity::internal

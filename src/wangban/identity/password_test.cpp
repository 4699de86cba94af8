#include "wangban/identity/password.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

namespace wangban::identity {
namespace {

constexpr PasswordHashParams kFast = PasswordHashParams::Minimum();

// The policy's error code for `password`, or "" if it is accepted.
std::string PolicyCode(std::string_view password) {
  auto result = CheckPasswordPolicy(password);
  if (result.has_value()) return "";
  EXPECT_EQ(result.error().code, ErrorCode::kValidationFailed);
  EXPECT_EQ(result.error().field_errors.size(), 1u);
  if (result.error().field_errors.size() != 1) return "?";
  EXPECT_EQ(result.error().field_errors[0].field, "password");
  return result.error().field_errors[0].code;
}

// The shipped list's entries, parsed independently of the code under test.
std::vector<std::string> ShippedList() {
  std::vector<std::string> entries;
  std::string_view text = kCommonPasswordsText;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string line(text.substr(start, end - start));
    start = end + 1;
    if (!line.empty() && line[0] != '#') entries.push_back(line);
  }
  return entries;
}

std::string Repeat(std::string_view piece, int times) {
  std::string out;
  for (int i = 0; i < times; ++i) out += piece;
  return out;
}

const std::string kHan = "\xe6\xb1\x89";  // 汉, three bytes of UTF-8

TEST(PasswordPolicyTest, AcceptsReasonablePasswords) {
  EXPECT_EQ(PolicyCode("correct horse battery staple"), "");
  EXPECT_EQ(PolicyCode("Wb-2026!kx9#Lm"), "");
  EXPECT_EQ(PolicyCode("zhengwu-fuwu-2026"), "");
  EXPECT_EQ(PolicyCode("\xe6\x94\xbf\xe5\x8a\xa1\xe6\x9c\x8d\xe5\x8a\xa1\xe7\xbd\x91-2026"), "");
}

TEST(PasswordPolicyTest, RequiresAPassword) { EXPECT_EQ(PolicyCode(""), "required"); }

TEST(PasswordPolicyTest, CountsCharactersNotBytes) {
  EXPECT_EQ(PolicyCode("Ab3$xy7"), "too_short");
  EXPECT_EQ(PolicyCode("Ab3$xy7q"), "");
  // Seven Han characters are 21 bytes but still too short; eight are enough.
  EXPECT_EQ(PolicyCode("\xe6\x88\x91\xe7\x9a\x84\xe5\xaf\x86\xe7\xa0\x81\xe5\xbe\x88\xe5\xae"
                       "\x89\xe5\x85\xa8"),
            "too_short");
  EXPECT_EQ(PolicyCode("\xe6\x88\x91\xe7\x9a\x84\xe5\xaf\x86\xe7\xa0\x81\xe5\xbe\x88\xe5\xae"
                       "\x89\xe5\x85\xa8\xe5\x90\xa7"),
            "");
}

TEST(PasswordPolicyTest, LimitsTheLengthInBytes) {
  std::string at_limit = "Xk9-" + std::string(124, 'q');
  at_limit[60] = 'Z';
  ASSERT_EQ(at_limit.size(), 128u);
  EXPECT_EQ(PolicyCode(at_limit), "");
  EXPECT_EQ(PolicyCode(at_limit + "r"), "too_long");
  // 43 Han characters: few characters, but 129 bytes.
  EXPECT_EQ(PolicyCode(Repeat(kHan, 42) + "\xe5\xad\x97"), "too_long");
  EXPECT_EQ(PolicyCode(std::string(100000, 'a')), "too_long");
}

TEST(PasswordPolicyTest, RefusesCommonPasswordsIgnoringCase) {
  for (std::string_view common :
       {"12345678", "password", "88888888", "11111111", "1qaz2wsx", "woaini1314", "qwertyuiop",
        "a12345678", "abc12345", "iloveyou", "147258369", "5201314520", "PassWord", "WOAINI1314",
        "QwErTyUiOp", "P@ssw0rd", "Zhang123456"}) {
    EXPECT_EQ(PolicyCode(common), "common") << common;
  }
}

TEST(PasswordPolicyTest, RefusesEveryEntryOfTheShippedList) {
  const std::vector<std::string> entries = ShippedList();
  EXPECT_GE(entries.size(), 1000u);
  std::set<std::string> distinct;
  for (const std::string& entry : entries) {
    EXPECT_GE(entry.size(), kMinPasswordCharacters) << entry;  // shorter ones could never matter
    EXPECT_EQ(entry.find_first_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ\r \t"), std::string::npos) << entry;
    EXPECT_TRUE(distinct.insert(entry).second) << "duplicate " << entry;
    EXPECT_EQ(PolicyCode(entry), "common") << entry;
  }
}

TEST(PasswordPolicyTest, RefusesOneCharacterRepeated) {
  EXPECT_EQ(PolicyCode(std::string(20, 'Q')), "common");
  EXPECT_EQ(PolicyCode(std::string(13, '7')), "common");
  EXPECT_EQ(PolicyCode(Repeat(kHan, 8)), "common");
  EXPECT_EQ(PolicyCode(std::string(19, 'Q') + "q"), "");  // the repetition check is exact
  EXPECT_EQ(PolicyCode(Repeat(kHan, 7) + "a"), "");
}

TEST(PasswordPolicyTest, SurvivesMalformedUtf8) {
  EXPECT_EQ(PolicyCode("\x80\x80\x80\x80\x80\x80\x80\x80\x80"), "too_short");
  EXPECT_EQ(PolicyCode("\xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8"), "");
  EXPECT_EQ(PolicyCode(std::string("abc\0defgh", 9)), "");
}

TEST(PasswordPolicyTest, ReportsOnTheCallersField) {
  auto result = CheckPasswordPolicy("short", "new_password");
  ASSERT_FALSE(result.has_value());
  ASSERT_EQ(result.error().field_errors.size(), 1u);
  EXPECT_EQ(result.error().field_errors[0].field, "new_password");
  EXPECT_EQ(result.error().field_errors[0].code, "too_short");
  EXPECT_EQ(result.error().field_errors[0].message.find("short"), std::string::npos);  // no echo
}

TEST(PasswordHashTest, VerifiesTheRightPasswordOnly) {
  auto hash = HashPassword("Wb-2026!kx9#Lm", kFast);
  ASSERT_TRUE(hash.has_value());
  EXPECT_TRUE(hash->starts_with("$argon2id$v=19$m=8,t=1,p=1$")) << *hash;
  EXPECT_TRUE(VerifyPassword(*hash, "Wb-2026!kx9#Lm"));
  EXPECT_FALSE(VerifyPassword(*hash, "wb-2026!kx9#Lm"));
  EXPECT_FALSE(VerifyPassword(*hash, "Wb-2026!kx9#L"));
  EXPECT_FALSE(VerifyPassword(*hash, ""));
}

TEST(PasswordHashTest, SaltsEveryHash) {
  auto a = HashPassword("same password", kFast);
  auto b = HashPassword("same password", kFast);
  ASSERT_TRUE(a && b);
  EXPECT_NE(*a, *b);
  EXPECT_TRUE(VerifyPassword(*a, "same password"));
  EXPECT_TRUE(VerifyPassword(*b, "same password"));
}

TEST(PasswordHashTest, HashesEveryByteIncludingNulAndUtf8) {
  const std::string with_nul("pass\0word", 9);
  auto hash = HashPassword(with_nul, kFast);
  ASSERT_TRUE(hash.has_value());
  EXPECT_TRUE(VerifyPassword(*hash, with_nul));
  EXPECT_FALSE(VerifyPassword(*hash, "pass"));

  const std::string han = Repeat(kHan, 9);
  auto han_hash = HashPassword(han, kFast);
  ASSERT_TRUE(han_hash.has_value());
  EXPECT_TRUE(VerifyPassword(*han_hash, han));
}

TEST(PasswordHashTest, RejectsMalformedHashes) {
  auto hash = HashPassword("Wb-2026!kx9#Lm", kFast);
  ASSERT_TRUE(hash.has_value());
  std::string flipped = *hash;
  flipped.back() = flipped.back() == 'A' ? 'B' : 'A';
  // Unparsable: neither verifies nor passes as current.
  for (const std::string& bad :
       {std::string(), std::string("not a hash"), std::string("$argon2id$v=19$m=8,t=1,p=1$$"),
        std::string("$argon2id$v=19$m=8,t=1,p=1"), *hash + std::string(200, 'A'),
        std::string(*hash) + '\0' + "junk"}) {
    EXPECT_FALSE(VerifyPassword(bad, "Wb-2026!kx9#Lm")) << bad;
    EXPECT_TRUE(PasswordNeedsRehash(bad, kFast)) << bad;
  }
  // A damaged digest keeps a readable header: it fails verification, which is what counts.
  for (const std::string& bad : {hash->substr(0, hash->size() - 5), flipped}) {
    EXPECT_FALSE(VerifyPassword(bad, "Wb-2026!kx9#Lm")) << bad;
  }
}

TEST(PasswordHashTest, NeedsRehashWhenParametersChange) {
  auto hash = HashPassword("Wb-2026!kx9#Lm", kFast);
  ASSERT_TRUE(hash.has_value());
  EXPECT_FALSE(PasswordNeedsRehash(*hash, kFast));
  EXPECT_TRUE(PasswordNeedsRehash(*hash));
  EXPECT_TRUE(PasswordNeedsRehash(*hash, {.opslimit = 2, .memlimit = 8192}));
  EXPECT_TRUE(PasswordNeedsRehash(*hash, {.opslimit = 1, .memlimit = 16384}));
}

TEST(PasswordHashTest, DefaultParametersAreInteractiveArgon2id) {
  auto hash = HashPassword("Wb-2026!kx9#Lm");
  ASSERT_TRUE(hash.has_value());
  EXPECT_TRUE(hash->starts_with("$argon2id$v=19$m=65536,t=2,p=1$")) << *hash;
  EXPECT_FALSE(PasswordNeedsRehash(*hash));
  EXPECT_TRUE(PasswordNeedsRehash(*hash, kFast));
  EXPECT_TRUE(VerifyPassword(*hash, "Wb-2026!kx9#Lm"));
}

TEST(PasswordHashTest, VerifiesArgon2iHashesButAsksForARehash) {
  // Made by libsodium's crypto_pwhash_argon2i_str (t=3, 8 KiB), as older systems stored them.
  const std::string argon2i =
      "$argon2i$v=19$m=8,t=3,p=1$/0DqzOSju6qX13l7YHnRyg$"
      "s6KAs7xyHiQ8N+STj0LUwjNaDGslM9Idb30ygqC4LpM";
  EXPECT_TRUE(VerifyPassword(argon2i, "Wb-2026!kx9#Lm"));
  EXPECT_FALSE(VerifyPassword(argon2i, "Wb-2026!kx9#Ln"));
  EXPECT_TRUE(PasswordNeedsRehash(argon2i, {.opslimit = 3, .memlimit = 8192}));
}

TEST(PasswordHashTest, RefusesOutOfRangeParameters) {
  for (PasswordHashParams params : {PasswordHashParams{.opslimit = 0, .memlimit = 8192},
                                    PasswordHashParams{.opslimit = 1, .memlimit = 1024},
                                    PasswordHashParams{.opslimit = 1, .memlimit = 0}}) {
    auto hash = HashPassword("Wb-2026!kx9#Lm", params);
    ASSERT_FALSE(hash.has_value());
    EXPECT_EQ(hash.error().code, ErrorCode::kInternal);
  }
}

}  // namespace
}  // namespace wangban::identity

// The hashed and signed encodings, byte for byte: docs/audit.md describes them to auditors who
// re-implement the check, so they must never change silently.
#include "wangban/audit/internal/encoding.hpp"

#include <gtest/gtest.h>

namespace wangban::audit::internal {
namespace {

TEST(EncodingTest, Sm3KnownAnswer) {
  auto digest = Sm3("abc");
  ASSERT_TRUE(digest.has_value());
  EXPECT_EQ(HexEncode(*digest), "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0");
  Sm3Stream pieces;
  pieces.Update("a");
  pieces.Update("");
  pieces.Update("bc");
  auto streamed = pieces.Finish();
  ASSERT_TRUE(streamed.has_value());
  EXPECT_EQ(*streamed, *digest);
}

TEST(EncodingTest, RecordBytesAreLengthPrefixedFieldsInAFixedOrder) {
  const std::string bytes = RecordBytes({.id = "i",
                                         .stream = "s",
                                         .seq = 2,
                                         .at_us = 258,
                                         .actor = "a",
                                         .action = "x.y",
                                         .subject = "",
                                         .details = "{}"});
  const std::string expected =
      std::string("\0\0\0\x17wangban.audit.record.v1", 27) + std::string("\0\0\0\x01i", 5) +
      std::string("\0\0\0\x01s", 5) + std::string("\0\0\0\0\0\0\0\x02", 8) + std::string("\0\0\0\0\0\0\x01\x02", 8) +
      std::string(
          "\0\0\0\x01"
          "a",
          5) +
      std::string("\0\0\0\x03x.y", 7) + std::string("\0\0\0\0", 4) + std::string("\0\0\0\x02{}", 6);
  EXPECT_EQ(HexEncode(bytes), HexEncode(expected));
}

TEST(EncodingTest, MovingTextBetweenFieldsChangesTheBytes) {
  // Without length prefixes ("ab","c") and ("a","bc") would concatenate to the same bytes.
  const auto one = RecordBytes({.id = "1", .stream = "s", .seq = 1, .actor = "ab", .action = "c"});
  const auto two = RecordBytes({.id = "1", .stream = "s", .seq = 1, .actor = "a", .action = "bc"});
  EXPECT_NE(one, two);
}

TEST(EncodingTest, ChainHashGoldenValue) {
  // Cross-checked with bytes built in Python and `openssl dgst -sm3` (docs/audit.md, "Checking a
  // record by hand").
  const RecordFields record{.id = "0195f0c2-0000-7000-8000-000000000001",
                            .stream = "case-1",
                            .seq = 1,
                            .at_us = 1795136400000000,
                            .actor = "staff-1",
                            .action = "case.opened",
                            .subject = "HN-2026-000001",
                            .details = R"({"window":"3"})"};
  auto first = ChainHash(GenesisHash(), record);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(HexEncode(*first), "a7c5093b8eff2675ff07fb9a5fe2b4ac95272df8c4963f32a08bcd9d4a2f2b65");
  auto again = Sm3(GenesisHash() + RecordBytes(record));
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(*again, *first);
  EXPECT_FALSE(ChainHash("short", record).has_value());
}

TEST(EncodingTest, StatementText) {
  EXPECT_EQ(Statement({.seq = 2,
                       .at_us = 1795136400000000,
                       .records = 10,
                       .streams = 3,
                       .streams_sm3_hex = "ab",
                       .previous_signature_base64 = "MEUC"}),
            "wangban audit checkpoint v1\nseq: 2\ntime_us: 1795136400000000\nrecords: 10\nstreams: 3\n"
            "streams_sm3: ab\nprevious_signature: MEUC");
  EXPECT_TRUE(Statement({.seq = 1}).ends_with("\nprevious_signature: -"));
}

TEST(EncodingTest, EntriesEncoding) {
  EXPECT_EQ(HexEncode(EntriesPrefix(2)),
            HexEncode(std::string("\0\0\0\x18wangban.audit.streams.v1", 28) + std::string("\0\0\0\0\0\0\0\x02", 8)));
  EXPECT_EQ(HexEncode(EntryBytes("s", 3, std::string(32, '\x11'))),
            HexEncode(std::string("\0\0\0\x01s", 5) + std::string("\0\0\0\0\0\0\0\x03", 8) + std::string(32, '\x11')));
}

TEST(EncodingTest, HexRoundTripAndRejects) {
  EXPECT_EQ(HexEncode(std::string("\x00\xff\x10", 3)), "00ff10");
  EXPECT_EQ(HexDecode("00ff10"), std::string("\x00\xff\x10", 3));
  EXPECT_FALSE(HexDecode("0").has_value());
  EXPECT_FALSE(HexDecode("0g").has_value());
  EXPECT_FALSE(HexDecode("FF").has_value());  // stored hashes are lowercase
}

TEST(EncodingTest, Base64RoundTripAndRejects) {
  for (std::string s : {"", "f", "fo", "foo", "foob", "fooba", "foobar", "\xff\x00\x80"}) {
    const auto text = Base64Encode(s);
    EXPECT_EQ(Base64Decode(text), s) << text;
  }
  EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(Base64Encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(Base64Encode("foob"), "Zm9vYg==");
  EXPECT_FALSE(Base64Decode("Zm9").has_value());
  EXPECT_FALSE(Base64Decode("Zm=v").has_value());
  EXPECT_FALSE(Base64Decode("Zg==Zg==").has_value());
  EXPECT_FALSE(Base64Decode("Zm9v\n").has_value());
  EXPECT_FALSE(Base64Decode("Z===").has_value());
}

}  // namespace
}  // namespace wangban::audit::internal

#include "wangban/catalog/search.hpp"

#include <gtest/gtest.h>

namespace wangban::catalog {
namespace {

using Tokens = std::vector<std::string>;

TEST(SearchTest, NormalizesWidthCasePunctuationAndSpaces) {
  EXPECT_EQ(NormalizeForSearch("  ＩＣＰ经营许可证（增值电信）  "), "icp经营许可证 增值电信");
  EXPECT_EQ(NormalizeForSearch("施工许可，\t备案。"), "施工许可 备案");
  EXPECT_EQ(NormalizeForSearch("Ａ１　b"), "a1 b");
  EXPECT_EQ(NormalizeForSearch("\xff\xfe施工"), "施工");
}

TEST(SearchTest, ChineseRunsBecomeBigramsAndWordsStayWhole) {
  EXPECT_EQ(SearchTokens("建筑工程施工许可"), (Tokens{"建筑", "筑工", "工程", "程施", "施工", "工许", "许可"}));
  EXPECT_EQ(SearchTokens("icp经营许可证 2024"), (Tokens{"icp", "经营", "营许", "许可", "可证", "2024"}));
  EXPECT_EQ(SearchTokens("证 a"), (Tokens{"证", "a"}));
}

TEST(SearchTest, QueryTermsAndTheirTokens) {
  auto q = ParseSearchQuery("施工许可");
  ASSERT_EQ(q.terms, Tokens{"施工许可"});
  EXPECT_TRUE(q.indexable);
  EXPECT_EQ(q.fts_match, "\"施工\" AND \"工许\" AND \"许可\"");
  EXPECT_EQ(q.pg_array, "{\"施工\",\"工许\",\"许可\"}");

  EXPECT_FALSE(q.exact);  // three bigrams: their order is checked on the text

  q = ParseSearchQuery("护照 补领");
  EXPECT_EQ(q.terms, (Tokens{"护照", "补领"}));
  EXPECT_TRUE(q.indexable);
  EXPECT_TRUE(q.exact);  // each term is one bigram: the index answers exactly
  EXPECT_TRUE(ParseSearchQuery("ICP").exact);
  EXPECT_FALSE(ParseSearchQuery("icp许可").exact);

  // A lone character cannot be looked up in a bigram index: the store scans for it.
  q = ParseSearchQuery("证");
  EXPECT_EQ(q.terms, Tokens{"证"});
  EXPECT_FALSE(q.indexable);

  q = ParseSearchQuery("a b c d e");
  EXPECT_EQ(q.terms.size(), SearchQuery::kMaxTerms);

  q = ParseSearchQuery("  ，。 ");
  EXPECT_TRUE(q.terms.empty());
  EXPECT_FALSE(q.indexable);
}

TEST(SearchTest, ArrayLiteralQuotesEverything) {
  EXPECT_EQ(PgArrayLiteral({"a\"b", "c\\"}), "{\"a\\\"b\",\"c\\\\\"}");
  EXPECT_EQ(PgArrayLiteral({}), "{}");
}

}  // namespace
}  // namespace wangban::catalog

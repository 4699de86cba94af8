// Chinese full-text search over the catalog, the part both databases share: text
// normalization and the tokens that the SQLite FTS5 index and the PostgreSQL GIN index hold.
//
// Chinese has no spaces, and the commonest queries are two characters long (护照, 落户, 社保),
// which a trigram index cannot match. So a run of Chinese characters becomes its overlapping
// bigrams ("施工许可" -> 施工 工许 许可; a one-character run stays one token), and a run of
// ASCII letters and digits one lowercase word. A query matches an item when every bigram and
// word of the query is among the item's tokens and, checked on the normalized text, every
// term of the query is a substring of it: bigram tokens find candidates quickly, the substring check makes
// matches exact.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace wangban::catalog {

// Lowercases ASCII, folds full-width ASCII (ＡＢＣ１２３) to half-width, turns every
// whitespace or punctuation run (ASCII and CJK) into one space, trims. Invalid UTF-8 bytes
// become spaces.
std::string NormalizeForSearch(std::string_view text);

// The index tokens of normalized text, in order: CJK bigrams per run (a lone character as
// itself) and ASCII words; other characters separate runs.
std::vector<std::string> SearchTokens(std::string_view normalized);

// A parsed query: up to kMaxTerms space-separated terms, each normalized, with its tokens.
struct SearchQuery {
  static constexpr std::size_t kMaxTerms = 3;
  std::vector<std::string> terms;             // normalized, non-empty
  std::vector<std::vector<std::string>> tokens;  // per term, without lone CJK characters
  // True when every term has a bigram or a word: the index can answer. Otherwise (a lone
  // character such as "证") the store scans the normalized text.
  bool indexable = false;
  // True when every term is exactly one token of the index (a two-character Chinese word, or one
  // ASCII word): the token's presence is then the match, and no substring check is needed.
  bool exact = false;
  // The FTS5 MATCH expression: every token quoted, joined by AND (order and adjacency are
  // left to the substring check).
  std::string fts_match;
  // Every token of every term, deduplicated, as a PostgreSQL array literal: {"施工","工许"}.
  std::string pg_array;
};

// Terms beyond kMaxTerms are dropped; an empty query gives no terms.
SearchQuery ParseSearchQuery(std::string_view query);

// Tokens as the FTS5 column text (space-separated) and as a PostgreSQL array literal.
std::string JoinTokens(const std::vector<std::string>& tokens);
std::string PgArrayLiteral(const std::vector<std::string>& tokens);

}  // namespace wangban::catalog

#include "wangban/catalog/search.hpp"

#include <set>

namespace wangban::catalog {
namespace {

enum class CharClass { kSeparator, kCjk, kWord };

// Decodes one UTF-8 code point at `i`, advancing it; returns U+FFFD for invalid bytes.
char32_t Decode(std::string_view s, std::size_t& i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  auto cont = [&](std::size_t k) -> int {
    if (i + k >= s.size()) return -1;
    const auto b = static_cast<unsigned char>(s[i + k]);
    return (b & 0xC0) == 0x80 ? (b & 0x3F) : -1;
  };
  if (b0 < 0x80) {
    ++i;
    return b0;
  }
  int len = 0;
  char32_t cp = 0;
  if ((b0 & 0xE0) == 0xC0) {
    len = 2;
    cp = b0 & 0x1F;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3;
    cp = b0 & 0x0F;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4;
    cp = b0 & 0x07;
  } else {
    ++i;
    return 0xFFFD;
  }
  for (int k = 1; k < len; ++k) {
    const int c = cont(static_cast<std::size_t>(k));
    if (c < 0) {
      ++i;
      return 0xFFFD;
    }
    cp = (cp << 6) | static_cast<char32_t>(c);
  }
  i += static_cast<std::size_t>(len);
  return cp;
}

void Encode(char32_t cp, std::string& out) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

bool IsCjk(char32_t c) {
  return (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0xF900 && c <= 0xFAFF) ||
         (c >= 0x20000 && c <= 0x2FFFF) || c == 0x3007;  // 〇
}

CharClass Classify(char32_t c) {
  if (c < 0x80) {
    const bool alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    return alnum ? CharClass::kWord : CharClass::kSeparator;
  }
  if (IsCjk(c)) return CharClass::kCjk;
  // Latin-1 punctuation, general punctuation, CJK symbols and punctuation, full-width forms
  // (their letters and digits were folded before), vertical and small forms, U+FFFD.
  if ((c >= 0x80 && c <= 0xBF) || (c >= 0x2000 && c <= 0x206F) || (c >= 0x3000 && c <= 0x303F) ||
      (c >= 0xFE10 && c <= 0xFE6F) || (c >= 0xFF00 && c <= 0xFFEF) || c == 0xFFFD || c == 0x00D7 ||
      c == 0x00F7) {
    return CharClass::kSeparator;
  }
  return CharClass::kWord;
}

char32_t Fold(char32_t c) {
  if (c >= 0xFF01 && c <= 0xFF5E) c -= 0xFEE0;  // full-width ASCII
  if (c == 0x3000) c = ' ';                     // ideographic space
  if (c >= 'A' && c <= 'Z') c += 'a' - 'A';
  return c;
}

}  // namespace

std::string NormalizeForSearch(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool pending_space = false;
  for (std::size_t i = 0; i < text.size();) {
    const char32_t c = Fold(Decode(text, i));
    if (Classify(c) == CharClass::kSeparator) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    Encode(c, out);
  }
  return out;
}

std::vector<std::string> SearchTokens(std::string_view normalized) {
  std::vector<std::string> tokens;
  std::vector<std::string> run;  // characters of the current CJK run
  std::string word;
  auto flush_run = [&] {
    if (run.size() == 1) tokens.push_back(run[0]);
    for (std::size_t k = 0; k + 1 < run.size(); ++k) tokens.push_back(run[k] + run[k + 1]);
    run.clear();
  };
  auto flush_word = [&] {
    if (!word.empty()) tokens.push_back(std::move(word));
    word.clear();
  };
  for (std::size_t i = 0; i < normalized.size();) {
    const std::size_t start = i;
    const char32_t c = Fold(Decode(normalized, i));
    switch (Classify(c)) {
      case CharClass::kCjk:
        flush_word();
        run.emplace_back(normalized.substr(start, i - start));
        break;
      case CharClass::kWord:
        flush_run();
        Encode(c, word);
        break;
      case CharClass::kSeparator:
        flush_run();
        flush_word();
        break;
    }
  }
  flush_run();
  flush_word();
  return tokens;
}

std::string JoinTokens(const std::vector<std::string>& tokens) {
  std::string out;
  for (const auto& t : tokens) {
    if (!out.empty()) out.push_back(' ');
    out += t;
  }
  return out;
}

std::string PgArrayLiteral(const std::vector<std::string>& tokens) {
  // Tokens hold only letters, digits and CJK characters; quoting keeps the literal valid
  // whatever they hold.
  std::string out = "{";
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    if (i > 0) out.push_back(',');
    out.push_back('"');
    for (char c : tokens[i]) {
      if (c == '"' || c == '\\') out.push_back('\\');
      out.push_back(c);
    }
    out.push_back('"');
  }
  out.push_back('}');
  return out;
}

SearchQuery ParseSearchQuery(std::string_view query) {
  SearchQuery q;
  const std::string normalized = NormalizeForSearch(query);
  std::set<std::string> all;
  std::vector<std::string> ordered;
  q.indexable = true;
  bool all_exact = true;
  std::size_t pos = 0;
  while (pos < normalized.size() && q.terms.size() < SearchQuery::kMaxTerms) {
    std::size_t end = normalized.find(' ', pos);
    if (end == std::string::npos) end = normalized.size();
    std::string term = normalized.substr(pos, end - pos);
    pos = end + 1;
    if (term.empty()) continue;
    auto tokens = SearchTokens(term);
    // A lone CJK character is a token of the index only where it stood alone, so it cannot be
    // looked up; it is left to the substring check. A term with nothing else is not indexable.
    std::vector<std::string> usable;
    for (auto& t : tokens) {
      std::size_t k = 0;
      const char32_t c = Decode(t, k);
      if (!IsCjk(c) || k < t.size()) usable.push_back(t);
    }
    if (usable.empty()) q.indexable = false;
    if (usable.size() != 1 || usable.size() != tokens.size() || usable[0] != term) all_exact = false;
    for (const auto& t : usable) {
      if (all.insert(t).second) ordered.push_back(t);
    }
    q.terms.push_back(std::move(term));
    q.tokens.push_back(std::move(usable));
  }
  if (q.terms.empty()) q.indexable = false;
  q.exact = q.indexable && all_exact;
  for (const auto& t : ordered) {
    if (!q.fts_match.empty()) q.fts_match += " AND ";
    q.fts_match += "\"" + t + "\"";
  }
  q.pg_array = PgArrayLiteral(ordered);
  return q;
}

}  // namespace wangban::catalog

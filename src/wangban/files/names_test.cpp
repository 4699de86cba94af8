// Server-made names: attack names lose their paths and tricks, Chinese names survive, and the
// extension always follows the sniffed type.
#include <gtest/gtest.h>

#include <random>

#include "wangban/files/files.hpp"

namespace wangban::files {
namespace {

bool ValidUtf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    const int n = b < 0x80 ? 1 : (b & 0xE0) == 0xC0 ? 2 : (b & 0xF0) == 0xE0 ? 3 : (b & 0xF8) == 0xF0 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (int k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    i += n;
  }
  return true;
}

TEST(SanitizeFileNameTest, PathTraversalNamesKeepOnlyTheirLastComponent) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"../../etc/passwd", "passwd.pdf"},
      {"..\\..\\x.pdf", "x.pdf"},
      {"/etc/passwd", "passwd.pdf"},
      {"..%2F..%2Fetc%2Fpasswd", "passwd.pdf"},
      {"%2e%2e%2f%2e%2e%2fetc%2fshadow", "shadow.pdf"},
      {"%2E%2E%5C%2E%2E%5CWindows%5CSystem32%5Ccmd.exe", "cmd.pdf"},
      {"..%252F..%252Fboot.ini", "%2F..%2Fboot.pdf"},  // decoded once only: no separator left
      {"C:\\Users\\张三\\Desktop\\营业执照.pdf", "营业执照.pdf"},
      {"\\\\server\\share\\a.pdf", "a.pdf"},
      {"file:///etc/passwd", "passwd.pdf"},
      {"../", "file.pdf"},
      {"..", "file.pdf"},
      {"/", "file.pdf"},
      {"..\\", "file.pdf"},
      // An overlong encoding of '/' is invalid UTF-8, dropped rather than taken as a separator.
      {"..%C0%AF..%C0%AFetc%C0%AFpasswd", "etcpasswd.pdf"},
      // Full-width and other look-alike slashes are not separators but do not survive either.
      {"..／..／x.pdf", "_.._x.pdf"},
      {"a∕b.pdf", "a_b.pdf"},
  };
  for (const auto& [declared, expected] : cases) {
    const std::string name = SanitizeFileName(declared, FileKind::kPdf);
    EXPECT_EQ(name, expected) << declared;
    EXPECT_EQ(name.find('/'), std::string::npos);
    EXPECT_EQ(name.find('\\'), std::string::npos);
    EXPECT_FALSE(name.starts_with("."));
  }
}

TEST(SanitizeFileNameTest, TheExtensionFollowsTheSniffedType) {
  EXPECT_EQ(SanitizeFileName("photo.JPG", FileKind::kJpeg), "photo.jpg");
  EXPECT_EQ(SanitizeFileName("photo.jpeg", FileKind::kPng), "photo.png");
  EXPECT_EQ(SanitizeFileName("evil.html", FileKind::kPdf), "evil.pdf");
  EXPECT_EQ(SanitizeFileName("evil.svg", FileKind::kPng), "evil.png");
  EXPECT_EQ(SanitizeFileName("setup.exe", FileKind::kPdf), "setup.pdf");
  EXPECT_EQ(SanitizeFileName("report.pdf.exe", FileKind::kPdf), "report.pdf.pdf");
  EXPECT_EQ(SanitizeFileName("invoice.exe .pdf", FileKind::kPdf), "invoice.exe.pdf");
  EXPECT_EQ(SanitizeFileName("申请表", FileKind::kDocx), "申请表.docx");
  EXPECT_EQ(SanitizeFileName("版本1.5", FileKind::kXlsx), "版本1.5.xlsx");  // "5" is no extension
  EXPECT_EQ(SanitizeFileName("合同.第二版", FileKind::kOfd), "合同.第二版.ofd");
  EXPECT_EQ(SanitizeFileName("scan.tiff2", FileKind::kPng), "scan.png");
  EXPECT_EQ(SanitizeFileName("archive.tar.gz", FileKind::kDoc), "archive.tar.doc");
}

TEST(SanitizeFileNameTest, EmptyAndDotNamesGetADefault) {
  EXPECT_EQ(SanitizeFileName("", FileKind::kPdf), "file.pdf");
  EXPECT_EQ(SanitizeFileName("...", FileKind::kPdf), "file.pdf");
  EXPECT_EQ(SanitizeFileName("   ", FileKind::kJpeg), "file.jpg");
  EXPECT_EQ(SanitizeFileName("%00%01%1F", FileKind::kPng), "file.png");
  EXPECT_EQ(SanitizeFileName("\u202E\u200B", FileKind::kOfd), "file.ofd");
  EXPECT_EQ(SanitizeFileName(".htaccess", FileKind::kPdf), "htaccess.pdf");
  EXPECT_EQ(SanitizeFileName(". .pdf", FileKind::kPdf), "pdf.pdf");
}

TEST(SanitizeFileNameTest, ControlAndTrickCharactersGo) {
  EXPECT_EQ(SanitizeFileName("a%0D%0Ab%09c%00d.pdf", FileKind::kPdf), "abcd.pdf");
  EXPECT_EQ(SanitizeFileName("a\r\nSet-Cookie: x=y.pdf", FileKind::kPdf), "aSet-Cookie_ x=y.pdf");
  // Right-to-left override: "invoice\u202Efdp.exe" displays as "invoiceexe.pdf".
  EXPECT_EQ(SanitizeFileName("invoice\u202Efdp.exe", FileKind::kPdf), "invoicefdp.pdf");
  EXPECT_EQ(SanitizeFileName("invoice%E2%80%AEfdp.exe", FileKind::kPdf), "invoicefdp.pdf");
  EXPECT_EQ(SanitizeFileName("a\u2066b\u2069c\u200Fd.pdf", FileKind::kPdf), "abcd.pdf");
  EXPECT_EQ(SanitizeFileName("a\"b<c>d|e?f*g:h.pdf", FileKind::kPdf), "a_b_c_d_e_f_g_h.pdf");
  EXPECT_EQ(SanitizeFileName("\xFF\xFE"
                             "abc\xC3.pdf",
                             FileKind::kPdf),
            "abc.pdf");                                                    // invalid UTF-8
  EXPECT_EQ(SanitizeFileName("%ED%A0%80x.pdf", FileKind::kPdf), "x.pdf");  // a surrogate
  EXPECT_EQ(SanitizeFileName("100%.pdf", FileKind::kPdf), "100%.pdf");     // a lone '%'
  EXPECT_EQ(SanitizeFileName("a+b%20c.pdf", FileKind::kPdf), "a+b c.pdf");
  EXPECT_EQ(SanitizeFileName("  name . . .pdf", FileKind::kPdf), "name.pdf");
}

TEST(SanitizeFileNameTest, WindowsDeviceNamesArePrefixed) {
  EXPECT_EQ(SanitizeFileName("CON.pdf", FileKind::kPdf), "_CON.pdf");
  EXPECT_EQ(SanitizeFileName("nul", FileKind::kPdf), "_nul.pdf");
  EXPECT_EQ(SanitizeFileName("com1.txt", FileKind::kPdf), "_com1.pdf");
  EXPECT_EQ(SanitizeFileName("LPT9.tar.gz", FileKind::kPdf), "_LPT9.tar.pdf");
  EXPECT_EQ(SanitizeFileName("CONSOLE.pdf", FileKind::kPdf), "CONSOLE.pdf");
  EXPECT_EQ(SanitizeFileName("com10.pdf", FileKind::kPdf), "com10.pdf");
}

TEST(SanitizeFileNameTest, UnicodeNamesSurvive) {
  EXPECT_EQ(SanitizeFileName("张三 身份证（正面）.jpg", FileKind::kJpeg), "张三 身份证（正面）.jpg");
  EXPECT_EQ(SanitizeFileName("%E8%90%A5%E4%B8%9A%E6%89%A7%E7%85%A7.JPG", FileKind::kPng), "营业执照.png");
  EXPECT_EQ(SanitizeFileName("Ünïcødé-名前-이름-😀.pdf", FileKind::kPdf), "Ünïcødé-名前-이름-😀.pdf");
}

TEST(SanitizeFileNameTest, LongNamesAreCutAtACharacterBoundary) {
  std::string long_name;
  for (int i = 0; i < 300; ++i) long_name += "长";
  const std::string name = SanitizeFileName(long_name + ".pdf", FileKind::kPdf);
  EXPECT_TRUE(ValidUtf8(name));
  EXPECT_EQ(name, std::string(long_name.substr(0, 78)) + ".pdf");  // 26 characters of 3 bytes
  EXPECT_EQ(SanitizeFileName(std::string(5000, 'a'), FileKind::kPng), std::string(80, 'a') + ".png");
  // A cut that leaves a trailing dot or space trims it.
  EXPECT_EQ(SanitizeFileName(std::string(79, 'a') + " b", FileKind::kPdf), std::string(79, 'a') + ".pdf");
}

// Whatever comes in, the name is valid UTF-8, has no separators or control characters, does
// not start with a dot and ends with the kind's extension.
TEST(SanitizeFileNameTest, RandomInputsGiveSafeNames) {
  std::mt19937 rng(33190);
  const std::string alphabet[] = {"/",         "\\",       ".",  "..", "%", "%2F",    "%5c", "%00",
                                  "%E2%80%AE", "\r",       "\n", " ",  "a", "Z",      "7",   "名",
                                  "\xFF",      "\xC0\xAF", "\"", ":",  "*", "\u202E", "CON", "pdf"};
  for (int round = 0; round < 5000; ++round) {
    std::string declared;
    const int parts = static_cast<int>(rng() % 40);
    for (int i = 0; i < parts; ++i) declared += alphabet[rng() % std::size(alphabet)];
    const auto kind = static_cast<FileKind>(rng() % kFileKindCount);
    const std::string name = SanitizeFileName(declared, kind);
    ASSERT_TRUE(ValidUtf8(name)) << declared;
    ASSERT_FALSE(name.starts_with(".")) << declared;
    ASSERT_TRUE(name.ends_with("." + std::string(Extension(kind)))) << declared;
    ASSERT_LE(name.size(), 80u + 1 + Extension(kind).size() + 1) << declared;
    for (char c : name) {
      ASSERT_FALSE(c == '/' || c == '\\' || c == '"' || (static_cast<unsigned char>(c) < 0x20) || c == 0x7F)
          << declared;
    }
    ASSERT_EQ(name.find("\u202E"), std::string::npos) << declared;
  }
}

TEST(AttachmentDispositionTest, AsciiFallbackAndUtf8Name) {
  EXPECT_EQ(AttachmentDisposition("report 2026.pdf"),
            "attachment; filename=\"report 2026.pdf\"; filename*=UTF-8''report%202026.pdf");
  EXPECT_EQ(AttachmentDisposition("营业执照.pdf"),
            "attachment; filename=\"file.pdf\"; "
            "filename*=UTF-8''%E8%90%A5%E4%B8%9A%E6%89%A7%E7%85%A7.pdf");
  EXPECT_EQ(AttachmentDisposition("张三-id.png"),
            "attachment; filename=\"__-id.png\"; filename*=UTF-8''%E5%BC%A0%E4%B8%89-id.png");
  EXPECT_EQ(AttachmentDisposition("100%;a'b.pdf"),
            "attachment; filename=\"100_;a'b.pdf\"; filename*=UTF-8''100%25%3Ba%27b.pdf");
  // Even a name that did not come from SanitizeFileName cannot break out of the quotes.
  EXPECT_EQ(AttachmentDisposition("a\"b\\c\r\n.pdf"),
            "attachment; filename=\"a_b_c__.pdf\"; filename*=UTF-8''a%22b%5Cc%0D%0A.pdf");
}

}  // namespace
}  // namespace wangban::files

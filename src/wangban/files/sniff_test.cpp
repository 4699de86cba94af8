// Sniffing from crafted bytes: each accepted kind, and the disguises it must see through
// (HTML or SVG named PDF, polyglots, scripts, executables, malformed containers).
#include <gtest/gtest.h>

#include <random>

#include "wangban/files/files.hpp"
#include "wangban/files/internal/containers.hpp"
#include "wangban/files/internal/samples.hpp"

namespace wangban::files {
namespace {

using samples::Cfb;
using samples::Zip;

std::optional<FileKind> None() { return std::nullopt; }

TEST(KindTest, NamesMediaTypesAndExtensionsRoundTrip) {
  for (int i = 0; i < kFileKindCount; ++i) {
    const auto kind = static_cast<FileKind>(i);
    EXPECT_EQ(ParseKind(KindName(kind)), kind);
    EXPECT_EQ(KindForMediaType(MediaType(kind)), kind);
    EXPECT_FALSE(Extension(kind).empty());
  }
  EXPECT_EQ(MediaType(FileKind::kPdf), "application/pdf");
  EXPECT_EQ(MediaType(FileKind::kOfd), "application/ofd");
  EXPECT_EQ(MediaType(FileKind::kDoc), "application/msword");
  EXPECT_EQ(Extension(FileKind::kJpeg), "jpg");
  EXPECT_EQ(ParseKind("PDF"), std::nullopt);
  EXPECT_EQ(ParseKind("pptx"), std::nullopt);
  EXPECT_EQ(ParseKind(""), std::nullopt);
}

TEST(KindTest, SetsAndLists) {
  EXPECT_EQ(kDefaultKinds.ToString(), "pdf, jpeg, png, ofd");
  EXPECT_EQ(kAllKinds.ToString(), "pdf, jpeg, png, ofd, docx, xlsx, doc, xls");
  EXPECT_FALSE(kDefaultKinds.Contains(FileKind::kDocx));
  EXPECT_TRUE(kAllKinds.Contains(FileKind::kXls));
  auto parsed = ParseKindList(" pdf, docx ,,xls");
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(*parsed, (KindSet{FileKind::kPdf, FileKind::kDocx, FileKind::kXls}));
  EXPECT_TRUE(ParseKindList("")->empty());
  auto bad = ParseKindList("pdf,html", "materials[0].formats");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, ErrorCode::kValidationFailed);
  ASSERT_EQ(bad.error().field_errors.size(), 1u);
  EXPECT_EQ(bad.error().field_errors[0].field, "materials[0].formats");
  EXPECT_EQ(bad.error().field_errors[0].code, "enum");
}

TEST(SniffTest, RecognizesEachSupportedKind) {
  EXPECT_EQ(SniffKind(samples::Pdf()), FileKind::kPdf);
  EXPECT_EQ(SniffKind(samples::Jpeg()), FileKind::kJpeg);
  EXPECT_EQ(SniffKind(samples::Png()), FileKind::kPng);
  EXPECT_EQ(SniffKind(samples::Ofd()), FileKind::kOfd);
  EXPECT_EQ(SniffKind(samples::Docx()), FileKind::kDocx);
  EXPECT_EQ(SniffKind(samples::Xlsx()), FileKind::kXlsx);
  EXPECT_EQ(SniffKind(samples::Doc()), FileKind::kDoc);
  EXPECT_EQ(SniffKind(samples::Xls()), FileKind::kXls);
  EXPECT_EQ(SniffKind(Cfb({"Book"})), FileKind::kXls);  // BIFF5
  EXPECT_EQ(SniffKind("%PDF-2.0\n1 0 obj\n<<>>\nendobj\n%%EOF"), FileKind::kPdf);
}

TEST(SniffTest, PdfNeedsItsSignatureAtOffsetZeroAndAnEndMarker) {
  const std::string pdf = samples::Pdf();
  EXPECT_EQ(SniffKind(" " + pdf), None());
  EXPECT_EQ(SniffKind("\xEF\xBB\xBF" + pdf), None());
  EXPECT_EQ(SniffKind(std::string(100, 'x') + pdf), None());
  EXPECT_EQ(SniffKind("%PDF-1.7\n1 0 obj\n<<>>\nendobj\n"), None());         // no %%EOF
  EXPECT_EQ(SniffKind("%PDF-1.7\n%%EOF" + std::string(2000, ' ')), None());  // %%EOF too far from the end
  EXPECT_EQ(SniffKind("%PDF-1.7\n" + std::string(2000, ' ') + "%%EOF\n\n"), FileKind::kPdf);
  EXPECT_EQ(SniffKind("%PDF-x.y\n" + std::string(20, ' ') + "%%EOF"), None());
  EXPECT_EQ(SniffKind("%PDF-1.7%%EOF"), None());  // too short to be a document
}

TEST(SniffTest, HtmlAndSvgAreRefusedWhateverTheyClaim) {
  const std::vector<std::string> disguises = {
      "<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>",
      "<html><head><title>x</title></head></html>",
      "   \r\n\t<script>fetch('/api/v1/me')</script>",
      "\xEF\xBB\xBF<html>",
      std::string("\xFF\xFE<\0h\0t\0m\0l\0>\0", 14),  // UTF-16LE
      std::string("\xFE\xFF\0<\0s\0v\0g", 10),        // UTF-16BE
      "<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>",
      "<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>",
      "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><x>&e;</x>",
      // An HTML page that ends with a PDF trailer, and a PDF signature after markup.
      "<html><body>%PDF-1.7\n</body></html>\n%%EOF",
      "<!-- %PDF-1.4 -->\n" + samples::Pdf(),
      // HTML inside what starts as a PDF, in the window browsers sniff.
      "%PDF-1.4\n<html><body><script>alert(1)</script></body></html>\n%%EOF\n",
      "%PDF-1.4\n%<SCRIPT>alert(1)</SCRIPT>\n" + std::string(40, ' ') + "\n%%EOF",
      "%PDF-1.4\n<iframe src=x>" + std::string(40, ' ') + "%%EOF",
  };
  for (const auto& bytes : disguises) EXPECT_EQ(SniffKind(bytes), None()) << bytes;
  // A tag in a JPEG comment near the start is refused too.
  EXPECT_EQ(SniffKind(samples::Jpeg("<script>alert(1)</script>")), None());
  EXPECT_EQ(SniffKind(samples::Jpeg("Created with GIMP")), FileKind::kJpeg);
  // Beyond the first KiB a PDF may say anything (browsers do not sniff there; downloads are
  // attachments with nosniff anyway).
  EXPECT_EQ(SniffKind("%PDF-1.4\n" + std::string(1100, ' ') + "(<html>)\n%%EOF"), FileKind::kPdf);
}

TEST(SniffTest, ScriptsExecutablesAndOtherFormatsAreRefused) {
  const std::vector<std::string> others = {
      "",
      "hello",
      "#!/bin/sh\nrm -rf /\n",
      "{\"json\": true}",
      "MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xFF\xFF\x00\x00 This program cannot be run in DOS mode",
      "\x7F"
      "ELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00",
      "GIF89a\x01\x00\x01\x00\x80\x00\x00\xFF\xFF\xFF\x00\x00\x00!\xF9\x04",
      "BM\x3A\x00\x00\x00\x00\x00\x00\x00\x36\x00\x00\x00\x28\x00",
      "II*\x00\x08\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00",  // TIFF
      "RIFF\x24\x00\x00\x00WEBPVP8 ",
      "{\\rtf1\\ansi Hello}",
      "\xFF\xD8\xFF",  // a JPEG signature and nothing else
      std::string("\x89PNG\r\n\x1A\n\x00\x00\x00\x0DIDAT", 16) + std::string(20, '\0'),  // no IHDR first
      std::string("\x1F\x8B\x08\x00", 4) + std::string(20, '\0'),                        // gzip
      "7z\xBC\xAF\x27\x1C\x00\x04" + std::string(20, '\0'),
      "Rar!\x1A\x07\x01\x00" + std::string(20, '\0'),
  };
  for (const auto& bytes : others) EXPECT_EQ(SniffKind(bytes), None()) << bytes;
}

TEST(SniffTest, ZipBasedKindsNeedTheirMarkerParts) {
  const std::string types = "[Content_Types].xml";
  EXPECT_EQ(SniffKind(Zip({{"hello.txt", "hi"}})), None());     // a plain archive
  EXPECT_EQ(SniffKind(Zip({{"Doc_0/OFD.xml", "x"}})), None());  // OFD.xml not at the root
  EXPECT_EQ(SniffKind(Zip({{"ofd.xml", "x"}})), None());
  EXPECT_EQ(SniffKind(Zip({{types, "x"}, {"ppt/presentation.xml", "x"}})), None());  // PPTX
  EXPECT_EQ(SniffKind(Zip({{types, "x"}, {"word/document.xml", "x"}, {"xl/workbook.xml", "x"}})), None());
  EXPECT_EQ(SniffKind(Zip({{types, "x"}, {"word/document.xml", "x"}, {"word/vbaProject.bin", "x"}})),
            None());  // DOCM
  EXPECT_EQ(SniffKind(Zip({{types, "x"}, {"xl/workbook.xml", "x"}, {"xl/vbaproject.BIN", "x"}})), None());
  EXPECT_EQ(SniffKind(Zip({{"word/document.xml", "x"}})), None());  // no content types
  EXPECT_EQ(SniffKind(Zip({{"OFD.xml", "x"}, {types, "x"}, {"word/document.xml", "x"}})), None());
  EXPECT_EQ(SniffKind(Zip({{"mimetype", "application/vnd.oasis.opendocument.text"}, {"content.xml", "x"}})),
            None());  // ODT
  // A comment is allowed; the archive still has to end where it says.
  EXPECT_EQ(SniffKind(Zip({{"OFD.xml", "x"}}, {.comment = "signed by 电子签章"})), FileKind::kOfd);
}

TEST(SniffTest, MalformedOrDisguisedZipsAreRefused) {
  const std::string docx = samples::Docx();
  EXPECT_EQ(SniffKind("junk" + docx), None());  // data before the archive
  EXPECT_EQ(SniffKind(docx + "junk"), None());  // data after it
  EXPECT_EQ(SniffKind(samples::Pdf() + docx), FileKind::kPdf) << "a PDF with an archive appended is a PDF";
  EXPECT_EQ(SniffKind(Zip({{"[Content_Types].xml", "x"}, {"word/document.xml", "x"}, {"word/document.xml", "y"}})),
            None());  // duplicate names
  EXPECT_EQ(SniffKind(Zip({{"OFD.xml", "x"}}, {.encrypted = true})), None());
  EXPECT_EQ(SniffKind(Zip({{"OFD.xml", "x"}, {"a.xml", "y"}}, {.local_name_override = "b.xml"})), None());
  for (std::size_t cut = 0; cut < docx.size(); ++cut) {
    EXPECT_EQ(SniffKind(docx.substr(0, cut)), None()) << "truncated at " << cut;
  }
  // The central directory's offset moved by one: nothing lines up any more.
  std::string shifted = docx;
  const std::size_t eocd = shifted.size() - 22;
  samples::SetU32(
      shifted, eocd + 16,
      static_cast<std::uint32_t>(
          (static_cast<unsigned char>(shifted[eocd + 16]) | static_cast<unsigned char>(shifted[eocd + 17]) << 8) + 1));
  EXPECT_EQ(SniffKind(shifted), None());
  // A ZIP64 locator before the record.
  std::string zip64 = Zip({{"OFD.xml", "x"}});
  zip64.insert(zip64.size() - 22, std::string("PK\x06\x07", 4) + std::string(16, '\0'));
  EXPECT_EQ(SniffKind(zip64), None());
}

TEST(SniffTest, CompoundFilesAreReadThroughTheirDirectory) {
  EXPECT_EQ(SniffKind(Cfb({"WordDocument"}, {.major = 4})), FileKind::kDoc);
  EXPECT_EQ(SniffKind(Cfb({"Workbook"}, {.major = 4})), FileKind::kXls);
  // Entries past the first directory sector are found through the FAT chain.
  std::vector<std::string> many;
  for (int i = 0; i < 20; ++i) many.push_back("Stream" + std::to_string(i));
  many.push_back("WordDocument");
  EXPECT_EQ(SniffKind(Cfb(many)), FileKind::kDoc);
  EXPECT_EQ(internal::CfbRootNames(Cfb(many))->size(), many.size());

  EXPECT_EQ(SniffKind(Cfb({"PowerPoint Document", "Current User"})), None());
  EXPECT_EQ(SniffKind(Cfb({"WordDocument", "Workbook"})), None());
  EXPECT_EQ(SniffKind(Cfb({"WordDocument", "Macros"})), None());
  EXPECT_EQ(SniffKind(Cfb({"Workbook", "_VBA_PROJECT_CUR"})), None());
  EXPECT_EQ(SniffKind(Cfb({"EncryptedPackage", "EncryptionInfo"})), None());  // encrypted OOXML
  EXPECT_EQ(SniffKind(Cfb({})), None());
  EXPECT_EQ(SniffKind(Cfb({"\x05SummaryInformation"})), None());  // e.g. an MSI or a .msg
}

TEST(SniffTest, MalformedCompoundFilesAreRefused) {
  EXPECT_EQ(SniffKind(Cfb({"WordDocument"}, {.directory_loops = true})), None());
  std::vector<std::string> many(10, "x");
  many.back() = "WordDocument";
  EXPECT_EQ(SniffKind(Cfb(many, {.directory_loops = true})), None());
  EXPECT_EQ(SniffKind(Cfb({"WordDocument", "1Table"}, {.tree_loops = true})), None());
  const std::string doc = samples::Doc();
  for (std::size_t cut = 0; cut < doc.size(); cut += 7) {
    EXPECT_EQ(SniffKind(doc.substr(0, cut)), None()) << "truncated at " << cut;
  }
  std::string bad = doc;
  samples::SetU32(bad, 48, 5000);  // the directory starts beyond the end
  EXPECT_EQ(SniffKind(bad), None());
  bad = doc;
  samples::SetU32(bad, 76, 0x7FFFFFFF);  // the FAT lies beyond the end
  EXPECT_EQ(SniffKind(bad), None());
  bad = doc;
  samples::SetU32(bad, 44, 0xFFFFFFFF);  // more FAT sectors than the file holds
  EXPECT_EQ(SniffKind(bad), None());
  bad = doc;
  bad[30] = 12;  // version 3 with 4096-byte sectors
  EXPECT_EQ(SniffKind(bad), None());
  bad = doc;
  samples::SetU32(bad, 512 * 2 + 76, 7);  // the root's child is an entry that does not exist
  EXPECT_EQ(SniffKind(bad), None());
}

// Damaged and random inputs never crash, hang or read out of bounds (the ASan build checks the
// last part); each comes back as one kind or none.
TEST(SniffTest, DamagedFilesNeverCrash) {
  const std::vector<std::string> valid = {
      samples::Pdf(), samples::Jpeg(), samples::Png(),
      samples::Ofd(), samples::Docx(), samples::Xlsx(),
      samples::Doc(), samples::Xls(),  Cfb({"a", "b", "c", "d", "e", "f", "g", "WordDocument"}, {.major = 4})};
  std::mt19937 rng(20261120);
  int still_valid = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string bytes = valid[rng() % valid.size()];
    const int edits = 1 + static_cast<int>(rng() % 6);
    for (int e = 0; e < edits && !bytes.empty(); ++e) {
      const std::size_t at = rng() % bytes.size();
      switch (rng() % 4) {
        case 0:
          bytes[at] = static_cast<char>(rng());
          break;
        case 1:
          bytes.resize(at);
          break;
        case 2:
          bytes.insert(at, 1 + rng() % 8, static_cast<char>(rng()));
          break;
        default:
          bytes[at] = static_cast<char>(0xFF);
          break;
      }
    }
    if (SniffKind(bytes)) ++still_valid;
  }
  EXPECT_GT(still_valid, 0);
  for (int round = 0; round < 2000; ++round) {
    std::string bytes(rng() % 3000, '\0');
    for (char& c : bytes) c = static_cast<char>(rng());
    if (round % 3 == 0) bytes.replace(0, std::min<std::size_t>(bytes.size(), 4), "PK\x03\x04");
    if (round % 3 == 1) bytes.replace(0, std::min<std::size_t>(bytes.size(), 8), "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1");
    (void)SniffKind(bytes);
  }
}

TEST(DeclaredTypeTest, TheDeclaredTypeIsOnlyAHint) {
  EXPECT_EQ(KindForMediaType("application/pdf"), FileKind::kPdf);
  EXPECT_EQ(KindForMediaType(" Application/PDF ; charset=binary"), FileKind::kPdf);
  EXPECT_EQ(KindForMediaType("image/jpg"), FileKind::kJpeg);
  EXPECT_EQ(KindForMediaType("image/pjpeg"), FileKind::kJpeg);
  EXPECT_EQ(KindForMediaType("image/x-png"), FileKind::kPng);
  EXPECT_EQ(KindForMediaType("text/html"), std::nullopt);
  EXPECT_EQ(KindForMediaType("image/svg+xml"), std::nullopt);

  // No hint fits everything.
  for (const char* none : {"", "application/octet-stream", "binary/octet-stream"}) {
    for (int i = 0; i < kFileKindCount; ++i) EXPECT_TRUE(DeclaredTypeFits(none, static_cast<FileKind>(i))) << none;
  }
  EXPECT_TRUE(DeclaredTypeFits("application/pdf", FileKind::kPdf));
  // Within a family the content decides: a ".jpg" that is a PNG, a ".doc" that is DOCX.
  EXPECT_TRUE(DeclaredTypeFits("image/jpeg", FileKind::kPng));
  EXPECT_TRUE(DeclaredTypeFits("application/msword", FileKind::kDocx));
  EXPECT_TRUE(DeclaredTypeFits("application/vnd.ms-excel", FileKind::kXlsx));
  EXPECT_TRUE(DeclaredTypeFits("application/zip", FileKind::kOfd));
  EXPECT_TRUE(DeclaredTypeFits("application/x-zip-compressed", FileKind::kDocx));
  // Across families, or for types we never store, it is a mismatch.
  EXPECT_FALSE(DeclaredTypeFits("image/png", FileKind::kPdf));
  EXPECT_FALSE(DeclaredTypeFits("application/pdf", FileKind::kJpeg));
  EXPECT_FALSE(DeclaredTypeFits("application/msword", FileKind::kXls));
  EXPECT_FALSE(DeclaredTypeFits("application/zip", FileKind::kPdf));
  EXPECT_FALSE(DeclaredTypeFits("text/html", FileKind::kPdf));
  EXPECT_FALSE(DeclaredTypeFits("image/svg+xml", FileKind::kPng));
  EXPECT_FALSE(DeclaredTypeFits("text/plain", FileKind::kPdf));
}

TEST(Sm3Test, KnownAnswer) {
  // GB/T 32905 example 1.
  EXPECT_EQ(Sm3Hex("abc"), "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0");
}

}  // namespace
}  // namespace wangban::files

// .xlsx import. The package's relationships lead from _rels/.rels to the workbook, and from the
// workbook to its worksheets and shared strings; pugixml parses each part. Element names are
// matched without their namespace prefix, since some tools write "x:row" for "row".
#include <charconv>
#include <map>
#include <memory>
#include <pugixml.hpp>
#include <system_error>

#include "wangban/sheets/internal/text.hpp"
#include "wangban/sheets/internal/zip_reader.hpp"
#include "wangban/sheets/sheets.hpp"

namespace wangban::sheets {
namespace {

using internal::ZipReader;

constexpr std::string_view kDefaultWorkbookPart = "xl/workbook.xml";

Error BadXlsx(std::string message) { return Error::BadRequest(std::move(message), "bad_xlsx"); }
Error TooLarge(std::string message) { return Error::BadRequest(std::move(message), "too_large"); }

// ---- XML helpers ----

// "row" for "row" and for "x:row".
std::string_view LocalName(std::string_view name) {
  const std::size_t colon = name.find(':');
  return colon == std::string_view::npos ? name : name.substr(colon + 1);
}

bool Is(pugi::xml_node node, std::string_view local_name) {
  return node.type() == pugi::node_element && LocalName(node.name()) == local_name;
}

pugi::xml_node Child(pugi::xml_node parent, std::string_view local_name) {
  for (pugi::xml_node child : parent.children()) {
    if (Is(child, local_name)) return child;
  }
  return {};
}

// The value of attribute `local_name` in some namespace ("r:id" for "id"); unprefixed ones do
// not count, so that "id" never matches an unrelated attribute.
std::string_view PrefixedAttribute(pugi::xml_node node, std::string_view local_name) {
  for (pugi::xml_attribute attribute : node.attributes()) {
    const std::string_view name = attribute.name();
    if (name.find(':') != std::string_view::npos && LocalName(name) == local_name) return attribute.value();
  }
  return {};
}

// All character data directly inside `node` (text and CDATA sections).
std::string TextOf(pugi::xml_node node) {
  std::string text;
  for (pugi::xml_node child : node.children()) {
    if (child.type() == pugi::node_pcdata || child.type() == pugi::node_cdata) text += child.value();
  }
  return text;
}

// The text of a shared string <si> or an inline string <is>: <t>, or the <t> of each rich-text
// run <r>. Phonetic runs (<rPh>) are annotations, not text.
std::string StringItem(pugi::xml_node item) {
  std::string text;
  for (pugi::xml_node child : item.children()) {
    if (Is(child, "t")) {
      text += TextOf(child);
    } else if (Is(child, "r")) {
      if (pugi::xml_node run_text = Child(child, "t")) text += TextOf(run_text);
    }
  }
  return internal::DecodeXstring(text);
}

// A parsed part; the document points into `bytes`.
struct XmlPart {
  std::string bytes;
  pugi::xml_document document;
};

// The part `name` parsed, or nullptr if the package has no such part.
Result<std::unique_ptr<XmlPart>> ReadXml(ZipReader& zip, std::string_view name) {
  auto bytes = zip.Read(name);
  if (!bytes) return Fail(std::move(bytes.error()));
  if (!*bytes) return nullptr;
  auto part = std::make_unique<XmlPart>();
  part->bytes = std::move(**bytes);
  const pugi::xml_parse_result parsed = part->document.load_buffer_inplace(
      part->bytes.data(), part->bytes.size(), pugi::parse_default | pugi::parse_ws_pcdata, pugi::encoding_auto);
  if (!parsed) {
    return Fail(BadXlsx(std::string(name) + " is not well-formed XML: " + parsed.description() + " at byte " +
                        std::to_string(parsed.offset)));
  }
  return part;
}

// ---- package structure ----

struct Relationship {
  std::string type;  // a URI; compare with TypeIs
  std::string part;  // the target part's name, e.g. "xl/worksheets/sheet1.xml"
};

// True if relationship `type` is `kind` ("worksheet") in the transitional or strict namespace.
bool TypeIs(std::string_view type, std::string_view kind) {
  return type.size() > kind.size() && type.ends_with(kind) && type[type.size() - kind.size() - 1] == '/';
}

// The part that `target` names, relative to the folder of `source` ("xl/workbook.xml") or, with
// a leading "/", to the package root.
std::string ResolveTarget(std::string_view source, std::string_view target) {
  std::string path;
  if (target.starts_with('/')) {
    path = target.substr(1);
  } else {
    const std::size_t slash = source.rfind('/');
    path = std::string(slash == std::string_view::npos ? "" : source.substr(0, slash + 1)) + std::string(target);
  }
  std::vector<std::string> segments;
  std::size_t start = 0;
  while (start <= path.size()) {
    const std::size_t end = std::min(path.find('/', start), path.size());
    const std::string segment = path.substr(start, end - start);
    if (segment == "..") {
      if (!segments.empty()) segments.pop_back();
    } else if (!segment.empty() && segment != ".") {
      segments.push_back(segment);
    }
    start = end + 1;
  }
  std::string resolved;
  for (const std::string& segment : segments) resolved += (resolved.empty() ? "" : "/") + segment;
  return resolved;
}

// The relationships of part `source` ("" for the package), by Id; empty if it has none.
Result<std::map<std::string, Relationship, std::less<>>> ReadRelationships(ZipReader& zip, std::string_view source) {
  const std::size_t slash = source.rfind('/');
  const std::string folder(slash == std::string_view::npos ? "" : source.substr(0, slash + 1));
  const std::string file(slash == std::string_view::npos ? source : source.substr(slash + 1));
  const std::string rels_name = folder + "_rels/" + file + ".rels";
  auto part = ReadXml(zip, rels_name);
  if (!part) return Fail(std::move(part.error()));
  std::map<std::string, Relationship, std::less<>> relationships;
  if (!*part) return relationships;
  for (pugi::xml_node node : (*part)->document.document_element().children()) {
    if (!Is(node, "Relationship")) continue;
    if (std::string_view(node.attribute("TargetMode").value()) == "External") continue;
    relationships[node.attribute("Id").value()] =
        Relationship{node.attribute("Type").value(), ResolveTarget(source, node.attribute("Target").value())};
  }
  return relationships;
}

// The workbook part named by the package's officeDocument relationship, else xl/workbook.xml.
Result<std::string> FindWorkbookPart(ZipReader& zip) {
  auto relationships = ReadRelationships(zip, "");
  if (!relationships) return Fail(std::move(relationships.error()));
  for (const auto& [id, relationship] : *relationships) {
    if (TypeIs(relationship.type, "officeDocument")) return relationship.part;
  }
  return std::string(kDefaultWorkbookPart);
}

struct SheetPart {
  std::string name;
  std::string part;
};

struct WorkbookParts {
  std::vector<SheetPart> sheets;  // worksheets in workbook order
  std::string shared_strings;     // empty if the workbook has none
};

Result<WorkbookParts> ReadWorkbookParts(ZipReader& zip) {
  auto workbook_part = FindWorkbookPart(zip);
  if (!workbook_part) return Fail(std::move(workbook_part.error()));
  auto workbook = ReadXml(zip, *workbook_part);
  if (!workbook) return Fail(std::move(workbook.error()));
  if (!*workbook || !Is((*workbook)->document.document_element(), "workbook")) {
    return Fail(BadXlsx("the zip archive holds no workbook (" + *workbook_part + "): it is not an .xlsx file"));
  }
  auto relationships = ReadRelationships(zip, *workbook_part);
  if (!relationships) return Fail(std::move(relationships.error()));
  WorkbookParts parts;
  for (const auto& [id, relationship] : *relationships) {
    if (TypeIs(relationship.type, "sharedStrings")) parts.shared_strings = relationship.part;
  }
  const pugi::xml_node sheets = Child((*workbook)->document.document_element(), "sheets");
  for (pugi::xml_node sheet : sheets.children()) {
    if (!Is(sheet, "sheet")) continue;
    const std::string name = sheet.attribute("name").value();
    if (name.empty() || internal::FindInvalidUtf8(name)) return Fail(BadXlsx("a sheet has no valid name"));
    const auto found = relationships->find(PrefixedAttribute(sheet, "id"));
    if (found == relationships->end()) return Fail(BadXlsx("sheet \"" + name + "\" has no part in the package"));
    if (!TypeIs(found->second.type, "worksheet")) continue;  // a chart sheet, dialog sheet or macro sheet
    parts.sheets.push_back({name, found->second.part});
  }
  return parts;
}

Result<std::vector<std::string>> ReadSharedStrings(ZipReader& zip, const std::string& part_name) {
  std::vector<std::string> strings;
  if (part_name.empty()) return strings;
  auto part = ReadXml(zip, part_name);
  if (!part) return Fail(std::move(part.error()));
  if (!*part) return Fail(BadXlsx("the shared strings part " + part_name + " is missing"));
  for (pugi::xml_node item : (*part)->document.document_element().children()) {
    if (Is(item, "si")) strings.push_back(StringItem(item));
  }
  return strings;
}

// ---- worksheets ----

// Where a cell is, for messages: "cell B3 of sheet "事项"".
std::string Where(std::string_view sheet, std::uint32_t row, std::uint32_t column) {
  return "cell " + internal::CellName(row, column) + " of sheet \"" + std::string(sheet) + "\"";
}

std::string BooleanText(std::string_view text) {
  if (text == "1" || text == "true") return "TRUE";
  if (text == "0" || text == "false") return "FALSE";
  return std::string(text);
}

// The text that cell `column` of row `row` of sheet `sheet` shows (see ReadXlsx in sheets.hpp).
Result<std::string> CellText(pugi::xml_node cell, const std::vector<std::string>& shared_strings,
                             std::string_view sheet, std::uint32_t row, std::uint32_t column) {
  const std::string_view type = cell.attribute("t").value();
  if (type == "inlineStr") {
    const pugi::xml_node item = Child(cell, "is");
    return item ? StringItem(item) : std::string();
  }
  const pugi::xml_node value_node = Child(cell, "v");
  if (!value_node) return std::string();
  std::string value = TextOf(value_node);
  if (type == "s") {
    std::size_t index = 0;
    const auto parsed = std::from_chars(value.data(), value.data() + value.size(), index);
    if (parsed.ec != std::errc() || parsed.ptr != value.data() + value.size() || index >= shared_strings.size()) {
      return Fail(
          BadXlsx(Where(sheet, row, column) + " refers to shared string \"" + value + "\", which does not exist"));
    }
    return shared_strings[index];
  }
  if (type == "str") return internal::DecodeXstring(value);
  if (type == "b") return BooleanText(value);
  if (type.empty() || type == "n") {
    if (auto number = internal::FormatNumber(value)) return *number;
  }
  return value;  // "e" (error text such as "#N/A"), "d" (an ISO 8601 date), or what cannot be read
}

// Places cells into rows, trimming what is empty at the ends and enforcing the limits.
class RowsBuilder {
 public:
  RowsBuilder(std::string_view sheet, const ReadLimits& limits, std::size_t& cells_used)
      : sheet_(sheet), limits_(limits), cells_used_(cells_used) {}

  Result<void> Place(std::uint32_t row, std::uint32_t column, std::string text) {
    if (text.empty()) return {};
    if (text.find('\0') != std::string::npos)
      return Fail(BadXlsx(Where(sheet_, row, column) + " contains a NUL character"));
    if (internal::FindInvalidUtf8(text)) return Fail(BadXlsx(Where(sheet_, row, column) + " is not valid UTF-8"));
    if (row >= limits_.max_rows) {
      return Fail(TooLarge("sheet \"" + sheet_ + "\" has more than " + std::to_string(limits_.max_rows) + " rows"));
    }
    if (column >= limits_.max_columns) {
      return Fail(TooLarge(Where(sheet_, row, column) + " is past the limit of " + std::to_string(limits_.max_columns) +
                           " columns"));
    }
    if (rows_.size() <= row) {
      if (auto ok = Charge(row + 1 - rows_.size()); !ok) return ok;
      rows_.resize(row + 1);
    }
    Row& cells = rows_[row];
    if (cells.size() <= column) {
      if (auto ok = Charge(column + 1 - cells.size()); !ok) return ok;
      cells.resize(column + 1);
    }
    cells[column] = std::move(text);
    return {};
  }

  std::vector<Row> Take() { return std::move(rows_); }

 private:
  // Counts `count` more rows or cells against ReadLimits::max_cells.
  Result<void> Charge(std::size_t count) {
    cells_used_ += count;
    if (cells_used_ > limits_.max_cells) {
      return Fail(TooLarge("the workbook has more than " + std::to_string(limits_.max_cells) + " cells"));
    }
    return {};
  }

  std::string sheet_;
  const ReadLimits& limits_;
  std::size_t& cells_used_;
  std::vector<Row> rows_;
};

// The row index of <row>: its r attribute, else the one after `previous` (-1 before the first).
Result<std::uint32_t> RowIndex(pugi::xml_node row, std::int64_t previous, std::string_view sheet) {
  if (pugi::xml_attribute r = row.attribute("r")) {
    if (auto index = internal::ParseRowNumber(r.value())) return *index;
    return Fail(BadXlsx("sheet \"" + std::string(sheet) + "\" has a bad row number \"" + r.value() + "\""));
  }
  if (previous + 1 >= internal::kMaxXlsxRows) {
    return Fail(BadXlsx("sheet \"" + std::string(sheet) + "\" has rows past row 1,048,576"));
  }
  return static_cast<std::uint32_t>(previous + 1);
}

// The column index of <c>: from its r attribute (the row part is ignored: <row> says where the
// row is), else the one after `previous` (-1 before the first).
Result<std::uint32_t> ColumnIndex(pugi::xml_node cell, std::int64_t previous, std::string_view sheet) {
  if (pugi::xml_attribute r = cell.attribute("r")) {
    if (auto ref = internal::ParseCellRef(r.value())) return ref->column;
    return Fail(BadXlsx("sheet \"" + std::string(sheet) + "\" has a bad cell reference \"" + r.value() + "\""));
  }
  if (previous + 1 >= internal::kMaxXlsxColumns) {
    return Fail(BadXlsx("sheet \"" + std::string(sheet) + "\" has cells past column XFD"));
  }
  return static_cast<std::uint32_t>(previous + 1);
}

Result<std::vector<Row>> ReadWorksheet(ZipReader& zip, const SheetPart& sheet,
                                       const std::vector<std::string>& shared_strings, const ReadLimits& limits,
                                       std::size_t& cells_used) {
  auto part = ReadXml(zip, sheet.part);
  if (!part) return Fail(std::move(part.error()));
  if (!*part) return Fail(BadXlsx("the part " + sheet.part + " of sheet \"" + sheet.name + "\" is missing"));
  RowsBuilder builder(sheet.name, limits, cells_used);
  const pugi::xml_node data = Child((*part)->document.document_element(), "sheetData");
  std::int64_t row_index = -1;
  for (pugi::xml_node row : data.children()) {
    if (!Is(row, "row")) continue;
    auto r = RowIndex(row, row_index, sheet.name);
    if (!r) return Fail(std::move(r.error()));
    row_index = *r;
    std::int64_t column_index = -1;
    for (pugi::xml_node cell : row.children()) {
      if (!Is(cell, "c")) continue;
      auto c = ColumnIndex(cell, column_index, sheet.name);
      if (!c) return Fail(std::move(c.error()));
      column_index = *c;
      auto text = CellText(cell, shared_strings, sheet.name, *r, *c);
      if (!text) return Fail(std::move(text.error()));
      if (auto ok = builder.Place(*r, *c, std::move(*text)); !ok) return Fail(std::move(ok.error()));
    }
  }
  return builder.Take();
}

}  // namespace

Result<std::vector<Sheet>> ReadXlsx(std::string_view bytes, const ReadLimits& limits) {
  if (internal::LooksLikeOle2(bytes)) {
    return Fail(
        BadXlsx("the file is an old .xls workbook (or a password-protected one): open it in Excel or WPS "
                "and save it as .xlsx (Excel 工作簿) without a password"));
  }
  auto zip = ZipReader::Open(bytes, limits.max_total_bytes, limits.max_entry_bytes);
  if (!zip) return Fail(std::move(zip.error()));
  auto parts = ReadWorkbookParts(**zip);
  if (!parts) return Fail(std::move(parts.error()));
  auto shared_strings = ReadSharedStrings(**zip, parts->shared_strings);
  if (!shared_strings) return Fail(std::move(shared_strings.error()));
  std::vector<Sheet> sheets;
  std::size_t cells_used = 0;
  for (const SheetPart& sheet : parts->sheets) {
    auto rows = ReadWorksheet(**zip, sheet, *shared_strings, limits, cells_used);
    if (!rows) return Fail(std::move(rows.error()));
    sheets.push_back(Sheet{sheet.name, std::move(*rows)});
  }
  return sheets;
}

Result<std::vector<Sheet>> ReadTable(std::string_view bytes, const ReadLimits& limits) {
  if (internal::LooksLikeZip(bytes) || internal::LooksLikeOle2(bytes)) return ReadXlsx(bytes, limits);
  auto rows = ReadCsv(bytes, limits);
  if (!rows) return Fail(std::move(rows.error()));
  return std::vector<Sheet>{Sheet{"", std::move(*rows)}};
}

}  // namespace wangban::sheets

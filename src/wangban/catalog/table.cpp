#include "wangban/catalog/table.hpp"

#include <algorithm>
#include <map>

#include <nlohmann/json.hpp>

namespace wangban::catalog {
namespace {

using nlohmann::ordered_json;

// A column: its header and the item field it holds ("" for informative columns).
struct Column {
  const char* header;
  const char* field;
  bool required;
};

// Export order. Required columns must be present on import; the others have defaults.
const std::vector<Column>& Columns() {
  static const std::vector<Column> kColumns = {
      {"事项名称", "name", true},
      {"基本编码", "basic_code", true},
      {"实施编码", "implementation_code", true},
      {"事项类型", "type", true},
      {"行使层级", "level", true},
      {"实施主体", "", false},
      {"实施主体编码", "department", true},
      {"行政区划代码", "region", true},
      {"别名", "aliases", false},
      {"关键词", "keywords", false},
      {"设定依据", "legal_basis", true},
      {"受理条件", "conditions", false},
      {"服务对象", "audience", true},
      {"办理形式", "handling_forms", true},
      {"办件类型", "instant", false},
      {"法定办结时限", "legal_limit_days", true},
      {"承诺办结时限", "promised_limit_days", true},
      {"是否新核准事项", "newly_approved", false},
      {"收费项目", "fees", false},
      {"是否全程网办", "online", true},
      {"必须现场办理原因", "onsite_reason", false},
      {"到办事现场次数", "visits", false},
      {"是否支持预约办理", "appointment", false},
      {"是否支持网上支付", "online_payment", false},
      {"是否支持物流快递", "courier", false},
      {"办理结果名称", "result.name", false},
      {"结果证照类型", "result.license_type", false},
      {"咨询电话", "consult_phone", false},
      {"监督投诉电话", "complaint_phone", false},
      {"常见问题", "faq", false},
      {"申请材料", "materials", false},
      {"申请表单", "form_schema", false},
      {"办理流程", "process_key", true},
      {"秒批规则", "auto_approval_rules", false},
  };
  return kColumns;
}

// The column that holds an item field path ("materials[1].code" -> 申请材料 + "[1].code").
std::pair<std::string, std::string> ColumnOf(const std::string& path) {
  for (const auto& c : Columns()) {
    const std::string field = c.field;
    if (field.empty()) continue;
    if (path == field) return {c.header, ""};
    if (path.rfind(field, 0) == 0 && (path[field.size()] == '.' || path[field.size()] == '[')) {
      return {c.header, path.substr(field.size())};
    }
  }
  return {path, ""};
}

std::string Trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(first, last - first + 1));
}

std::vector<std::string> Lines(const std::string& cell) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos <= cell.size()) {
    auto end = cell.find('\n', pos);
    if (end == std::string::npos) end = cell.size();
    std::string line = Trim(std::string_view(cell).substr(pos, end - pos));
    if (!line.empty()) out.push_back(std::move(line));
    pos = end + 1;
  }
  return out;
}

std::string JoinLines(const std::vector<std::string>& values) {
  std::string out;
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += "\n";
    out += values[i];
  }
  return out;
}

std::string YesNo(bool v) { return v ? "是" : "否"; }

std::optional<bool> ParseYesNo(const std::string& cell) {
  static const char* kYes[] = {"是", "true", "TRUE", "True", "1", "Y", "y", "yes", "YES"};
  static const char* kNo[] = {"否", "false", "FALSE", "False", "0", "N", "n", "no", "NO"};
  for (const char* y : kYes) {
    if (cell == y) return true;
  }
  for (const char* n : kNo) {
    if (cell == n) return false;
  }
  return std::nullopt;
}

// "20", "20个工作日", "20工作日", "20天" (limits in hand-kept spreadsheets carry their unit).
std::optional<int> ParseDays(const std::string& cell) {
  std::size_t digits = 0;
  while (digits < cell.size() && cell[digits] >= '0' && cell[digits] <= '9') ++digits;
  if (digits == 0 || digits > 6) return std::nullopt;
  const std::string rest = cell.substr(digits);
  if (!rest.empty() && rest != "个工作日" && rest != "工作日" && rest != "天" && rest != ".0") return std::nullopt;
  return std::stoi(cell.substr(0, digits));
}

std::optional<std::string> CodeFromName(const std::string& cell, const std::vector<std::string>& codes,
                                        std::string_view (*name_of)(std::string_view)) {
  for (const auto& code : codes) {
    if (cell == code || cell == name_of(code)) return code;
  }
  return std::nullopt;
}

std::optional<int> ParseLevel(const std::string& cell) {
  for (int level = kMinLevel; level <= kMaxLevel; ++level) {
    if (cell == std::to_string(level) || cell == LevelName(level)) return level;
  }
  // Short forms seen in spreadsheets: 省, 市, 县, 区级.
  if (cell == "国家" || cell == "国家级") return 1;
  if (cell == "省") return 2;
  if (cell == "市") return 3;
  if (cell == "县" || cell == "区" || cell == "区级" || cell == "县（区）级") return 4;
  return std::nullopt;
}

// A default application form for items imported without one: who applies and how to reach
// them, enough for the web form to start from.
ordered_json DefaultFormSchema(const std::vector<std::string>& audience) {
  ordered_json properties = ordered_json::object();
  ordered_json required = ordered_json::array();
  const bool company = std::find(audience.begin(), audience.end(), "person") == audience.end();
  if (company) {
    properties["company_name"] = {{"type", "string"}, {"x-ui-label", "单位名称"}, {"minLength", 2}, {"maxLength", 100}};
    properties["uscc"] = {{"type", "string"}, {"x-ui-label", "统一社会信用代码"}, {"format", "uscc"}};
    properties["contact_name"] = {{"type", "string"}, {"x-ui-label", "联系人"}, {"minLength", 2}, {"maxLength", 30}};
    properties["contact_phone"] = {{"type", "string"}, {"x-ui-label", "联系电话"}, {"format", "phone"}};
    required = {"company_name", "uscc", "contact_name", "contact_phone"};
  } else {
    properties["applicant_name"] = {{"type", "string"}, {"x-ui-label", "申请人姓名"}, {"minLength", 2}, {"maxLength", 30}};
    properties["id_number"] = {{"type", "string"}, {"x-ui-label", "公民身份号码"}, {"format", "id_number"}};
    properties["phone"] = {{"type", "string"}, {"x-ui-label", "联系电话"}, {"format", "phone"}};
    required = {"applicant_name", "id_number", "phone"};
  }
  return {{"type", "object"}, {"x-ui-label", "申请表"}, {"properties", properties}, {"required", required}};
}

std::string Dump(const ordered_json& j) { return j.dump(); }

}  // namespace

const std::vector<std::string>& ItemColumns() {
  static const std::vector<std::string> kHeaders = [] {
    std::vector<std::string> h;
    for (const auto& c : Columns()) h.emplace_back(c.header);
    return h;
  }();
  return kHeaders;
}

TableRow ItemToRow(const Item& item, const std::string& department_name) {
  const ordered_json doc = ItemToJson(item);
  std::vector<std::string> audience, forms;
  for (const auto& a : item.audience) audience.emplace_back(AudienceName(a));
  for (const auto& f : item.handling_forms) forms.emplace_back(HandlingFormName(f));
  return {
      item.name,
      item.basic_code,
      item.implementation_code,
      std::string(TypeName(item.type)),
      std::string(LevelName(item.level)),
      department_name,
      item.department,
      item.region,
      JoinLines(item.aliases),
      JoinLines(item.keywords),
      Dump(doc["legal_basis"]),
      JoinLines(item.conditions),
      JoinLines(audience),
      JoinLines(forms),
      item.instant ? "即办件" : "承诺件",
      std::to_string(item.legal_limit_days),
      std::to_string(item.promised_limit_days),
      YesNo(item.newly_approved),
      Dump(doc["fees"]),
      YesNo(item.online),
      item.onsite_reason.value_or(""),
      std::to_string(item.visits),
      YesNo(item.appointment),
      YesNo(item.online_payment),
      YesNo(item.courier),
      item.result.name,
      item.result.license_type.value_or(""),
      item.consult_phone,
      item.complaint_phone,
      Dump(doc["faq"]),
      Dump(doc["materials"]),
      item.form_schema,
      item.process_key,
      item.auto_approval_rules ? JoinLines(*item.auto_approval_rules) : std::string(),
  };
}

Result<TableItems> ItemsFromTable(const std::vector<TableRow>& rows) {
  FieldErrors errors;
  TableItems out;
  if (rows.empty()) return Fail(Error::Validation({{"columns", "required", "the sheet is empty: no header row"}}));
  std::map<std::string, std::size_t> index;  // header -> column position
  for (std::size_t i = 0; i < rows[0].size(); ++i) {
    const std::string h = Trim(rows[0][i]);
    if (h.empty()) continue;
    const bool known = std::any_of(Columns().begin(), Columns().end(), [&](const Column& c) { return h == c.header; });
    if (!known) {
      out.ignored_columns.push_back(h);
      continue;
    }
    if (!index.emplace(h, i).second) errors.Add("columns", "duplicate", "the column " + h + " appears twice");
  }
  for (const auto& c : Columns()) {
    if (c.required && !index.contains(c.header)) {
      errors.Add("columns", "missing_column", std::string("the required column ") + c.header + " is missing");
    }
  }
  if (auto e = errors.Finish(); !e) return std::unexpected(e.error());

  for (std::size_t r = 1; r < rows.size(); ++r) {
    const TableRow& row = rows[r];
    if (std::all_of(row.begin(), row.end(), [](const std::string& c) { return Trim(c).empty(); })) continue;
    if (errors.items().size() >= kMaxRowErrors) break;
    const std::string at = "row " + std::to_string(r + 1) + ".";
    auto cell = [&](const char* header) -> std::string {
      auto it = index.find(header);
      if (it == index.end() || it->second >= row.size()) return {};
      return Trim(row[it->second]);
    };
    auto has = [&](const char* header) { return index.contains(header); };
    ordered_json doc;
    doc["basic_code"] = cell("基本编码");
    doc["implementation_code"] = cell("实施编码");
    doc["name"] = cell("事项名称");
    doc["aliases"] = Lines(cell("别名"));
    doc["keywords"] = Lines(cell("关键词"));
    if (const auto t = cell("事项类型"); !t.empty()) {
      auto code = CodeFromName(t, TypeCodes(), TypeName);
      if (!code) errors.Add(at + "事项类型", "enum", "is not a type of the national code set: " + t);
      doc["type"] = code.value_or("");
    }
    if (auto level = ParseLevel(cell("行使层级"))) {
      doc["level"] = *level;
    } else {
      errors.Add(at + "行使层级", "enum", "must be 省级, 市级, 县级 ... or 1-6");
    }
    doc["department"] = cell("实施主体编码");
    doc["region"] = cell("行政区划代码");

    auto json_cell = [&](const char* header, ordered_json fallback) -> ordered_json {
      const std::string text = cell(header);
      if (text.empty()) return fallback;
      auto parsed = ordered_json::parse(text, nullptr, /*allow_exceptions=*/false);
      if (parsed.is_discarded()) {
        errors.Add(at + header, "format", "is not valid JSON");
        return fallback;
      }
      return parsed;
    };
    {
      const std::string basis = cell("设定依据");
      if (!basis.empty() && basis.front() == '[') {
        doc["legal_basis"] = json_cell("设定依据", ordered_json::array());
      } else {
        ordered_json list = ordered_json::array();
        for (const auto& line : Lines(basis)) list.push_back({{"name", line}, {"article", ""}});
        doc["legal_basis"] = list;
      }
    }
    doc["conditions"] = Lines(cell("受理条件"));
    auto codes_of = [&](const char* header, const std::vector<std::string>& codes,
                        std::string_view (*name_of)(std::string_view)) {
      ordered_json list = ordered_json::array();
      for (const auto& line : Lines(cell(header))) {
        auto code = CodeFromName(line, codes, name_of);
        if (!code) {
          errors.Add(at + header, "enum", "unknown value: " + line);
        } else {
          list.push_back(*code);
        }
      }
      return list;
    };
    doc["audience"] = codes_of("服务对象", {"person", "company", "organization"}, AudienceName);
    doc["handling_forms"] = codes_of("办理形式", {"window", "pc", "mobile", "courier"}, HandlingFormName);

    auto days = [&](const char* header) -> ordered_json {
      auto d = ParseDays(cell(header));
      if (!d) {
        errors.Add(at + header, "format", "must be a number of working days");
        return 0;
      }
      return *d;
    };
    doc["legal_limit_days"] = days("法定办结时限");
    doc["promised_limit_days"] = days("承诺办结时限");
    if (const auto kind = cell("办件类型"); kind.empty()) {
      doc["instant"] = doc["promised_limit_days"] == 0;
    } else if (kind == "即办件" || kind == "承诺件") {
      doc["instant"] = kind == "即办件";
    } else {
      errors.Add(at + "办件类型", "enum", "must be 即办件 or 承诺件");
    }
    auto yes_no = [&](const char* header, bool fallback) -> bool {
      const std::string text = cell(header);
      if (text.empty()) return fallback;
      auto v = ParseYesNo(text);
      if (!v) errors.Add(at + header, "format", "must be 是 or 否");
      return v.value_or(fallback);
    };
    doc["newly_approved"] = yes_no("是否新核准事项", false);
    {
      const std::string fees = cell("收费项目");
      doc["fees"] = (fees.empty() || fees == "不收费" || fees == "无") ? ordered_json::array()
                                                                       : json_cell("收费项目", ordered_json::array());
    }
    const bool online = yes_no("是否全程网办", true);
    if (cell("是否全程网办").empty()) errors.Add(at + "是否全程网办", "required", "must be 是 or 否");
    doc["online"] = online;
    const std::string reason = cell("必须现场办理原因");
    doc["onsite_reason"] = reason.empty() ? ordered_json() : ordered_json(reason);
    if (const auto visits = cell("到办事现场次数"); visits.empty()) {
      doc["visits"] = online ? 0 : 1;
    } else if (auto v = ParseDays(visits)) {
      doc["visits"] = *v;
    } else {
      errors.Add(at + "到办事现场次数", "format", "must be a whole number");
    }
    doc["appointment"] = yes_no("是否支持预约办理", false);
    doc["online_payment"] = yes_no("是否支持网上支付", false);
    doc["courier"] = yes_no("是否支持物流快递", false);
    const std::string result_name = has("办理结果名称") ? cell("办理结果名称") : cell("事项名称");
    const std::string license = cell("结果证照类型");
    doc["result"] = {{"name", result_name}, {"license_type", license.empty() ? ordered_json() : ordered_json(license)}};
    doc["consult_phone"] = has("咨询电话") ? cell("咨询电话") : "12345";
    doc["complaint_phone"] = has("监督投诉电话") ? cell("监督投诉电话") : "12345";
    doc["faq"] = json_cell("常见问题", ordered_json::array());
    doc["materials"] = json_cell("申请材料", ordered_json::array());
    std::vector<std::string> audience;
    for (const auto& a : doc["audience"]) audience.push_back(a.get<std::string>());
    doc["form_schema"] = json_cell("申请表单", DefaultFormSchema(audience));
    doc["process_key"] = cell("办理流程");
    if (auto rules = Lines(cell("秒批规则")); !rules.empty()) doc["auto_approval_rules"] = rules;

    auto item = ItemFromJson(doc);
    if (!item) {
      for (const auto& f : item.error().field_errors) {
        auto [column, rest] = ColumnOf(f.field);
        const std::string field = at + column + rest;
        if (!errors.Has(at + column)) errors.Add(field, f.code, f.message);
      }
      continue;
    }
    out.items.push_back(std::move(*item));
    out.row_numbers.push_back(r + 1);
  }
  if (errors.items().size() >= kMaxRowErrors) {
    auto e = errors.Finish().error();
    e.message = "the sheet has at least " + std::to_string(kMaxRowErrors) + " problems; the first are listed";
    return std::unexpected(std::move(e));
  }
  if (auto e = errors.Finish(); !e) {
    auto error = e.error();
    error.message = "some rows are invalid; nothing was imported";
    return std::unexpected(std::move(error));
  }
  if (out.items.empty()) return Fail(Error::Validation({{"rows", "required", "the sheet has no item rows"}}));
  return out;
}

Error RowError(Error error, const TableItems& table) {
  for (auto& f : error.field_errors) {
    if (f.field.rfind("items[", 0) != 0) continue;
    const auto close = f.field.find(']');
    if (close == std::string::npos) continue;
    std::size_t i = 0;
    try {
      i = std::stoul(f.field.substr(6, close - 6));
    } catch (...) {
      continue;
    }
    if (i >= table.row_numbers.size()) continue;
    std::string path = f.field.substr(close + 1);
    if (!path.empty() && path[0] == '.') path.erase(0, 1);
    auto [column, rest] = ColumnOf(path);
    f.field = "row " + std::to_string(table.row_numbers[i]) + "." + column + rest;
  }
  if (!error.field_errors.empty()) error.message = "some rows are invalid; nothing was imported";
  return error;
}

}  // namespace wangban::catalog

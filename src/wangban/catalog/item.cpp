#include "wangban/catalog/item.hpp"

#include <algorithm>
#include <set>

#include <nlohmann/json.hpp>

#include "wangban/catalog/form_schema.hpp"

namespace wangban::catalog {
namespace {

using nlohmann::ordered_json;

constexpr std::size_t kMaxShortText = 200;   // names, codes, phones
constexpr std::size_t kMaxLongText = 4000;   // conditions, notes, reasons, answers
constexpr std::size_t kMaxListItems = 200;

// Counts UTF-8 code points; the limits above are in characters, as users count them.
std::size_t CodePoints(std::string_view s) {
  return static_cast<std::size_t>(std::count_if(s.begin(), s.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool IsCodeChar(char c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || c == '.' ||
         c == '-';
}

bool IsCode(std::string_view s, std::size_t max) {
  return !s.empty() && s.size() <= max && std::all_of(s.begin(), s.end(), IsCodeChar);
}

// Reads typed fields of one JSON object, collecting one error per bad field.
class Reader {
 public:
  Reader(const ordered_json& object, std::string prefix, FieldErrors& errors)
      : object_(object), prefix_(std::move(prefix)), errors_(errors) {}

  std::string Path(std::string_view name) const {
    return prefix_.empty() ? std::string(name) : prefix_ + "." + std::string(name);
  }

  const ordered_json* Find(std::string_view name) const {
    auto it = object_.find(std::string(name));
    return it == object_.end() ? nullptr : &*it;
  }

  // Required text; `max` in characters. Blank text is "required".
  std::string Text(std::string_view name, std::size_t max = kMaxShortText, bool allow_empty = false) {
    const ordered_json* v = Find(name);
    if (v == nullptr || v->is_null()) {
      if (!allow_empty) errors_.Add(Path(name), "required", "is required");
      return {};
    }
    if (!v->is_string()) {
      errors_.Add(Path(name), "type", "must be text");
      return {};
    }
    std::string s = v->get<std::string>();
    if (!allow_empty && s.find_first_not_of(" \t\r\n") == std::string::npos) {
      errors_.Add(Path(name), "required", "must not be blank");
    } else if (CodePoints(s) > max) {
      errors_.Add(Path(name), "too_long", "must be at most " + std::to_string(max) + " characters");
    }
    return s;
  }

  std::optional<std::string> OptText(std::string_view name, std::size_t max = kMaxShortText) {
    const ordered_json* v = Find(name);
    if (v == nullptr || v->is_null()) return std::nullopt;
    if (v->is_string() && v->get_ref<const std::string&>().empty()) return std::nullopt;
    return Text(name, max);
  }

  int Int(std::string_view name, int min, int max) {
    const ordered_json* v = Find(name);
    if (v == nullptr || v->is_null()) {
      errors_.Add(Path(name), "required", "is required");
      return min;
    }
    if (!v->is_number_integer()) {
      errors_.Add(Path(name), "type", "must be a whole number");
      return min;
    }
    const auto n = v->get<std::int64_t>();
    if (n < min || n > max) {
      errors_.Add(Path(name), "range", "must be from " + std::to_string(min) + " to " + std::to_string(max));
      return min;
    }
    return static_cast<int>(n);
  }

  std::int64_t Int64(std::string_view name, std::int64_t min, std::int64_t max) {
    const ordered_json* v = Find(name);
    if (v == nullptr || v->is_null()) {
      errors_.Add(Path(name), "required", "is required");
      return min;
    }
    if (!v->is_number_integer()) {
      errors_.Add(Path(name), "type", "must be a whole number");
      return min;
    }
    const auto n = v->get<std::int64_t>();
    if (n < min || n > max) {
      errors_.Add(Path(name), "range", "must be from " + std::to_string(min) + " to " + std::to_string(max));
      return min;
    }
    return n;
  }

  bool Bool(std::string_view name, std::optional<bool> fallback = std::nullopt) {
    const ordered_json* v = Find(name);
    if (v == nullptr || v->is_null()) {
      if (fallback) return *fallback;
      errors_.Add(Path(name), "required", "is required");
      return false;
    }
    if (!v->is_boolean()) {
      errors_.Add(Path(name), "type", "must be true or false");
      return false;
    }
    return v->get<bool>();
  }

  // A list of non-blank texts; absent means empty unless `required`.
  std::vector<std::string> TextList(std::string_view name, bool required, std::size_t max = kMaxShortText) {
    std::vector<std::string> out;
    const ordered_json* v = Find(name);
    if (v == nullptr || v->is_null()) {
      if (required) errors_.Add(Path(name), "required", "is required");
      return out;
    }
    if (!v->is_array()) {
      errors_.Add(Path(name), "type", "must be a list of texts");
      return out;
    }
    if (v->size() > kMaxListItems) {
      errors_.Add(Path(name), "too_long", "must have at most " + std::to_string(kMaxListItems) + " entries");
      return out;
    }
    if (required && v->empty()) errors_.Add(Path(name), "required", "must have at least one entry");
    for (std::size_t i = 0; i < v->size(); ++i) {
      const auto& e = (*v)[i];
      const std::string at = Path(name) + "[" + std::to_string(i) + "]";
      if (!e.is_string()) {
        errors_.Add(at, "type", "must be text");
        continue;
      }
      std::string s = e.get<std::string>();
      if (s.find_first_not_of(" \t\r\n") == std::string::npos) {
        errors_.Add(at, "required", "must not be blank");
      } else if (CodePoints(s) > max) {
        errors_.Add(at, "too_long", "must be at most " + std::to_string(max) + " characters");
      } else if (s.find('\n') != std::string::npos || s.find('\r') != std::string::npos) {
        errors_.Add(at, "format", "must be one line");
      }
      out.push_back(std::move(s));
    }
    return out;
  }

  // A list of objects, each read by `read(reader, index)`.
  template <typename T, typename F>
  std::vector<T> ObjectList(std::string_view name, bool required, F&& read) {
    std::vector<T> out;
    const ordered_json* v = Find(name);
    if (v == nullptr || v->is_null()) {
      if (required) errors_.Add(Path(name), "required", "is required");
      return out;
    }
    if (!v->is_array()) {
      errors_.Add(Path(name), "type", "must be a list");
      return out;
    }
    if (v->size() > kMaxListItems) {
      errors_.Add(Path(name), "too_long", "must have at most " + std::to_string(kMaxListItems) + " entries");
      return out;
    }
    for (std::size_t i = 0; i < v->size(); ++i) {
      const std::string at = Path(name) + "[" + std::to_string(i) + "]";
      if (!(*v)[i].is_object()) {
        errors_.Add(at, "type", "must be an object");
        continue;
      }
      Reader sub((*v)[i], at, errors_);
      out.push_back(read(sub));
    }
    return out;
  }

  FieldErrors& errors() { return errors_; }

 private:
  const ordered_json& object_;
  std::string prefix_;
  FieldErrors& errors_;
};

void CheckUnique(const std::vector<std::string>& values, const std::string& field, FieldErrors& errors) {
  std::set<std::string> seen;
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (!seen.insert(values[i]).second) {
      errors.Add(field + "[" + std::to_string(i) + "]", "duplicate", "is listed twice");
    }
  }
}

void CheckAllowed(const std::vector<std::string>& values, const std::string& field,
                  std::string_view (*name_of)(std::string_view), FieldErrors& errors) {
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (name_of(values[i]).empty()) {
      errors.Add(field + "[" + std::to_string(i) + "]", "enum", "is not a known value");
    }
  }
  CheckUnique(values, field, errors);
}

ordered_json TextArray(const std::vector<std::string>& values) {
  ordered_json a = ordered_json::array();
  for (const auto& v : values) a.push_back(v);
  return a;
}

ordered_json OptionalText(const std::optional<std::string>& v) { return v ? ordered_json(*v) : ordered_json(); }

}  // namespace

int AudienceMask(const std::vector<std::string>& audience) {
  int mask = 0;
  for (const auto& a : audience) mask |= AudienceBit(a).value_or(0);
  return mask;
}

std::optional<int> AudienceBit(std::string_view audience) {
  if (audience == "person") return 1;
  if (audience == "company") return 2;
  if (audience == "organization") return 4;
  return std::nullopt;
}

std::string_view TypeName(std::string_view type) {
  static const std::pair<std::string_view, std::string_view> kNames[] = {
      {"01", "行政许可"}, {"02", "行政处罚"}, {"03", "行政强制"},     {"04", "行政征收"},
      {"05", "行政给付"}, {"06", "行政检查"}, {"07", "行政确认"},     {"08", "行政奖励"},
      {"09", "行政裁决"}, {"10", "其他行政权力"}, {"20", "公共服务"},
  };
  for (const auto& [code, name] : kNames) {
    if (code == type) return name;
  }
  return {};
}

const std::vector<std::string>& TypeCodes() {
  static const std::vector<std::string> kCodes = {"01", "02", "03", "04", "05", "06",
                                                  "07", "08", "09", "10", "20"};
  return kCodes;
}

std::string_view LevelName(int level) {
  switch (level) {
    case 1: return "国家级";
    case 2: return "省级";
    case 3: return "市级";
    case 4: return "县级";
    case 5: return "乡镇（街道）级";
    case 6: return "村（社区）级";
    default: return {};
  }
}

std::string_view AudienceName(std::string_view audience) {
  if (audience == "person") return "自然人";
  if (audience == "company") return "企业法人";
  if (audience == "organization") return "其他组织";
  return {};
}

std::string_view HandlingFormName(std::string_view form) {
  if (form == "window") return "窗口办理";
  if (form == "pc") return "网上办理";
  if (form == "mobile") return "掌上办理";
  if (form == "courier") return "邮寄办理";
  return {};
}

Result<Item> ItemFromJson(const ordered_json& document, bool check_form) {
  if (!document.is_object()) {
    return Fail(Error::Validation({{"", "type", "an item is a JSON object"}}, "the item is not a JSON object"));
  }
  FieldErrors errors;
  Reader r(document, "", errors);
  Item item;
  item.basic_code = r.Text("basic_code", 12);
  if (!item.basic_code.empty() && (item.basic_code.size() != 12 || !AllDigits(item.basic_code))) {
    errors.Add("basic_code", "format", "must be 12 digits");
  }
  item.implementation_code = r.Text("implementation_code", 64);
  if (!item.implementation_code.empty() && !IsCode(item.implementation_code, 64)) {
    errors.Add("implementation_code", "format", "may use only letters, digits, '_', '.' and '-'");
  }
  item.name = r.Text("name", 100);
  item.aliases = r.TextList("aliases", false, 100);
  item.keywords = r.TextList("keywords", false, 50);
  item.type = r.Text("type", 2);
  if (!item.type.empty() && TypeName(item.type).empty()) {
    errors.Add("type", "enum", "is not a type of the national code set (01-10, 20)");
  } else if (!item.type.empty() && item.basic_code.size() == 12 && AllDigits(item.basic_code) &&
             item.basic_code.substr(2, 2) != item.type) {
    errors.Add("basic_code", "type_mismatch", "digits 3-4 must equal the type " + item.type);
  }
  item.level = r.Int("level", kMinLevel, kMaxLevel);
  item.department = r.Text("department", 64);
  if (!item.department.empty() && !IsCode(item.department, 64)) {
    errors.Add("department", "format", "is not a department code");
  }
  item.region = r.Text("region", 12);
  if (!item.region.empty() && !AllDigits(item.region)) errors.Add("region", "format", "must be digits");
  item.legal_basis = r.ObjectList<LegalBasis>("legal_basis", true, [](Reader& m) {
    LegalBasis b;
    b.name = m.Text("name", kMaxShortText);
    b.article = m.Text("article", kMaxLongText, /*allow_empty=*/true);
    return b;
  });
  if (item.legal_basis.empty() && !errors.Has("legal_basis")) {
    errors.Add("legal_basis", "required", "must name at least one law, regulation or rule");
  }
  item.conditions = r.TextList("conditions", false, kMaxLongText);
  item.audience = r.TextList("audience", true, 20);
  CheckAllowed(item.audience, "audience", AudienceName, errors);
  item.handling_forms = r.TextList("handling_forms", true, 20);
  CheckAllowed(item.handling_forms, "handling_forms", HandlingFormName, errors);
  item.instant = r.Bool("instant");
  item.legal_limit_days = r.Int("legal_limit_days", 0, 3650);
  item.promised_limit_days = r.Int("promised_limit_days", 0, 3650);
  item.newly_approved = r.Bool("newly_approved", false);
  item.fees = r.ObjectList<Fee>("fees", false, [](Reader& m) {
    Fee f;
    f.name = m.Text("name", kMaxShortText);
    f.amount_fen = m.Int64("amount_fen", 1, std::int64_t{100'000'000'000});
    f.basis = m.Text("basis", kMaxLongText);
    return f;
  });
  item.online = r.Bool("online");
  item.onsite_reason = r.OptText("onsite_reason", kMaxLongText);
  item.visits = r.Int("visits", 0, 20);
  item.appointment = r.Bool("appointment", false);
  item.online_payment = r.Bool("online_payment", false);
  item.courier = r.Bool("courier", false);
  if (const auto* res = r.Find("result"); res == nullptr || res->is_null()) {
    errors.Add("result", "required", "is required");
  } else if (!res->is_object()) {
    errors.Add("result", "type", "must be an object");
  } else {
    Reader m(*res, "result", errors);
    item.result.name = m.Text("name", kMaxShortText);
    item.result.license_type = m.OptText("license_type", kMaxShortText);
  }
  item.consult_phone = r.Text("consult_phone", 40);
  item.complaint_phone = r.Text("complaint_phone", 40);
  item.faq = r.ObjectList<Faq>("faq", false, [](Reader& m) {
    Faq f;
    f.q = m.Text("q", kMaxLongText);
    f.a = m.Text("a", kMaxLongText);
    return f;
  });
  item.materials = r.ObjectList<Material>("materials", false, [](Reader& m) {
    Material mat;
    mat.code = m.Text("code", 16);
    if (!mat.code.empty() && !IsCode(mat.code, 16)) {
      m.errors().Add(m.Path("code"), "format", "may use only letters, digits, '_', '.' and '-'");
    }
    mat.name = m.Text("name", kMaxShortText);
    mat.issuer = m.Text("issuer", kMaxShortText);
    mat.original = m.Int("original", 0, 100);
    mat.copies = m.Int("copies", 0, 100);
    mat.required = m.Bool("required");
    mat.e_license_type = m.OptText("e_license_type", kMaxShortText);
    mat.commitment_allowed = m.Bool("commitment_allowed", false);
    mat.note = m.Text("note", kMaxLongText, /*allow_empty=*/true);
    return mat;
  });
  {
    std::vector<std::string> codes;
    for (const auto& m : item.materials) codes.push_back(m.code);
    std::set<std::string> seen;
    for (std::size_t i = 0; i < codes.size(); ++i) {
      if (!codes[i].empty() && !seen.insert(codes[i]).second) {
        errors.Add("materials[" + std::to_string(i) + "].code", "duplicate", "another material has this code");
      }
    }
  }
  if (const auto* schema = r.Find("form_schema"); schema == nullptr || schema->is_null()) {
    errors.Add("form_schema", "required", "is required");
  } else {
    item.form_schema = schema->dump();
    if (!schema->is_object()) {
      errors.Add("form_schema", "type", "must be a JSON Schema object");
    } else if (check_form) {
      if (auto compiled = FormSchema::Compile(item.form_schema); !compiled) {
        for (const auto& f : compiled.error().field_errors) {
          // FormSchema names locations "schema..."; here they live under form_schema.
          std::string field = f.field;
          if (field.rfind("schema", 0) == 0) field = "form_schema" + field.substr(6);
          errors.Add(field, f.code, f.message);
        }
      }
    }
  }
  item.process_key = r.Text("process_key", 64);
  if (!item.process_key.empty() && !IsCode(item.process_key, 64)) {
    errors.Add("process_key", "format", "is not a process key");
  }
  if (const auto* rules = r.Find("auto_approval_rules"); rules != nullptr && !rules->is_null()) {
    item.auto_approval_rules = r.TextList("auto_approval_rules", true, kMaxLongText);
  }

  // Rules between fields, reported only when the fields themselves are fine.
  const bool limits_ok = !errors.Has("legal_limit_days") && !errors.Has("promised_limit_days");
  if (limits_ok && item.promised_limit_days > item.legal_limit_days) {
    errors.Add("promised_limit_days", "promised_exceeds_legal",
               "the promised limit (" + std::to_string(item.promised_limit_days) +
                   " working days) may not exceed the legal limit (" + std::to_string(item.legal_limit_days) + ")");
  } else if (limits_ok && item.newly_approved && 2 * item.promised_limit_days > item.legal_limit_days) {
    errors.Add("promised_limit_days", "promised_over_half",
               "a newly approved item promises at most half of the legal limit (" +
                   std::to_string(item.legal_limit_days / 2) + " working days)");
  }
  if (limits_ok && !errors.Has("instant") && item.instant != (item.promised_limit_days == 0)) {
    errors.Add("instant", "instant_mismatch",
               item.instant ? "an instant item (即办件) promises 0 working days"
                            : "an item promising 0 working days is an instant item (即办件)");
  }
  if (!errors.Has("online") && !errors.Has("onsite_reason")) {
    if (!item.online && !item.onsite_reason) {
      errors.Add("onsite_reason", "onsite_reason_required",
                 "an item that is not handled fully online must give the legal reason for the visit");
    } else if (item.online && item.onsite_reason) {
      errors.Add("onsite_reason", "onsite_reason_unexpected", "an item handled fully online has no on-site reason");
    }
  }
  if (!errors.Has("online") && !errors.Has("visits")) {
    if (item.online && item.visits != 0) {
      errors.Add("visits", "visits", "an item handled fully online needs no visit");
    } else if (!item.online && item.visits < 1) {
      errors.Add("visits", "visits", "an on-site item needs at least one visit");
    }
  }
  if (item.auto_approval_rules && item.process_key != "auto_approval" && !errors.Has("process_key")) {
    errors.Add("auto_approval_rules", "auto_rules", "only items run by the auto_approval process carry 秒批 rules");
  }
  if (auto done = errors.Finish(); !done) {
    auto e = done.error();
    e.message = "the item has invalid fields";
    return std::unexpected(std::move(e));
  }
  return item;
}

Result<Item> ItemFromText(std::string_view text, bool check_form) {
  ordered_json document = ordered_json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded()) return Fail(Error::BadRequest("the item is not valid JSON", "malformed_json"));
  return ItemFromJson(document, check_form);
}

ordered_json ItemToJson(const Item& item) {
  ordered_json j;
  j["basic_code"] = item.basic_code;
  j["implementation_code"] = item.implementation_code;
  j["name"] = item.name;
  j["aliases"] = TextArray(item.aliases);
  j["keywords"] = TextArray(item.keywords);
  j["type"] = item.type;
  j["level"] = item.level;
  j["department"] = item.department;
  j["region"] = item.region;
  j["legal_basis"] = ordered_json::array();
  for (const auto& b : item.legal_basis) j["legal_basis"].push_back({{"name", b.name}, {"article", b.article}});
  j["conditions"] = TextArray(item.conditions);
  j["audience"] = TextArray(item.audience);
  j["handling_forms"] = TextArray(item.handling_forms);
  j["instant"] = item.instant;
  j["legal_limit_days"] = item.legal_limit_days;
  j["promised_limit_days"] = item.promised_limit_days;
  j["newly_approved"] = item.newly_approved;
  j["fees"] = ordered_json::array();
  for (const auto& f : item.fees) {
    j["fees"].push_back({{"name", f.name}, {"amount_fen", f.amount_fen}, {"basis", f.basis}});
  }
  j["online"] = item.online;
  j["onsite_reason"] = OptionalText(item.onsite_reason);
  j["visits"] = item.visits;
  j["appointment"] = item.appointment;
  j["online_payment"] = item.online_payment;
  j["courier"] = item.courier;
  j["result"] = {{"name", item.result.name}, {"license_type", OptionalText(item.result.license_type)}};
  j["consult_phone"] = item.consult_phone;
  j["complaint_phone"] = item.complaint_phone;
  j["faq"] = ordered_json::array();
  for (const auto& f : item.faq) j["faq"].push_back({{"q", f.q}, {"a", f.a}});
  j["materials"] = ordered_json::array();
  for (const auto& m : item.materials) {
    j["materials"].push_back({{"code", m.code},
                              {"name", m.name},
                              {"issuer", m.issuer},
                              {"original", m.original},
                              {"copies", m.copies},
                              {"required", m.required},
                              {"e_license_type", OptionalText(m.e_license_type)},
                              {"commitment_allowed", m.commitment_allowed},
                              {"note", m.note}});
  }
  j["form_schema"] = item.form_schema.empty() ? ordered_json::object() : ordered_json::parse(item.form_schema);
  j["process_key"] = item.process_key;
  if (item.auto_approval_rules) j["auto_approval_rules"] = TextArray(*item.auto_approval_rules);
  return j;
}

std::string ItemToText(const Item& item) { return ItemToJson(item).dump(); }

Result<Region> RegionFromJson(const ordered_json& value, std::string_view at) {
  FieldErrors errors;
  if (!value.is_object()) {
    errors.Add(std::string(at), "type", "must be an object");
    return std::unexpected(errors.Finish().error());
  }
  Reader r(value, std::string(at), errors);
  Region region;
  region.code = r.Text("code", 12);
  if (!region.code.empty() &&
      (!AllDigits(region.code) || (region.code.size() != 6 && region.code.size() != 9 && region.code.size() != 12))) {
    errors.Add(r.Path("code"), "format", "must be 6, 9 or 12 digits");
  }
  region.name = r.Text("name", 100);
  region.level = r.Int("level", kMinLevel, kMaxLevel);
  region.parent = r.OptText("parent", 12);
  if (auto done = errors.Finish(); !done) return std::unexpected(done.error());
  return region;
}

Result<Department> DepartmentFromJson(const ordered_json& value, std::string_view at) {
  FieldErrors errors;
  if (!value.is_object()) {
    errors.Add(std::string(at), "type", "must be an object");
    return std::unexpected(errors.Finish().error());
  }
  Reader r(value, std::string(at), errors);
  Department d;
  d.code = r.Text("code", 64);
  if (!d.code.empty() && !IsCode(d.code, 64)) {
    errors.Add(r.Path("code"), "format", "may use only letters, digits, '_', '.' and '-'");
  }
  d.name = r.Text("name", 100);
  d.region = r.Text("region", 12);
  d.level = r.Int("level", kMinLevel, kMaxLevel);
  d.parent = r.OptText("parent", 64);
  d.phone = r.Text("phone", 40, /*allow_empty=*/true);
  if (auto done = errors.Finish(); !done) return std::unexpected(done.error());
  return d;
}

ordered_json RegionToJson(const Region& region) {
  return {{"code", region.code}, {"name", region.name}, {"level", region.level}, {"parent", OptionalText(region.parent)}};
}

ordered_json DepartmentToJson(const Department& d) {
  return {{"code", d.code},   {"name", d.name},   {"region", d.region},
          {"level", d.level}, {"parent", OptionalText(d.parent)}, {"phone", d.phone}};
}

}  // namespace wangban::catalog

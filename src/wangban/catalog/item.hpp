// The service item (政务服务事项) and its standard elements (GB/T 39046-2020 Table 4): the one
// definition that drives the guide, the form, the materials, the time limits, the fees and the
// process of every case. Also the regions and departments items belong to.
//
// An item travels as a JSON document whose fields and key order are those of
// data/catalog/README.md; ItemFromJson checks every field and every catalog rule that needs no
// database, ItemToJson writes the canonical document back (ItemFromJson(ItemToJson(x)) == x).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "wangban/common/error.hpp"

namespace wangban::catalog {

// Administrative levels (层级): 1 national, 2 province, 3 city, 4 county, 5 township/street,
// 6 village/community.
inline constexpr int kMinLevel = 1;
inline constexpr int kMaxLevel = 6;

struct Region {
  std::string code;  // 6 digits (levels 1-4), 9 (level 5) or 12 (level 6)
  std::string name;
  int level = 0;
  std::optional<std::string> parent;

  bool operator==(const Region&) const = default;
};

struct Department {
  std::string code;  // [A-Za-z0-9_.-]{1,64}, as staff accounts reference it
  std::string name;
  std::string region;
  int level = 0;  // equals the level of its region
  std::optional<std::string> parent;
  std::string phone;

  bool operator==(const Department&) const = default;
};

struct LegalBasis {
  std::string name;
  std::string article;
  bool operator==(const LegalBasis&) const = default;
};

struct Fee {
  std::string name;
  std::int64_t amount_fen = 0;
  std::string basis;
  bool operator==(const Fee&) const = default;
};

struct Faq {
  std::string q;
  std::string a;
  bool operator==(const Faq&) const = default;
};

struct Material {
  std::string code;  // M01, M02, ...: cases attach materials by this code
  std::string name;
  std::string issuer;
  int original = 1;
  int copies = 0;
  bool required = true;
  std::optional<std::string> e_license_type;  // an e-license of this type replaces it
  bool commitment_allowed = false;            // a 告知承诺 may replace it
  std::string note;
  bool operator==(const Material&) const = default;
};

struct ItemResult {
  std::string name;
  std::optional<std::string> license_type;
  bool operator==(const ItemResult&) const = default;
};

struct Item {
  std::string basic_code;           // 12 digits; positions 3-4 are the type
  std::string implementation_code;  // unique; the item's `code` in the API
  std::string name;
  std::vector<std::string> aliases;
  std::vector<std::string> keywords;
  std::string type;  // "01" 行政许可 ... "20" 公共服务 (TypeName)
  int level = 3;
  std::string department;
  std::string region;
  std::vector<LegalBasis> legal_basis;
  std::vector<std::string> conditions;
  std::vector<std::string> audience;        // person, company, organization
  std::vector<std::string> handling_forms;  // window, pc, mobile, courier
  bool instant = false;                     // 即办件: promised limit 0
  int legal_limit_days = 0;                 // working days
  int promised_limit_days = 0;              // working days, <= legal
  bool newly_approved = false;              // promised <= 50% of legal
  std::vector<Fee> fees;                    // empty: free
  bool online = true;                       // 全程网办
  std::optional<std::string> onsite_reason; // required when not online
  int visits = 0;
  bool appointment = false;
  bool online_payment = false;
  bool courier = false;
  ItemResult result;
  std::string consult_phone;
  std::string complaint_phone;
  std::vector<Faq> faq;
  std::vector<Material> materials;
  std::string form_schema;  // compact JSON text, key order kept
  std::string process_key;
  std::optional<std::vector<std::string>> auto_approval_rules;  // 秒批 items only

  bool operator==(const Item&) const = default;
};

// Audience as a bit set, for filtering: person 1, company 2, organization 4.
int AudienceMask(const std::vector<std::string>& audience);
std::optional<int> AudienceBit(std::string_view audience);

// Chinese names of the code sets; "" for unknown codes.
std::string_view TypeName(std::string_view type);
std::string_view LevelName(int level);
std::string_view AudienceName(std::string_view audience);
std::string_view HandlingFormName(std::string_view form);
// All valid type codes, in code order.
const std::vector<std::string>& TypeCodes();

// The item in `document` (a JSON object with the fields of data/catalog/README.md), or a
// kValidationFailed error listing every problem at once. Field paths are the document's
// ("materials[1].code", "form_schema.properties.age.type"). Beyond types and formats it checks
// the rules that need no database:
//   promised_exceeds_legal    promised_limit_days > legal_limit_days
//   promised_over_half        newly_approved and 2 x promised > legal (seed 001: 新核准事项
//                             承诺时限不超过法定时限的50%)
//   instant_mismatch          instant differs from (promised_limit_days == 0)
//   onsite_reason_required    online is false and onsite_reason is empty
//   onsite_reason_unexpected  online is true and onsite_reason is set
//   visits                    online with visits != 0, or on-site with visits < 1
//   type_mismatch             basic_code's type digits differ from type
//   duplicate                 two materials with one code; repeated audience or form
//   auto_rules                auto_approval_rules on an item whose process is not auto_approval
// and, when `check_form` (skipped for documents the store already checked), that
// form_schema compiles (catalog/form_schema.hpp).
Result<Item> ItemFromJson(const nlohmann::ordered_json& document, bool check_form = true);
// Parses `text` first (kBadRequest "malformed_json" when it is not JSON).
Result<Item> ItemFromText(std::string_view text, bool check_form = true);

// The canonical document: the fields of data/catalog/README.md in its order.
nlohmann::ordered_json ItemToJson(const Item& item);
std::string ItemToText(const Item& item);

// Checks a region or department read from data files or the API (field errors prefixed with
// `at`). References to other regions and departments are checked by the store.
Result<Region> RegionFromJson(const nlohmann::ordered_json& value, std::string_view at = "");
Result<Department> DepartmentFromJson(const nlohmann::ordered_json& value, std::string_view at = "");
nlohmann::ordered_json RegionToJson(const Region& region);
nlohmann::ordered_json DepartmentToJson(const Department& department);

}  // namespace wangban::catalog

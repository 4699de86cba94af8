#include "wangban/identity/real_name.hpp"

namespace wangban::identity {

Result<void> FakeRealNameRegistry::VerifyPerson(std::string_view, std::string_view id_number) {
  std::lock_guard lock(mutex_);
  if (denied_ids_.contains(id_number)) {
    return Fail(Error::Validation({{"name", "real_name_mismatch",
                                    "the public-security registry does not hold this name with this ID number"}}));
  }
  return {};
}

Result<void> FakeRealNameRegistry::VerifyCompany(std::string_view, std::string_view uscc, std::string_view) {
  std::lock_guard lock(mutex_);
  if (denied_uscc_.contains(uscc)) {
    return Fail(Error::Validation({{"name", "real_name_mismatch",
                                    "the market-regulation registry does not hold this company with this code"}}));
  }
  return {};
}

void FakeRealNameRegistry::DenyIdNumber(std::string id_number) {
  std::lock_guard lock(mutex_);
  denied_ids_.insert(std::move(id_number));
}

void FakeRealNameRegistry::DenyUscc(std::string uscc) {
  std::lock_guard lock(mutex_);
  denied_uscc_.insert(std::move(uscc));
}

}  // namespace wangban::identity

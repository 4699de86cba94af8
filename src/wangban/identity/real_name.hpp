// Real-name verification (实名核验) against the public-security registry (persons) and the
// market-regulation registry (companies). Production deployments plug in an adapter for their
// province's exchange platform; tests and the demo use FakeRealNameRegistry.
#pragma once

#include <mutex>
#include <set>
#include <string>
#include <string_view>

#include "wangban/common/error.hpp"

namespace wangban::identity {

class RealNameRegistry {
 public:
  virtual ~RealNameRegistry() = default;
  // Ok if the registry holds this name with this ID number. kValidationFailed (field "name",
  // code "real_name_mismatch") if not; kUnavailable if the registry cannot be reached.
  virtual Result<void> VerifyPerson(std::string_view name, std::string_view id_number) = 0;
  // Ok if the registry holds this company with this legal representative.
  virtual Result<void> VerifyCompany(std::string_view name, std::string_view uscc,
                                     std::string_view legal_rep_name) = 0;
};

// Accepts every well-formed identity except those put on its deny lists. Thread-safe.
class FakeRealNameRegistry final : public RealNameRegistry {
 public:
  Result<void> VerifyPerson(std::string_view name, std::string_view id_number) override;
  Result<void> VerifyCompany(std::string_view name, std::string_view uscc, std::string_view legal_rep_name) override;
  // The registry will answer "no such person/company" for these.
  void DenyIdNumber(std::string id_number);
  void DenyUscc(std::string uscc);

 private:
  std::mutex mutex_;
  std::set<std::string, std::less<>> denied_ids_;    // GUARDED_BY(mutex_)
  std::set<std::string, std::less<>> denied_uscc_;   // GUARDED_BY(mutex_)
};

}  // namespace wangban::identity

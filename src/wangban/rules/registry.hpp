// The registries 秒批 rules consult (人口库, 违法犯罪人员信息库, 学信网, 社保, 失信被执行人名单, ...)
// behind one small interface, and an in-memory fake holding the demo persons' records for the
// demo server and the tests. docs/rules.md lists each source's key and record fields.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "wangban/common/clock.hpp"
#include "wangban/common/error.hpp"
#include "wangban/workflow/value.hpp"

namespace wangban::rules {

class Registry {
 public:
  virtual ~Registry() = default;
  // The record `source` holds under `key` (an object), or nullopt when it has none: a definite
  // answer ("no criminal record"). An error means the source did not answer (outage, timeout,
  // unknown source); rules treat it as "cannot decide", never as absence. Called from many
  // threads at once: during a submission's checks (PrefetchLookups), and inside the process
  // start's transaction for what was not asked ahead, so an adapter must give up after a short
  // timeout.
  virtual Result<std::optional<workflow::Value>> Lookup(std::string_view source, std::string_view key) = 0;
};

// The registry of a server with none configured: every lookup fails (kUnavailable), so every
// 秒批 case goes to a person. Never approve on the silence of a registry that is not there.
class UnavailableRegistry final : public Registry {
 public:
  Result<std::optional<workflow::Value>> Lookup(std::string_view source, std::string_view key) override;
};

// Keeps the answers of another registry — records, "no record" and failures alike — for `ttl`,
// so that a submission can ask the registries during its checks, outside the write transaction,
// and the decision inside the write finds the answers here instead of waiting on the network
// (on SQLite every write waits on one writer thread). At most `max_entries` answers: past that,
// the expired ones go, and if none has expired, all. Thread-safe.
class CachingRegistry final : public Registry {
 public:
  CachingRegistry(Registry& inner, const Clock& clock, std::chrono::seconds ttl, std::size_t max_entries = 10'000);
  Result<std::optional<workflow::Value>> Lookup(std::string_view source, std::string_view key) override;
  std::size_t size() const;

 private:
  struct Answer {
    Result<std::optional<workflow::Value>> value;
    Timestamp at;
  };
  Registry& inner_;
  const Clock& clock_;
  std::chrono::seconds ttl_;
  std::size_t max_entries_;
  mutable std::mutex mutex_;
  std::map<std::string, Answer, std::less<>> answers_;  // GUARDED_BY(mutex_); by source '\x1f' key
};

// Canned records, with per-source outages for tests. Thread-safe.
class FakeRegistry final : public Registry {
 public:
  // Computes a record from a key when none is stored under it (e.g. an address check).
  using Resolver = std::function<std::optional<workflow::Value>(std::string_view key)>;

  void Put(std::string source, std::string key, workflow::Value record);
  void Remove(std::string_view source, std::string_view key);
  void SetResolver(std::string source, Resolver resolver);
  // While unavailable, every lookup of `source` fails with kUnavailable.
  void SetAvailable(std::string_view source, bool available);
  // The lookups answered or refused so far.
  std::int64_t lookups() const;

  Result<std::optional<workflow::Value>> Lookup(std::string_view source, std::string_view key) override;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::map<std::string, workflow::Value, std::less<>>, std::less<>>
      records_;                                             // GUARDED_BY(mutex_)
  std::map<std::string, Resolver, std::less<>> resolvers_;  // GUARDED_BY(mutex_)
  std::set<std::string, std::less<>> unavailable_;          // GUARDED_BY(mutex_)
  std::int64_t lookups_ = 0;                                // GUARDED_BY(mutex_)
};

// A person the demo registries know.
struct DemoPerson {
  std::string name;
  std::string id_number;
  std::string about;  // what the records make of them, for the demo guide
};

// 张三 and 李四 (the demo applicants of app/demo.cpp), 王小明 (a minor) and 王秀英 (born 1941,
// 龙华区 户籍).
const std::vector<DemoPerson>& DemoPersons();

// Stores the demo persons' records and the demo resolvers (identity verification, business
// scope, standard address, trade name) in `registry`. Dates in the records are set relative to
// `today` (a graduation 16 months ago, a certificate issued 5 months ago), so the demo decides
// the same way whenever it runs.
void AddDemoRecords(FakeRegistry& registry, std::chrono::year_month_day today);

// The check character of a resident identity number (GB 11643, ISO 7064 MOD 11-2) that
// completes `first17`, or nullopt unless it is 17 ASCII digits.
std::optional<char> IdNumberCheckChar(std::string_view first17);

}  // namespace wangban::rules

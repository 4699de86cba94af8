// The one database interface of wangban: SQLite (embedded, the default) or PostgreSQL
// (production), both through SOCI. Domain modules see only this header: constant SQL text with
// named parameters (`:name`), values as a small variant, rows by position or name.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "wangban/common/error.hpp"

namespace wangban::storage {

enum class Backend { kSqlite, kPostgresql };

// "sqlite" or "postgresql".
std::string_view BackendName(Backend backend);

// A SQL value. Integers are 64-bit; text is UTF-8; booleans are stored as 0/1 integers and
// timestamps as microseconds since the Unix epoch (see common/clock.hpp).
using Value = std::variant<std::monostate, std::int64_t, double, std::string>;

inline constexpr std::monostate kNull{};

// A named parameter: the SQL text refers to it as `:name`.
struct Param {
  std::string name;
  Value value;

  Param(std::string n, std::int64_t v) : name(std::move(n)), value(v) {}
  Param(std::string n, int v) : name(std::move(n)), value(static_cast<std::int64_t>(v)) {}
  Param(std::string n, bool v) : name(std::move(n)), value(static_cast<std::int64_t>(v ? 1 : 0)) {}
  Param(std::string n, double v) : name(std::move(n)), value(v) {}
  Param(std::string n, std::string v) : name(std::move(n)), value(std::move(v)) {}
  Param(std::string n, std::string_view v) : name(std::move(n)), value(std::string(v)) {}
  Param(std::string n, const char* v) : name(std::move(n)), value(std::string(v)) {}
  Param(std::string n, std::monostate) : name(std::move(n)), value(std::monostate{}) {}
  Param(std::string n, Value v) : name(std::move(n)), value(std::move(v)) {}
  template <typename T>
  Param(std::string n, const std::optional<T>& v) : Param(std::move(n), std::monostate{}) {
    if (v) *this = Param(name, *v);
  }
};

using Params = std::vector<Param>;

// One result row. Accessors convert between integer, real and text representations where the
// conversion is exact (PostgreSQL and SQLite disagree on some column types); they never throw.
class Row {
 public:
  Row(std::shared_ptr<const std::vector<std::string>> columns, std::vector<Value> values);

  std::size_t size() const { return values_.size(); }
  const Value& at(std::size_t i) const { return values_.at(i); }
  bool IsNull(std::size_t i) const;
  // REQUIRES: the value is an integer, or text holding one. 0 for null.
  std::int64_t Int(std::size_t i) const;
  double Real(std::size_t i) const;
  // Text of the value; integers are formatted; "" for null.
  std::string Text(std::size_t i) const;
  std::optional<std::string> OptText(std::size_t i) const;
  std::optional<std::int64_t> OptInt(std::size_t i) const;
  bool Bool(std::size_t i) const { return Int(i) != 0; }

  // Column index by name; nullopt if the result has no such column.
  std::optional<std::size_t> Index(std::string_view column) const;
  std::int64_t Int(std::string_view column) const;
  std::string Text(std::string_view column) const;
  std::optional<std::string> OptText(std::string_view column) const;
  std::optional<std::int64_t> OptInt(std::string_view column) const;
  bool IsNull(std::string_view column) const;

 private:
  std::size_t MustIndex(std::string_view column) const;

  std::shared_ptr<const std::vector<std::string>> columns_;
  std::vector<Value> values_;
};

using Rows = std::vector<Row>;

// A connection inside an open transaction. Valid only during Database::Transact's callback.
class Tx {
 public:
  virtual ~Tx() = default;
  virtual Backend backend() const = 0;
  // Executes one statement; returns the number of rows it changed.
  // Errors: kConflict with reason "unique_violation" / "foreign_key_violation" /
  // "check_violation" for constraint failures; kUnavailable with reason "retry" when the
  // database asks to retry the transaction (busy, serialization failure, deadlock).
  virtual Result<std::int64_t> Exec(std::string_view sql, const Params& params = {}) = 0;
  // Runs a query and returns all rows. Errors as for Exec.
  virtual Result<Rows> Query(std::string_view sql, const Params& params = {}) = 0;
  // The first row of a query, or nullopt when there is none.
  Result<std::optional<Row>> QueryOne(std::string_view sql, const Params& params = {});
  // A write whose result the caller does not read. SQLite runs it at once. PostgreSQL sends it
  // with the transaction's next statement, or with its COMMIT, in one round trip (a libpq
  // pipeline): a transaction holding a contended row lock holds it for fewer round trips.
  // Its failure, or a number of changed rows other than `check.changes`, fails the statement
  // it went with and so the transaction, with the statement's error (or `check.otherwise`;
  // `check.on_unique_violation` in place of a unique violation). Returns that error at once on
  // SQLite. Counts are checked here, not by the database: deferred statements with a count to
  // check go before the COMMIT, not with it (a round trip more), so an INSERT ... VALUES, which
  // inserts its row or fails, needs none.
  struct Check {
    std::optional<std::int64_t> changes;
    std::optional<Error> otherwise;
    std::optional<Error> on_unique_violation;
  };
  virtual Result<void> Defer(std::string_view sql, const Params& params, const Check& check = {});

 protected:
  // A deferred statement's failure as `check` asks; the outcome of its `changes` check.
  static Error CheckedError(const Check& check, Error e);
  static Result<void> CheckChanges(const Check& check, std::int64_t changes, std::string_view sql);

 public:
  // Runs a multi-statement script without parameters (migrations only).
  virtual Result<void> ExecScript(std::string_view sql) = 0;

  // Small values the code running in the transaction keeps for its later statements (the head
  // of an audit stream it locked, say), by key. Empty at the start of every transaction (and of
  // every write of a SQLite group commit).
  std::map<std::string, std::string, std::less<>>& scratch() { return scratch_; }

 private:
  std::map<std::string, std::string, std::less<>> scratch_;

 public:
};

struct TxOptions {
  // A read-write transaction. On SQLite it begins IMMEDIATE (takes the write lock at once, so
  // it never fails half-way on lock upgrade); writers in one process are serialized.
  bool write = true;
  // PostgreSQL: SERIALIZABLE instead of READ COMMITTED. SQLite is always serializable.
  // A read-only READ COMMITTED "transaction" on PostgreSQL runs its statements in autocommit:
  // each sees its own snapshot, exactly as inside READ COMMITTED, without BEGIN/COMMIT round
  // trips. Ask for serializable when several reads must see one snapshot.
  bool serializable = false;
  // PostgreSQL: no BEGIN/COMMIT around a write either, so each statement is a transaction of
  // its own, committed as it runs: for a single statement whose row locks must not be held
  // across a round trip to this process (a counter every request of a kind updates). SQLite
  // runs it as the transaction `write` asks for.
  bool autocommit = false;
  // Attempts when the database asks for a retry, with exponential backoff between them.
  int max_attempts = 8;
};

inline constexpr TxOptions kReadOnly{.write = false};
inline constexpr TxOptions kReadWrite{.write = true};

// A pool of connections to one database. Thread-safe.
class Database {
 public:
  virtual ~Database() = default;

  virtual Backend backend() const = 0;
  // The URL it was opened with, without any password.
  virtual std::string redacted_url() const = 0;

  // Runs `fn` in a transaction: commits if it returns a value, rolls back if it returns an
  // error (which Transact then returns). When the database asks to retry (busy, serialization
  // failure, deadlock), rolls back and runs `fn` again, up to options.max_attempts.
  // REQUIRES: fn has no effects outside the transaction, since it may run more than once.
  virtual Result<void> Transact(const TxOptions& options, const std::function<Result<void>(Tx&)>& fn) = 0;

  // Convenience: a transaction whose callback produces a value.
  template <typename T, typename F>
  Result<T> TransactValue(const TxOptions& options, F&& fn) {
    std::optional<T> out;
    auto r = Transact(options, [&](Tx& tx) -> Result<void> {
      auto v = fn(tx);
      if (!v) return std::unexpected(std::move(v.error()));
      out = std::move(*v);
      return {};
    });
    if (!r) return std::unexpected(std::move(r.error()));
    return std::move(*out);
  }

  // Checks that a connection works (a trivial query).
  virtual Result<void> Ping() = 0;

  // Runs a multi-statement SQL script outside any explicit transaction (migrations).
  virtual Result<void> ExecScript(std::string_view sql) = 0;
};

struct DatabaseOptions {
  // Connections in the pool. SQLite: readers share the file in WAL mode; writers queue on one
  // in-process lock.
  int pool_size = 8;
  // How long SQLite waits on a lock held by another process before reporting busy.
  int sqlite_busy_timeout_ms = 5000;
  // SQLite synchronous mode: FULL makes a commit durable when it returns.
  bool sqlite_synchronous_full = true;
  // SQLite: concurrent write transactions share one commit (one fsync), each in its own
  // savepoint; every caller returns after the shared commit is durable.
  bool sqlite_group_commit = true;
};

// Opens `url`: "sqlite:PATH" (the parent directory is created), "sqlite::memory:" or
// "postgresql://user:pass@host:port/db". Errors: kBadRequest for an unknown scheme;
// kUnavailable when the database cannot be reached.
Result<std::unique_ptr<Database>> OpenDatabase(std::string_view url, const DatabaseOptions& options = {});

// "postgresql://user:pass@host:port/db?connect_timeout=5" as a libpq keyword/value string
// ("user='user' password='pass' host='host' port='port' dbname='db' connect_timeout='5'").
// kBadRequest for malformed URLs.
Result<std::string> PostgresUrlToConnString(std::string_view url);

}  // namespace wangban::storage

// Database over SOCI 4.0: a pool of sessions to SQLite or PostgreSQL, transactions with retry.
// SOCI's headers stay inside this file.
#include <libpq-fe.h>
#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "wangban/common/thread_name.hpp"
#include "wangban/storage/database.hpp"

namespace wangban::storage {
namespace {

constexpr std::string_view kRetryReason = "retry";

// A PostgreSQL error by its SQLSTATE (empty when there is none, as for a lost connection),
// classifying the cases callers act on.
Error PgError(std::string_view state, std::string what) {
  if (state == "40001" || state == "40P01") return Error::Unavailable(std::move(what), std::string(kRetryReason));
  if (state == "23505") return Error::Conflict(std::move(what), "unique_violation");
  if (state == "23503") return Error::Conflict(std::move(what), "foreign_key_violation");
  if (state == "23514") return Error::Conflict(std::move(what), "check_violation");
  if (state == "23502") return Error::Conflict(std::move(what), "not_null_violation");
  if (state.starts_with("08") || state == "57P01" || state == "57P03") {
    return Error::Unavailable(std::move(what), "db_connection");
  }
  if (what.find("server closed the connection") != std::string::npos ||
      what.find("no connection to the server") != std::string::npos) {
    return Error::Unavailable(std::move(what), "db_connection");
  }
  return Error::Internal(std::move(what));
}

bool IsRetry(const Error& e) { return e.code == ErrorCode::kUnavailable && e.reason == kRetryReason; }

// SQLite statements prepared once per connection and reused: preparing is most of the cost of
// a short statement (SOCI prepares every statement anew). SQL texts are constants, so the cache
// stays small. A connection is used by one thread at a time; the map of caches has a lock.
class SqliteStatements {
 public:
  ~SqliteStatements() {
    for (auto& [sql, stmt] : statements_) sqlite_api::sqlite3_finalize(stmt);
  }
  // The prepared statement for `sql`, reset and unbound; null with `error` set on failure.
  sqlite_api::sqlite3_stmt* Get(sqlite_api::sqlite3* db, std::string_view sql, int& rc) {
    auto it = statements_.find(sql);
    if (it != statements_.end()) {
      rc = 0;
      return it->second;
    }
    sqlite_api::sqlite3_stmt* stmt = nullptr;
    rc = sqlite_api::sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()),
                                        0x01 /*SQLITE_PREPARE_PERSISTENT*/, &stmt, nullptr);
    if (rc != 0 || stmt == nullptr) return nullptr;
    statements_.emplace(std::string(sql), stmt);
    return stmt;
  }

 private:
  std::map<std::string, sqlite_api::sqlite3_stmt*, std::less<>> statements_;
};

// The statement caches of every open connection, by the connection's native handle (SQLite's
// sqlite3*, libpq's PGconn*). Each connection is used by one thread at a time; the map has a lock.
template <typename Handle, typename Cache>
class ConnectionCaches {
 public:
  Cache& For(Handle h) {
    std::lock_guard lock(mutex_);
    auto& slot = caches_[h];
    if (!slot) slot = std::make_unique<Cache>();
    return *slot;
  }
  // Destroys a connection's cache (SQLite: finalizes its statements). REQUIRES: before the
  // connection closes; a new connection may get the same handle.
  void Drop(Handle h) {
    std::unique_ptr<Cache> dropped;  // destroyed after the lock is released
    std::lock_guard lock(mutex_);
    auto it = caches_.find(h);
    if (it == caches_.end()) return;
    dropped = std::move(it->second);
    caches_.erase(it);
  }

 private:
  std::mutex mutex_;
  std::map<Handle, std::unique_ptr<Cache>> caches_;
};

ConnectionCaches<sqlite_api::sqlite3*, SqliteStatements>& SqliteCaches() {
  static ConnectionCaches<sqlite_api::sqlite3*, SqliteStatements> caches;
  return caches;
}

Error SqliteError(sqlite_api::sqlite3* db, int rc) {
  std::string what = sqlite_api::sqlite3_errmsg(db);
  const int extended = sqlite_api::sqlite3_extended_errcode(db);
  const int primary = rc & 0xFF;
  if (primary == 5 /*BUSY*/ || primary == 6 /*LOCKED*/) return Error::Unavailable(what, std::string(kRetryReason));
  if (primary == 19 /*CONSTRAINT*/) {
    switch (extended) {
      case 2067:  // SQLITE_CONSTRAINT_UNIQUE
      case 1555:  // SQLITE_CONSTRAINT_PRIMARYKEY
        return Error::Conflict(what, "unique_violation");
      case 787:
        return Error::Conflict(what, "foreign_key_violation");
      case 275:
        return Error::Conflict(what, "check_violation");
      case 1299:
        return Error::Conflict(what, "not_null_violation");
      default:
        break;
    }
  }
  return Error::Internal(what);
}

// Runs `sql` on SQLite with `params` bound by name; calls `row` for each result row.
template <typename OnRow>
Result<std::int64_t> RunSqlite(sqlite_api::sqlite3* db, SqliteStatements& statements, std::string_view sql,
                               const Params& params, OnRow&& row) {
  int rc = 0;
  sqlite_api::sqlite3_stmt* stmt = statements.Get(db, sql, rc);
  if (stmt == nullptr) return Fail(SqliteError(db, rc));
  struct Reset {
    sqlite_api::sqlite3_stmt* s;
    ~Reset() {
      sqlite_api::sqlite3_reset(s);
      sqlite_api::sqlite3_clear_bindings(s);
    }
  } reset{stmt};
  std::string name;
  for (const Param& p : params) {
    name.assign(":").append(p.name);
    const int index = sqlite_api::sqlite3_bind_parameter_index(stmt, name.c_str());
    if (index == 0) continue;  // a parameter the statement does not use
    int brc = 0;
    if (std::holds_alternative<std::monostate>(p.value)) {
      brc = sqlite_api::sqlite3_bind_null(stmt, index);
    } else if (const auto* n = std::get_if<std::int64_t>(&p.value)) {
      brc = sqlite_api::sqlite3_bind_int64(stmt, index, *n);
    } else if (const auto* d = std::get_if<double>(&p.value)) {
      brc = sqlite_api::sqlite3_bind_double(stmt, index, *d);
    } else {
      const auto& text = std::get<std::string>(p.value);
      brc = sqlite_api::sqlite3_bind_text64(stmt, index, text.data(), text.size(),
                                            reinterpret_cast<sqlite_api::sqlite3_destructor_type>(-1) /*TRANSIENT*/,
                                            1 /*SQLITE_UTF8*/);
    }
    if (brc != 0) return Fail(SqliteError(db, brc));
  }
  for (;;) {
    rc = sqlite_api::sqlite3_step(stmt);
    if (rc == 100 /*SQLITE_ROW*/) {
      row(stmt);
      continue;
    }
    if (rc == 101 /*SQLITE_DONE*/) break;
    return Fail(SqliteError(db, rc));
  }
  return static_cast<std::int64_t>(sqlite_api::sqlite3_changes(db));
}

Value SqliteColumn(sqlite_api::sqlite3_stmt* stmt, int i) {
  switch (sqlite_api::sqlite3_column_type(stmt, i)) {
    case 1 /*SQLITE_INTEGER*/:
      return static_cast<std::int64_t>(sqlite_api::sqlite3_column_int64(stmt, i));
    case 2 /*SQLITE_FLOAT*/:
      return sqlite_api::sqlite3_column_double(stmt, i);
    case 5 /*SQLITE_NULL*/:
      return std::monostate{};
    default: {
      const auto* text = reinterpret_cast<const char*>(sqlite_api::sqlite3_column_blob(stmt, i));
      const int bytes = sqlite_api::sqlite3_column_bytes(stmt, i);
      return std::string(text ? text : "", static_cast<std::size_t>(bytes));
    }
  }
}

// ---- PostgreSQL through libpq: server-side prepared statements.
//
// SOCI runs every statement as a one-time query, which PostgreSQL parses, analyses and plans
// anew each time (half of its time per statement on the case writes). Here each SQL text is
// prepared once per connection under a name of its own and then executed by name, text
// parameters in and text results out; PostgreSQL keeps the plan (custom plans for the first
// five executions, then the generic plan where it costs no more: its default
// plan_cache_mode). The `:name` placeholders become `$n` (a name used twice is one
// parameter).

struct PgPrepared {
  std::string name;                 // the server-side statement's name
  std::vector<std::string> params;  // the placeholder names, in $n order
};

// `sql` with `:name` placeholders as `$1`, `$2`, ...; the names in order. Skips quoted strings
// and identifiers, comments and `::` casts.
PgPrepared TranslatePlaceholders(std::string_view sql, std::string& out) {
  PgPrepared p;
  out.clear();
  out.reserve(sql.size() + 8);
  auto ident_char = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  };
  for (std::size_t i = 0; i < sql.size();) {
    const char c = sql[i];
    if (c == '\'' || c == '"') {  // a quoted string or identifier, doubled quotes inside
      std::size_t j = i + 1;
      for (; j < sql.size(); ++j) {
        if (sql[j] == c) {
          if (j + 1 < sql.size() && sql[j + 1] == c) {
            ++j;
            continue;
          }
          break;
        }
      }
      j = std::min(j + 1, sql.size());
      out.append(sql.substr(i, j - i));
      i = j;
    } else if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {  // a comment to the end of the line
      const std::size_t j = std::min(sql.find('\n', i), sql.size());
      out.append(sql.substr(i, j - i));
      i = j;
    } else if (c == ':' && i + 1 < sql.size() && sql[i + 1] == ':') {  // a cast
      out.append("::");
      i += 2;
    } else if (c == ':' && i + 1 < sql.size() && ident_char(sql[i + 1]) && !(sql[i + 1] >= '0' && sql[i + 1] <= '9')) {
      std::size_t j = i + 1;
      while (j < sql.size() && ident_char(sql[j])) ++j;
      const std::string name(sql.substr(i + 1, j - i - 1));
      auto at = std::find(p.params.begin(), p.params.end(), name);
      if (at == p.params.end()) at = p.params.insert(p.params.end(), name);
      out.append("$").append(std::to_string(at - p.params.begin() + 1));
      i = j;
    } else {
      out.push_back(c);
      ++i;
    }
  }
  return p;
}

Error PgResultError(PGconn* conn, const PGresult* res) {
  const char* state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
  std::string what = res ? PQresultErrorMessage(res) : "";
  if (what.empty()) what = PQerrorMessage(conn);
  while (!what.empty() && (what.back() == '\n' || what.back() == ' ')) what.pop_back();
  return PgError(state ? state : "", std::move(what));
}

struct PgResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using PgResult = std::unique_ptr<PGresult, PgResultDeleter>;

// The statements prepared on one connection. A connection is used by one thread at a time.
class PgStatements {
 public:
  // The statement prepared for `sql`, preparing it on first use; null when the cache is full
  // (SQL texts are constants, so it never should be): the caller runs the text unnamed.
  Result<const PgPrepared*> Get(PGconn* conn, std::string_view sql) {
    if (auto it = statements_.find(sql); it != statements_.end()) return &it->second;
    if (statements_.size() >= kMaxStatements) return nullptr;
    std::string text;
    PgPrepared p = TranslatePlaceholders(sql, text);
    p.name = "wb" + std::to_string(next_++);
    PgResult res(PQprepare(conn, p.name.c_str(), text.c_str(), 0, nullptr));
    if (!res || PQresultStatus(res.get()) != PGRES_COMMAND_OK) return Fail(PgResultError(conn, res.get()));
    return &statements_.emplace(std::string(sql), std::move(p)).first->second;
  }
  // After "prepared statement does not exist" (something ran DEALLOCATE or DISCARD on the
  // connection): prepared again next time.
  void Forget(std::string_view sql) {
    if (auto it = statements_.find(sql); it != statements_.end()) statements_.erase(it);
  }

 private:
  static constexpr std::size_t kMaxStatements = 1000;
  std::map<std::string, PgPrepared, std::less<>> statements_;
  std::uint64_t next_ = 0;
};

ConnectionCaches<PGconn*, PgStatements>& PgCaches() {
  static ConnectionCaches<PGconn*, PgStatements> caches;
  return caches;
}

// A column's value as SOCI 4.0 typed it before: integers (and booleans, as 0/1) as integers,
// float and numeric as doubles, dates and times as "YYYY-MM-DDTHH:MM:SS", the rest as text.
Value PgColumn(const PGresult* res, int row, int col) {
  if (PQgetisnull(res, row, col)) return std::monostate{};
  const char* text = PQgetvalue(res, row, col);
  const auto length = static_cast<std::size_t>(PQgetlength(res, row, col));
  switch (PQftype(res, col)) {
    case 16:  // bool
      return static_cast<std::int64_t>(text[0] == 't' ? 1 : 0);
    case 20:  // int8
    case 21:  // int2
    case 23:  // int4
    case 26:  // oid
      return static_cast<std::int64_t>(std::strtoll(text, nullptr, 10));
    case 700:   // float4
    case 701:   // float8
    case 1700:  // numeric
      return std::strtod(text, nullptr);
    case 1082:    // date
    case 1083:    // time
    case 1114:    // timestamp
    case 1184:    // timestamptz
    case 1266: {  // timetz
      std::string out(text, std::min<std::size_t>(length, 19));
      if (out.size() == 10) out += "T00:00:00";
      if (out.size() > 10 && out[10] == ' ') out[10] = 'T';
      return out;
    }
    default:
      return std::string(text, length);
  }
}

// A statement ready to run on a connection: its prepared name (or its text, to run unnamed)
// and its arguments as text, numbers formatted here (std::to_chars: the shortest exact form).
// Not copied or moved: `values` points into it.
struct PgCall {
  const PgPrepared* prepared = nullptr;  // null: run `text` unnamed
  std::string text;
  PgPrepared unnamed;
  std::deque<std::string> numbers;
  std::vector<const char*> values;

  int count() const { return static_cast<int>(values.size()); }
};

Result<void> MakeCall(PGconn* conn, PgStatements& statements, std::string_view sql, const Params& params,
                      PgCall& call) {
  auto prepared = statements.Get(conn, sql);
  if (!prepared) return std::unexpected(prepared.error());
  call.prepared = *prepared;
  const PgPrepared* p = call.prepared;
  if (p == nullptr) {
    call.unnamed = TranslatePlaceholders(sql, call.text);
    p = &call.unnamed;
  }
  call.values.assign(p->params.size(), nullptr);
  for (std::size_t i = 0; i < p->params.size(); ++i) {
    const auto found =
        std::find_if(params.begin(), params.end(), [&](const Param& x) { return x.name == p->params[i]; });
    if (found == params.end()) {
      return Fail(Error::Internal("no value bound to :" + p->params[i] + " in " + std::string(sql)));
    }
    if (const auto* text = std::get_if<std::string>(&found->value)) {
      call.values[i] = text->c_str();
    } else if (const auto* n = std::get_if<std::int64_t>(&found->value)) {
      call.values[i] = call.numbers.emplace_back(std::to_string(*n)).c_str();
    } else if (const auto* d = std::get_if<double>(&found->value)) {
      char buf[64];
      const auto end = std::to_chars(buf, buf + sizeof buf, *d).ptr;
      call.values[i] = call.numbers.emplace_back(buf, end).c_str();
    }  // null: a null pointer
  }
  return {};
}

// The outcome of one statement: the rows it changed (or returned), its rows into `rows` when
// given, or its error.
Result<std::int64_t> ReadPgResult(PGconn* conn, PgStatements& statements, std::string_view sql, const PGresult* res,
                                  Rows* rows) {
  const ExecStatusType status = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    const char* state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
    if (state && std::string_view(state) == "26000") statements.Forget(sql);
    return Fail(PgResultError(conn, res));
  }
  // PostgreSQL answers COMMIT in a transaction that an earlier statement failed with ROLLBACK,
  // not with an error: a caller that went on past a failed statement must not hear "committed".
  if (sql == "COMMIT" && std::string_view(PQcmdStatus(const_cast<PGresult*>(res))) == "ROLLBACK") {
    return Fail(Error::Internal("the transaction was rolled back: a statement in it had failed"));
  }
  const char* affected = PQcmdTuples(const_cast<PGresult*>(res));
  if (status == PGRES_COMMAND_OK) return affected && *affected ? std::strtoll(affected, nullptr, 10) : 0;
  const int nrows = PQntuples(res);
  if (rows != nullptr) {
    const int ncols = PQnfields(res);
    auto columns = std::make_shared<std::vector<std::string>>();
    columns->reserve(static_cast<std::size_t>(ncols));
    for (int c = 0; c < ncols; ++c) columns->emplace_back(PQfname(res, c));
    rows->reserve(static_cast<std::size_t>(nrows));
    for (int r = 0; r < nrows; ++r) {
      std::vector<Value> row;
      row.reserve(static_cast<std::size_t>(ncols));
      for (int c = 0; c < ncols; ++c) row.push_back(PgColumn(res, r, c));
      rows->emplace_back(columns, std::move(row));
    }
  }
  return affected && *affected ? std::strtoll(affected, nullptr, 10) : static_cast<std::int64_t>(nrows);
}

// Runs `sql` on PostgreSQL with `params` bound by name; fills `rows` when given. Returns the
// number of rows the statement changed (or returned).
Result<std::int64_t> RunPg(PGconn* conn, PgStatements& statements, std::string_view sql, const Params& params,
                           Rows* rows) {
  PgCall call;
  if (auto made = MakeCall(conn, statements, sql, params, call); !made) return std::unexpected(made.error());
  PgResult res(
      call.prepared
          ? PQexecPrepared(conn, call.prepared->name.c_str(), call.count(), call.values.data(), nullptr, nullptr, 0)
          : PQexecParams(conn, call.text.c_str(), call.count(), nullptr, call.values.data(), nullptr, nullptr, 0));
  return ReadPgResult(conn, statements, sql, res.get(), rows);
}

class SociTx final : public Tx {
 public:
  SociTx(soci::session& session, Backend backend) : session_(session), backend_(backend) {}

  Backend backend() const override { return backend_; }

  Result<std::int64_t> Exec(std::string_view sql, const Params& params) override {
    if (backend_ == Backend::kSqlite) {
      return RunSqlite(SqliteHandle(), Statements(), sql, params, [](sqlite_api::sqlite3_stmt*) {});
    }
    sent_ = true;
    if (!deferred_.empty()) {
      // A count checked on this side cannot stop a COMMIT already sent after its statement:
      // deferred statements with checks run (and are checked) before the COMMIT goes.
      const bool checked = std::any_of(deferred_.begin(), deferred_.end(),
                                       [](const Deferred& d) { return d.check.changes.has_value(); });
      if (!checked || sql != "COMMIT") return RunPipeline(sql, params, nullptr);
      if (auto flushed = Flush(); !flushed) return std::unexpected(flushed.error());
    }
    return RunPg(PgHandle(), PgCache(), sql, params, nullptr);
  }

  Result<void> Defer(std::string_view sql, const Params& params, const Check& check) override {
    if (backend_ == Backend::kSqlite) return Tx::Defer(sql, params, check);
    deferred_.push_back({std::string(sql), params, check});
    return {};
  }

  // Runs what is still deferred (PostgreSQL), for a transaction that ends without a statement
  // of its own (autocommit).
  // Whether anything reached the server (PostgreSQL): a transaction whose deferred BEGIN never
  // went needs no ROLLBACK.
  bool sent() const { return sent_; }

  Result<void> Flush() {
    if (deferred_.empty()) return {};
    sent_ = true;
    auto r = RunPipeline({}, {}, nullptr);
    if (!r) return std::unexpected(r.error());
    return {};
  }

  Result<Rows> Query(std::string_view sql, const Params& params) override {
    if (backend_ == Backend::kSqlite) {
      Rows rows;
      std::shared_ptr<std::vector<std::string>> columns;
      auto done = RunSqlite(SqliteHandle(), Statements(), sql, params, [&](sqlite_api::sqlite3_stmt* stmt) {
        const int n = sqlite_api::sqlite3_column_count(stmt);
        if (!columns) {
          columns = std::make_shared<std::vector<std::string>>();
          for (int i = 0; i < n; ++i) columns->emplace_back(sqlite_api::sqlite3_column_name(stmt, i));
        }
        std::vector<Value> values;
        values.reserve(static_cast<std::size_t>(n));
        for (int i = 0; i < n; ++i) values.push_back(SqliteColumn(stmt, i));
        rows.emplace_back(columns, std::move(values));
      });
      if (!done) return std::unexpected(done.error());
      return rows;
    }
    sent_ = true;
    Rows rows;
    auto done = deferred_.empty() ? RunPg(PgHandle(), PgCache(), sql, params, &rows) : RunPipeline(sql, params, &rows);
    if (!done) return std::unexpected(done.error());
    return rows;
  }

  Result<void> ExecScript(std::string_view sql) override {
    const std::string text(sql);
    if (backend_ == Backend::kSqlite) {
      auto* be = static_cast<soci::sqlite3_session_backend*>(session_.get_backend());
      char* message = nullptr;
      const int rc = sqlite_api::sqlite3_exec(be->conn_, text.c_str(), nullptr, nullptr, &message);
      if (rc != 0) {
        std::string what = message ? message : "sqlite3_exec failed";
        sqlite_api::sqlite3_free(message);
        if ((rc & 0xFF) == 5 || (rc & 0xFF) == 6) return Fail(Error::Unavailable(what, std::string(kRetryReason)));
        return Fail(Error::Internal(what));
      }
      return {};
    }
    // What is deferred (a BEGIN, say) goes first.
    if (auto flushed = Flush(); !flushed) return flushed;
    sent_ = true;
    auto* be = static_cast<soci::postgresql_session_backend*>(session_.get_backend());
    PGresult* res = PQexec(be->conn_, text.c_str());
    const ExecStatusType status = PQresultStatus(res);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
      const char* state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
      std::string what = PQresultErrorMessage(res);
      const bool retry = state && (std::string_view(state) == "40001" || std::string_view(state) == "40P01");
      PQclear(res);
      if (retry) return Fail(Error::Unavailable(what, std::string(kRetryReason)));
      return Fail(Error::Internal(what));
    }
    PQclear(res);
    return {};
  }

 private:
  sqlite_api::sqlite3* SqliteHandle() {
    return static_cast<soci::sqlite3_session_backend*>(session_.get_backend())->conn_;
  }
  // The connection's statement cache, found once per transaction (the map of caches is shared
  // by every thread and has a lock).
  SqliteStatements& Statements() {
    if (statements_ == nullptr) statements_ = &SqliteCaches().For(SqliteHandle());
    return *statements_;
  }

  // The deferred statements, then `sql` unless empty, in one pipeline (one round trip once
  // every statement is prepared on the connection). Returns `sql`'s outcome, or the first
  // failure of a deferred statement: after it PostgreSQL skips the rest, and the transaction is
  // failed.
  Result<std::int64_t> RunPipeline(std::string_view sql, const Params& params, Rows* rows) {
    std::vector<Deferred> batch;
    batch.swap(deferred_);
    PGconn* conn = PgHandle();
    PgStatements& statements = PgCache();
    std::deque<PgCall> calls;  // prepared first: a statement's first use on a connection prepares it
    for (const Deferred& d : batch) {
      if (auto made = MakeCall(conn, statements, d.sql, d.params, calls.emplace_back()); !made) {
        return Fail(CheckedError(d.check, std::move(made.error())));
      }
    }
    const bool has_last = !sql.empty();
    if (has_last) {
      if (auto made = MakeCall(conn, statements, sql, params, calls.emplace_back()); !made) {
        return std::unexpected(made.error());
      }
    }
    if (PQenterPipelineMode(conn) != 1) return Fail(PgResultError(conn, nullptr));
    bool ok = true;
    for (const PgCall& c : calls) {
      const int sent =
          c.prepared
              ? PQsendQueryPrepared(conn, c.prepared->name.c_str(), c.count(), c.values.data(), nullptr, nullptr, 0)
              : PQsendQueryParams(conn, c.text.c_str(), c.count(), nullptr, c.values.data(), nullptr, nullptr, 0);
      if (sent != 1) {
        ok = false;
        break;
      }
    }
    if (ok) ok = PQpipelineSync(conn) == 1;
    std::optional<Error> failed;
    Result<std::int64_t> last = 0;
    // Every result up to the sync is read (libpq leaves pipeline mode only then); each
    // statement's results end with a null.
    for (std::size_t i = 0; ok && i < calls.size(); ++i) {
      PgResult res(PQgetResult(conn));
      if (!res) {
        ok = false;
        break;
      }
      if (PQresultStatus(res.get()) != PGRES_PIPELINE_ABORTED) {
        const bool is_last = has_last && i + 1 == calls.size();
        auto outcome =
            ReadPgResult(conn, statements, is_last ? sql : batch[i].sql, res.get(), is_last ? rows : nullptr);
        if (is_last) {
          last = std::move(outcome);
        } else if (!outcome) {
          if (!failed) failed = CheckedError(batch[i].check, std::move(outcome.error()));
        } else if (auto checked = CheckChanges(batch[i].check, *outcome, batch[i].sql); !checked && !failed) {
          failed = std::move(checked.error());
        }
      }
      while (PGresult* rest = PQgetResult(conn)) PQclear(rest);
    }
    if (ok) {
      PgResult sync(PQgetResult(conn));
      ok = sync && PQresultStatus(sync.get()) == PGRES_PIPELINE_SYNC;
    }
    if (PQexitPipelineMode(conn) != 1) {
      // Results left unread after a broken exchange: read what remains and leave again; a
      // connection that still cannot is replaced when it goes back to the pool.
      ok = false;
      for (int i = 0; i < 64 && PQpipelineStatus(conn) != PQ_PIPELINE_OFF; ++i) {
        while (PGresult* rest = PQgetResult(conn)) PQclear(rest);
        if (PQexitPipelineMode(conn) == 1) break;
        if (PQstatus(conn) != CONNECTION_OK) break;
      }
    }
    if (failed) return Fail(std::move(*failed));
    if (!ok) return Fail(PgResultError(conn, nullptr));
    return last;
  }

  struct Deferred {
    std::string sql;
    Params params;
    Check check;
  };
  std::vector<Deferred> deferred_;
  bool sent_ = false;

  PGconn* PgHandle() { return static_cast<soci::postgresql_session_backend*>(session_.get_backend())->conn_; }
  PgStatements& PgCache() {
    if (pg_statements_ == nullptr) pg_statements_ = &PgCaches().For(PgHandle());
    return *pg_statements_;
  }

  SqliteStatements* statements_ = nullptr;
  PgStatements* pg_statements_ = nullptr;

  soci::session& session_;
  Backend backend_;
};

struct SociDatabaseConfig {
  Backend backend;
  std::string connect_string;  // what SOCI receives
  std::string redacted_url;
  DatabaseOptions options;
  bool sqlite_memory = false;  // sqlite::memory: (every connection would see its own database)
};

class SociDatabase final : public Database {
 public:
  explicit SociDatabase(SociDatabaseConfig config) : config_(std::move(config)) {}

  ~SociDatabase() override {
    if (config_.backend == Backend::kPostgresql) {
      std::lock_guard lock(mutex_);
      for (auto& session : idle_) {
        PgCaches().Drop(static_cast<soci::postgresql_session_backend*>(session->get_backend())->conn_);
      }
      return;
    }
    StopWriter();
    StopCheckpointer();
    // Cached statements must be finalized before their connections close.
    std::lock_guard lock(mutex_);
    for (auto& session : idle_) {
      SqliteCaches().Drop(static_cast<soci::sqlite3_session_backend*>(session->get_backend())->conn_);
    }
    std::lock_guard writer(sqlite_writer_mutex_);
    if (writer_) SqliteCaches().Drop(static_cast<soci::sqlite3_session_backend*>(writer_->get_backend())->conn_);
  }

  Result<void> Open() {
    for (int i = 0; i < config_.options.pool_size; ++i) {
      auto session = Connect();
      if (!session) return std::unexpected(std::move(session.error()));
      idle_.push_back(std::move(*session));
    }
    StartWriter();
    if (config_.backend == Backend::kSqlite && !config_.sqlite_memory) {
      auto session = Connect();
      if (!session) return std::unexpected(std::move(session.error()));
      writer_ = std::move(*session);
      // After each commit SQLite tells the writer how long the WAL is. Past 1,000 pages (the
      // autocheckpoint default) the checkpointer is woken. It copies back what was committed
      // when it started, but under a steady stream of writes it never finds the WAL fully
      // copied at the moment a write begins, which is when SQLite starts the WAL over from its
      // beginning: the file would grow without end. So past 4,000 pages the writer checkpoints
      // here itself, between two of its transactions (nothing is appended meanwhile): cheap,
      // since the checkpointer has copied back most of it, and the next write restarts the WAL.
      sqlite_api::sqlite3_wal_hook(
          static_cast<soci::sqlite3_session_backend*>(writer_->get_backend())->conn_,
          [](void* self, sqlite_api::sqlite3* db, const char* name, int pages) -> int {
            if (pages >= kWriterCheckpointPages) {
              (void)sqlite_api::sqlite3_wal_checkpoint_v2(db, name, 0 /*PASSIVE*/, nullptr, nullptr);
            } else if (pages >= kCheckpointerPages) {
              static_cast<SociDatabase*>(self)->WakeCheckpointer();
            }
            return 0;
          },
          this);
      StartCheckpointer();
    }
    return {};
  }

  Backend backend() const override { return config_.backend; }
  std::string redacted_url() const override { return config_.redacted_url; }

  Result<void> Transact(const TxOptions& options, const std::function<Result<void>(Tx&)>& fn) override {
    Error last = Error::Unavailable("transaction not attempted");
    auto backoff = std::chrono::milliseconds(1);
    for (int attempt = 1; attempt <= std::max(1, options.max_attempts); ++attempt) {
      auto r = TransactOnce(options, fn);
      if (r || !IsRetry(r.error())) return r;
      last = std::move(r.error());
      // Backoff between retries of a busy or conflicting transaction; this is contention
      // handling on the request path, not a test waiting for work.
      std::this_thread::sleep_for(backoff);
      backoff = std::min(backoff * 2, std::chrono::milliseconds(100));
    }
    return Fail(std::move(last));
  }

  Result<void> Ping() override {
    return Transact(kReadOnly, [](Tx& tx) -> Result<void> {
      auto r = tx.Query("SELECT 1");
      if (!r) return std::unexpected(std::move(r.error()));
      return {};
    });
  }

  Result<void> ExecScript(std::string_view sql) override {
    auto lease = Acquire();
    if (!lease) return std::unexpected(std::move(lease.error()));
    std::unique_ptr<soci::session> session = std::move(*lease);
    SociTx tx(*session, config_.backend);
    auto r = tx.ExecScript(sql);
    Release(std::move(session), r.has_value());
    return r;
  }

 private:
  Result<std::unique_ptr<soci::session>> Connect() {
    try {
      auto session = std::make_unique<soci::session>();
      if (config_.backend == Backend::kSqlite) {
        session->open(soci::sqlite3, config_.connect_string);
        *session << "PRAGMA busy_timeout = " + std::to_string(config_.options.sqlite_busy_timeout_ms);
        *session << "PRAGMA journal_mode = WAL";
        *session << (config_.options.sqlite_synchronous_full ? "PRAGMA synchronous = FULL"
                                                             : "PRAGMA synchronous = NORMAL");
        *session << "PRAGMA foreign_keys = ON";
        // Reads of the database file through memory mapping (no read() copy per page), and a
        // page cache of 8 MiB per connection (the default is 2 MiB).
        *session << "PRAGMA mmap_size = 268435456";
        *session << "PRAGMA cache_size = -8192";
        // No connection copies the WAL back into the database inside its own commit: for the
        // writer that would stall every write behind it. The checkpointer thread does it
        // (file databases; an in-memory one has no WAL).
        if (!config_.sqlite_memory) *session << "PRAGMA wal_autocheckpoint = 0";
      } else {
        session->open(soci::postgresql, config_.connect_string);
        *session << "SET TIME ZONE 'UTC'";
      }
      return session;
    } catch (const std::exception& e) {
      return Fail(Error::Unavailable(std::string("cannot open database ") + config_.redacted_url + ": " + e.what(),
                                     "db_connection"));
    }
  }

  // SQLite: copies the WAL back into the database file in the background (a PASSIVE checkpoint,
  // which never blocks readers or the writer) when the writer's commit finds the WAL past 1,000
  // pages, and every 250 ms, on a connection of its own, so that
  // the fsync of the database file is off the writers' path. At shutdown a last checkpoint
  // leaves the WAL empty.
  void StartCheckpointer() {
    auto session = Connect();
    if (!session) return;  // then the WAL grows until the next start; nothing is lost
    checkpointer_ = std::thread([this, s = std::move(*session)]() mutable {
      SetThreadName("wb-checkpoint");
      auto* conn = static_cast<soci::sqlite3_session_backend*>(s->get_backend())->conn_;
      std::unique_lock lock(checkpoint_mutex_);
      for (;;) {
        // Maintenance cadence of the production server (not a test waiting for work).
        checkpoint_cv_.wait_for(lock, std::chrono::milliseconds(250),
                                [&] { return checkpoint_stop_ || checkpoint_wanted_; });
        checkpoint_wanted_ = false;
        const bool stop = checkpoint_stop_;
        lock.unlock();
        (void)sqlite_api::sqlite3_wal_checkpoint_v2(conn, nullptr, stop ? 3 /*TRUNCATE*/ : 0 /*PASSIVE*/, nullptr,
                                                    nullptr);
        lock.lock();
        if (stop) break;
      }
      lock.unlock();
      s.reset();
    });
  }
  void WakeCheckpointer() {
    {
      std::lock_guard lock(checkpoint_mutex_);
      checkpoint_wanted_ = true;
    }
    checkpoint_cv_.notify_one();
  }
  void StopCheckpointer() {
    if (!checkpointer_.joinable()) return;
    {
      std::lock_guard lock(checkpoint_mutex_);
      checkpoint_stop_ = true;
    }
    checkpoint_cv_.notify_all();
    checkpointer_.join();
  }

  static constexpr int kCheckpointerPages = 1000;
  static constexpr int kWriterCheckpointPages = 4000;

  // SQLite writes use the one writer connection: REQUIRES sqlite_writer_mutex_ held.
  Result<std::unique_ptr<soci::session>> AcquireWriter() {
    if (config_.sqlite_memory) return Acquire();  // one connection, one database
    if (!writer_) return Fail(Error::Unavailable("the SQLite writer connection is in use", std::string(kRetryReason)));
    return std::move(writer_);
  }
  void ReleaseWriter(std::unique_ptr<soci::session> session) {
    if (config_.sqlite_memory) {
      Release(std::move(session), true);
    } else {
      writer_ = std::move(session);
    }
  }

  Result<std::unique_ptr<soci::session>> Acquire() {
    std::unique_lock lock(mutex_);
    if (!cv_.wait_for(lock, std::chrono::seconds(10), [&] { return !idle_.empty(); })) {
      return Fail(Error::Unavailable("database connection pool exhausted", "db_pool"));
    }
    auto session = std::move(idle_.back());
    idle_.pop_back();
    return session;
  }

  // Returns a session to the pool; a session that failed is checked and replaced if broken.
  void Release(std::unique_ptr<soci::session> session, bool healthy) {
    if (config_.backend == Backend::kPostgresql) {
      auto* be = static_cast<soci::postgresql_session_backend*>(session->get_backend());
      // A connection that is lost, still inside a transaction, or left in pipeline mode is
      // replaced (cheap checks of libpq's own state, made on every return).
      if (be == nullptr || PQstatus(be->conn_) != CONNECTION_OK || PQpipelineStatus(be->conn_) != PQ_PIPELINE_OFF ||
          (!healthy && PQtransactionStatus(be->conn_) != PQTRANS_IDLE)) {
        auto fresh = Connect();
        if (fresh) {
          if (be != nullptr) PgCaches().Drop(be->conn_);
          session = std::move(*fresh);
        }
        // If reconnecting fails the broken session goes back; the next user reconnects.
      }
    }
    {
      std::lock_guard lock(mutex_);
      idle_.push_back(std::move(session));
    }
    cv_.notify_one();
  }

  // Group commit for SQLite writes. One fsync costs as much as thousands of small statements
  // (4 ms on a virtual disk), so concurrent write transactions share one BEGIN IMMEDIATE ...
  // COMMIT: a writer thread of its own takes every queued transaction, runs each in turn inside
  // its own SAVEPOINT (a failing one rolls back alone), then commits once. Every caller is
  // answered only after that COMMIT is on disk, so "committed" still means durable.
  // Transactions in a batch run one after another, as if serial. The writer is a thread of its
  // own, not whichever caller came first, so that it runs at the process's priority while the
  // HTTP workers run below it (http::Server): the whole write path waits on this one thread, and
  // a preempted writer stalls every request.
  // Each caller sleeps on its own condition; a finished batch wakes exactly its own callers.
  struct PendingWrite {
    const std::function<Result<void>(Tx&)>* fn;
    std::optional<Result<void>> result;  // GUARDED_BY(group_mutex_)
    std::condition_variable wake;
  };

  Result<void> GroupTransact(const std::function<Result<void>(Tx&)>& fn) {
    PendingWrite mine{&fn, std::nullopt, {}};
    std::unique_lock lock(group_mutex_);
    if (writer_stop_) return Fail(Error::Unavailable("the database is closing", "db_closing"));
    group_queue_.push_back(&mine);
    if (group_queue_.size() == 1) writer_wake_.notify_one();
    mine.wake.wait(lock, [&] { return mine.result.has_value(); });
    return std::move(*mine.result);
  }

  void WriterLoop() {
    SetThreadName("wb-writer");
    std::unique_lock lock(group_mutex_);
    for (;;) {
      writer_wake_.wait(lock, [&] { return writer_stop_ || !group_queue_.empty(); });
      if (group_queue_.empty()) return;  // stopping, nothing left
      std::vector<PendingWrite*> batch;
      batch.swap(group_queue_);
      lock.unlock();
      std::vector<Result<void>> results = RunBatch(batch);
      lock.lock();
      // Results are published under the lock the callers read them under.
      for (std::size_t i = 0; i < batch.size(); ++i) {
        batch[i]->result = std::move(results[i]);
        batch[i]->wake.notify_one();
      }
    }
  }

  void StartWriter() {
    if (config_.backend != Backend::kSqlite || !config_.options.sqlite_group_commit) return;
    writer_thread_ = std::thread([this] { WriterLoop(); });
  }
  void StopWriter() {
    if (!writer_thread_.joinable()) return;
    {
      std::lock_guard lock(group_mutex_);
      writer_stop_ = true;
    }
    writer_wake_.notify_all();
    writer_thread_.join();
  }

  // Runs the batch in one transaction; returns each write's result (all failed if the commit
  // failed).
  std::vector<Result<void>> RunBatch(const std::vector<PendingWrite*>& batch) {
    std::vector<Result<void>> results(batch.size());
    auto fail_all = [&](const Error& e) {
      for (auto& r : results) r = Fail(e);
      return results;
    };
    std::lock_guard writer(sqlite_writer_mutex_);
    auto lease = AcquireWriter();
    if (!lease) return fail_all(lease.error());
    std::unique_ptr<soci::session> session = std::move(*lease);
    SociTx tx(*session, config_.backend);
    // The batch's own statements go through the statement cache too: SOCI would prepare and
    // finalize each of them every time.
    auto give_up = [&](Error e) {
      (void)tx.Exec("ROLLBACK", {});
      ReleaseWriter(std::move(session));
      if (e.code != ErrorCode::kUnavailable) {
        e = Error::Unavailable("write batch failed: " + e.message, std::string(kRetryReason));
      }
      return fail_all(e);
    };
    if (auto r = tx.Exec("BEGIN IMMEDIATE", {}); !r) {
      ReleaseWriter(std::move(session));
      return fail_all(r.error());
    }
    for (std::size_t i = 0; i < batch.size(); ++i) {
      tx.scratch().clear();
      if (auto r = tx.Exec("SAVEPOINT wb_write", {}); !r) return give_up(r.error());
      Result<void> r;
      try {
        r = (*batch[i]->fn)(tx);
      } catch (const std::exception& e) {
        r = Fail(Error::Internal(std::string("exception in transaction: ") + e.what()));
      }
      if (!r) {
        // The connection is in an unknown state if this fails: give up the batch (callers retry).
        if (auto back = tx.Exec("ROLLBACK TO wb_write", {}); !back) return give_up(back.error());
      }
      if (auto released = tx.Exec("RELEASE wb_write", {}); !released) return give_up(released.error());
      results[i] = std::move(r);
    }
    if (auto r = tx.Exec("COMMIT", {}); !r) {
      (void)tx.Exec("ROLLBACK", {});
      ReleaseWriter(std::move(session));
      return fail_all(r.error());
    }
    ReleaseWriter(std::move(session));
    return results;
  }

  static void PgRollback(soci::session& session) {
    auto* conn = static_cast<soci::postgresql_session_backend*>(session.get_backend())->conn_;
    PQclear(PQexec(conn, "ROLLBACK"));
  }

  Result<void> TransactOnce(const TxOptions& options, const std::function<Result<void>(Tx&)>& fn) {
    const bool sqlite = config_.backend == Backend::kSqlite;
    if (sqlite && options.write && config_.options.sqlite_group_commit) return GroupTransact(fn);
    if (sqlite) return SqliteTransactOnce(options, fn);
    auto lease = Acquire();
    if (!lease) return std::unexpected(std::move(lease.error()));
    std::unique_ptr<soci::session> session = std::move(*lease);
    SociTx tx(*session, config_.backend);
    bool healthy = true;
    Result<void> result;
    // PostgreSQL READ COMMITTED gives every statement its own snapshot inside a transaction
    // too, so a read-only one gains nothing from BEGIN/COMMIT but two round trips.
    const bool autocommit = options.autocommit || (!options.write && !options.serializable);
    if (!autocommit) {
      const char* begin = options.serializable ? (options.write ? "BEGIN ISOLATION LEVEL SERIALIZABLE"
                                                                : "BEGIN ISOLATION LEVEL SERIALIZABLE READ ONLY")
                                               : (options.write ? "BEGIN" : "BEGIN READ ONLY");
      // Sent with the transaction's first statement (one round trip less); its failure is
      // that statement's.
      if (auto begun = tx.Defer(begin, {}, {}); !begun) {
        Release(std::move(session), false);
        return Fail(std::move(begun.error()));
      }
    }
    try {
      result = fn(tx);
    } catch (const std::exception& e) {
      // Domain code reports errors as values; an exception here is a bug, but it must not
      // leave the connection inside a transaction.
      result = Fail(Error::Internal(std::string("exception in transaction: ") + e.what()));
    }
    if (autocommit && result) result = tx.Flush();
    if (!autocommit) {
      if (result) {
        if (auto committed = tx.Exec("COMMIT", {}); !committed) {
          healthy = false;
          result = Fail(std::move(committed.error()));
        }
      }
      // After a failed statement or commit: the simple-query ROLLBACK, which PostgreSQL takes
      // in any transaction state (a no-op after a failed COMMIT, which ended the transaction).
      if (!result && tx.sent()) PgRollback(*session);
    }
    Release(std::move(session), healthy && (result || result.error().code != ErrorCode::kUnavailable));
    return result;
  }

  // SQLite: reads on a pool connection, writes on the writer connection. SQLite allows one
  // writer at a time; queueing writers here instead of in SQLite's busy handler (which polls
  // with sleeps) keeps write latency flat under contention. BEGIN and COMMIT are cached
  // statements like any other.
  Result<void> SqliteTransactOnce(const TxOptions& options, const std::function<Result<void>(Tx&)>& fn) {
    std::unique_lock<std::mutex> writer;
    if (options.write) writer = std::unique_lock(sqlite_writer_mutex_);
    auto lease = options.write ? AcquireWriter() : Acquire();
    if (!lease) return std::unexpected(std::move(lease.error()));
    std::unique_ptr<soci::session> session = std::move(*lease);
    auto give_back = [&] {
      if (options.write) {
        ReleaseWriter(std::move(session));
      } else {
        Release(std::move(session), true);
      }
    };
    SociTx tx(*session, config_.backend);
    if (auto begun = tx.Exec(options.write ? "BEGIN IMMEDIATE" : "BEGIN", {}); !begun) {
      give_back();
      return Fail(std::move(begun.error()));
    }
    Result<void> result;
    try {
      result = fn(tx);
    } catch (const std::exception& e) {
      result = Fail(Error::Internal(std::string("exception in transaction: ") + e.what()));
    }
    if (result) {
      if (auto committed = tx.Exec("COMMIT", {}); !committed) {
        (void)tx.Exec("ROLLBACK", {});
        result = Fail(std::move(committed.error()));
      }
    } else {
      (void)tx.Exec("ROLLBACK", {});
    }
    give_back();
    return result;
  }

  SociDatabaseConfig config_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<soci::session>> idle_;  // GUARDED_BY(mutex_)
  std::mutex sqlite_writer_mutex_;
  // SQLite: the one connection that writes. A connection's page cache stays valid only while no
  // other connection writes; with one writer, its cache stays warm from one transaction to the
  // next.
  std::unique_ptr<soci::session> writer_;  // GUARDED_BY(sqlite_writer_mutex_)
  std::thread checkpointer_;
  std::mutex checkpoint_mutex_;
  std::condition_variable checkpoint_cv_;
  bool checkpoint_stop_ = false;    // GUARDED_BY(checkpoint_mutex_)
  bool checkpoint_wanted_ = false;  // GUARDED_BY(checkpoint_mutex_)
  std::mutex group_mutex_;
  std::vector<PendingWrite*> group_queue_;  // GUARDED_BY(group_mutex_)
  bool writer_stop_ = false;                // GUARDED_BY(group_mutex_)
  std::condition_variable writer_wake_;
  std::thread writer_thread_;
};

std::string RedactPostgresUrl(std::string_view url) {
  // postgresql://user:password@host/db -> postgresql://user:***@host/db
  const auto scheme_end = url.find("://");
  const auto at = url.find('@');
  if (scheme_end == std::string_view::npos || at == std::string_view::npos) return std::string(url);
  const auto colon = url.find(':', scheme_end + 3);
  if (colon == std::string_view::npos || colon > at) return std::string(url);
  return std::string(url.substr(0, colon + 1)) + "***" + std::string(url.substr(at));
}

// libpq keyword/value quoting: 'value' with backslash and quote escaped.
std::string QuoteConnValue(std::string_view v) {
  std::string out = "'";
  for (char c : v) {
    if (c == '\\' || c == '\'') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('\'');
  return out;
}

std::optional<std::string> DecodeUrlPart(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%') {
      if (i + 2 >= s.size()) return std::nullopt;
      auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
      };
      const int hi = hex(s[i + 1]), lo = hex(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

}  // namespace

// SOCI 4.0 mangles URI connection strings (it appends '=' to the last word), so URLs are turned
// into libpq keyword/value strings here: postgresql://user:pass@host:port/db?key=value&...
Result<std::string> PostgresUrlToConnString(std::string_view url) {
  const auto scheme = url.find("://");
  if (scheme == std::string_view::npos) return Fail(Error::BadRequest("not a postgresql:// URL", "bad_db_url"));
  std::string_view rest = url.substr(scheme + 3);
  std::string_view query;
  if (auto q = rest.find('?'); q != std::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  std::string_view authority = rest, path;
  if (auto slash = rest.find('/'); slash != std::string_view::npos) {
    authority = rest.substr(0, slash);
    path = rest.substr(slash + 1);
  }
  std::vector<std::pair<std::string, std::string>> kv;
  auto add = [&](std::string key, std::string_view raw) -> Result<void> {
    auto v = DecodeUrlPart(raw);
    if (!v) return Fail(Error::BadRequest("malformed percent-encoding in the database URL", "bad_db_url"));
    if (!v->empty()) kv.emplace_back(std::move(key), std::move(*v));
    return {};
  };
  if (auto at = authority.rfind('@'); at != std::string_view::npos) {
    std::string_view userinfo = authority.substr(0, at);
    authority = authority.substr(at + 1);
    if (auto colon = userinfo.find(':'); colon != std::string_view::npos) {
      if (auto r = add("user", userinfo.substr(0, colon)); !r) return std::unexpected(r.error());
      if (auto r = add("password", userinfo.substr(colon + 1)); !r) return std::unexpected(r.error());
    } else if (auto r = add("user", userinfo); !r) {
      return std::unexpected(r.error());
    }
  }
  std::string_view host = authority, port;
  if (!authority.empty() && authority.front() == '[') {  // [ipv6]:port
    const auto close = authority.find(']');
    if (close == std::string_view::npos)
      return Fail(Error::BadRequest("malformed IPv6 host in the database URL", "bad_db_url"));
    host = authority.substr(1, close - 1);
    if (close + 1 < authority.size() && authority[close + 1] == ':') port = authority.substr(close + 2);
  } else if (auto colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (auto r = add("host", host); !r) return std::unexpected(r.error());
  if (auto r = add("port", port); !r) return std::unexpected(r.error());
  if (auto r = add("dbname", path); !r) return std::unexpected(r.error());
  while (!query.empty()) {
    const auto amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    const auto eq = pair.find('=');
    if (eq == std::string_view::npos || eq == 0) continue;
    auto key = DecodeUrlPart(pair.substr(0, eq));
    if (!key) return Fail(Error::BadRequest("malformed percent-encoding in the database URL", "bad_db_url"));
    if (auto r = add(*key, pair.substr(eq + 1)); !r) return std::unexpected(r.error());
  }
  std::string out;
  for (const auto& [k, v] : kv) {
    if (!out.empty()) out.push_back(' ');
    out += k + "=" + QuoteConnValue(v);
  }
  return out;
}

// SQLite's process-wide settings, before its first connection: every connection is used by one
// thread at a time (the pool and the writer lock see to it), so SQLite's own per-call connection
// mutex is not needed (multi-thread mode); and no memory statistics, which take a global mutex
// on every allocation. Settings made after SQLite has started are refused, harmlessly.
void ConfigureSqliteOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    (void)sqlite_api::sqlite3_config(SQLITE_CONFIG_MULTITHREAD);
    (void)sqlite_api::sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    // A group commit runs each transaction in a SAVEPOINT, whose undo pages SQLite keeps in a
    // sub-journal that goes to a temporary file past 64 KiB: a write() per page changed. Kept
    // in memory, it is freed at RELEASE.
    (void)sqlite_api::sqlite3_config(SQLITE_CONFIG_STMTJRNL_SPILL, -1);
  });
}

Result<std::unique_ptr<Database>> OpenDatabase(std::string_view url, const DatabaseOptions& options) {
  SociDatabaseConfig config{
      .backend = Backend::kSqlite, .connect_string = {}, .redacted_url = std::string(url), .options = options};
  if (url.starts_with("sqlite:")) {
    ConfigureSqliteOnce();
    std::string path(url.substr(7));
    if (path.starts_with("//")) path = path.substr(2);  // tolerate sqlite://path
    if (path.empty()) return Fail(Error::BadRequest("sqlite URL needs a path: sqlite:PATH"));
    if (path == ":memory:") {
      config.options.pool_size = 1;  // each connection would see its own empty database
      config.sqlite_memory = true;
    } else {
      std::error_code ec;
      const auto parent = std::filesystem::path(path).parent_path();
      if (!parent.empty()) std::filesystem::create_directories(parent, ec);
      if (ec) return Fail(Error::Unavailable("cannot create " + parent.string() + ": " + ec.message()));
    }
    config.connect_string = "db=" + path;
  } else if (url.starts_with("postgresql://") || url.starts_with("postgres://")) {
    config.backend = Backend::kPostgresql;
    auto conn = PostgresUrlToConnString(url);
    if (!conn) return std::unexpected(std::move(conn.error()));
    config.connect_string = std::move(*conn);
    config.redacted_url = RedactPostgresUrl(url);
  } else {
    return Fail(Error::BadRequest("unknown database URL; use sqlite:PATH or postgresql://...", "bad_db_url"));
  }
  if (config.options.pool_size < 1) config.options.pool_size = 1;
  auto db = std::make_unique<SociDatabase>(std::move(config));
  if (auto r = db->Open(); !r) return std::unexpected(std::move(r.error()));
  return std::unique_ptr<Database>(std::move(db));
}

}  // namespace wangban::storage

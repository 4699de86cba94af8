#include "wangban/api/idempotency.hpp"

#include "wangban/common/log.hpp"
#include "wangban/storage/blob_store.hpp"

namespace wangban::api {
namespace {

bool ValidKey(std::string_view key) {
  if (key.empty() || key.size() > 128) return false;
  for (char c : key) {
    if (c < 0x21 || c > 0x7E) return false;
  }
  return true;
}

}  // namespace

http::HandlerResult WithIdempotency(storage::Database& db, const Clock& clock, const http::Request& request,
                                    std::string_view caller, const std::function<http::HandlerResult()>& handler) {
  const auto key = request.Header("idempotency-key");
  if (!key) return handler();
  if (!ValidKey(*key)) {
    return Fail(Error::Validation({{"Idempotency-Key", "format", "1-128 visible ASCII characters"}}));
  }
  const std::string scope =
      std::string(http::MethodName(request.method)) + " " + request.route + " " + std::string(caller);
  const std::string hash = storage::Sha256Hex(request.path + "\n" + request.body);
  // The key is reserved before the handler runs, in a transaction of its own (status 0: in
  // progress). Of two requests with one key only the one that reserved it runs the handler; and
  // if the process dies after the change but before its answer is stored, the key stays reserved
  // — a retry is told the request is in progress instead of making the change a second time.
  auto reserved = db.Transact(storage::kReadWrite, [&](storage::Tx& tx) -> Result<void> {
    auto r = tx.Exec(
        "INSERT INTO idempotency_keys (scope, idem_key, request_hash, status, content_type, body,"
        " created_at) VALUES (:s, :k, :h, 0, '', '', :t)",
        {{"s", scope}, {"k", std::string(*key)}, {"h", hash}, {"t", ToMicros(clock.Now())}});
    if (!r) return std::unexpected(r.error());
    return {};
  });
  if (!reserved) {
    if (reserved.error().reason != "unique_violation") return std::unexpected(reserved.error());
    auto stored = db.TransactValue<std::optional<storage::Row>>(storage::kReadOnly, [&](storage::Tx& tx) {
      return tx.QueryOne(
          "SELECT request_hash, status, content_type, body FROM idempotency_keys"
          " WHERE scope = :s AND idem_key = :k",
          {{"s", scope}, {"k", std::string(*key)}});
    });
    if (!stored) return std::unexpected(stored.error());
    if (*stored && (**stored).Text(0) != hash) {
      return Fail(
          Error::Unprocessable("this Idempotency-Key was used with a different request", "idempotency_key_reuse"));
    }
    if (!*stored || (**stored).Int(1) == 0) {
      return Fail(
          Error::Conflict("a request with this Idempotency-Key is in progress (or was interrupted); "
                          "look the result up before sending it again with a new key",
                          "idempotency_in_progress"));
    }
    const storage::Row& row = **stored;
    http::Response r = http::Response::Text(static_cast<int>(row.Int(1)), row.Text(3), row.Text(2));
    r.headers.emplace_back("Idempotent-Replayed", "true");
    return r;
  }

  auto result = handler();
  const bool success = result && result->status >= 200 && result->status < 300;
  // A refused request changed nothing: its key is free again for the corrected request. A
  // successful one keeps its answer for the retries.
  auto stored = db.Transact(storage::kReadWrite, [&](storage::Tx& tx) -> Result<void> {
    auto done = success ? tx.Exec(
                              "UPDATE idempotency_keys SET status = :st, content_type = :ct, body = :b"
                              " WHERE scope = :s AND idem_key = :k",
                              {{"st", result->status},
                               {"ct", result->content_type},
                               {"b", result->body},
                               {"s", scope},
                               {"k", std::string(*key)}})
                        : tx.Exec("DELETE FROM idempotency_keys WHERE scope = :s AND idem_key = :k AND status = 0",
                                  {{"s", scope}, {"k", std::string(*key)}});
    if (!done) return std::unexpected(done.error());
    return {};
  });
  if (!stored) {
    // The change itself is committed; only its stored answer is missing: retries with this key
    // are told it is in progress (never a second change).
    log::Warn("idempotency_answer_not_stored", {{"scope", scope}, {"error", stored.error().message}});
  }
  return result;
}

Result<std::int64_t> PurgeIdempotencyKeys(storage::Database& db, const Clock& clock) {
  const std::int64_t cutoff = ToMicros(clock.Now()) - 24LL * 3600 * 1'000'000;
  return db.TransactValue<std::int64_t>(storage::kReadWrite, [&](storage::Tx& tx) {
    return tx.Exec("DELETE FROM idempotency_keys WHERE created_at < :c", {{"c", cutoff}});
  });
}

}  // namespace wangban::api

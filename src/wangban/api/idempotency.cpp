#include "wangban/api/idempotency.hpp"

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
  const std::string scope = std::string(http::MethodName(request.method)) + " " + request.route + " " + std::string(caller);
  const std::string hash = storage::Sha256Hex(request.path + "\n" + request.body);
  auto stored = db.TransactValue<std::optional<storage::Row>>(storage::kReadOnly, [&](storage::Tx& tx) {
    return tx.QueryOne("SELECT request_hash, status, content_type, body FROM idempotency_keys"
                       " WHERE scope = :s AND idem_key = :k",
                       {{"s", scope}, {"k", std::string(*key)}});
  });
  if (!stored) return std::unexpected(stored.error());
  auto replay = [&](const storage::Row& row) -> http::HandlerResult {
    if (row.Text(0) != hash) {
      return Fail(Error::Unprocessable("this Idempotency-Key was used with a different request",
                                       "idempotency_key_reuse"));
    }
    http::Response r = http::Response::Text(static_cast<int>(row.Int(1)), row.Text(3), row.Text(2));
    r.headers.emplace_back("Idempotent-Replayed", "true");
    return r;
  };
  if (*stored) return replay(**stored);

  auto result = handler();
  if (!result || result->status < 200 || result->status >= 300) return result;
  auto saved = db.Transact(storage::kReadWrite, [&](storage::Tx& tx) -> Result<void> {
    auto r = tx.Exec("INSERT INTO idempotency_keys (scope, idem_key, request_hash, status, content_type, body,"
                     " created_at) VALUES (:s, :k, :h, :st, :ct, :b, :t)",
                     {{"s", scope},
                      {"k", std::string(*key)},
                      {"h", hash},
                      {"st", result->status},
                      {"ct", result->content_type},
                      {"b", result->body},
                      {"t", ToMicros(clock.Now())}});
    if (!r) return std::unexpected(r.error());
    return {};
  });
  if (!saved && saved.error().reason == "unique_violation") {
    // A concurrent retry with the same key finished first; answer as it did.
    auto first = db.TransactValue<std::optional<storage::Row>>(storage::kReadOnly, [&](storage::Tx& tx) {
      return tx.QueryOne("SELECT request_hash, status, content_type, body FROM idempotency_keys"
                         " WHERE scope = :s AND idem_key = :k",
                         {{"s", scope}, {"k", std::string(*key)}});
    });
    if (first && *first) return replay(**first);
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

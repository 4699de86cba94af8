// Idempotency-Key for creating writes: a retry with the same key and body gets the first
// answer again (with Idempotent-Replayed: true); the same key with another body is 422
// (code idempotency_key_reuse). Keys are scoped by route and caller and kept for 24 hours.
#pragma once

#include <functional>
#include <string>

#include "wangban/common/clock.hpp"
#include "wangban/http/request.hpp"
#include "wangban/storage/database.hpp"

namespace wangban::api {

// Runs `handler` unless the request's Idempotency-Key was seen before for this `caller` and
// route; stores successful (2xx) answers. Without the header it just runs the handler.
http::HandlerResult WithIdempotency(storage::Database& db, const Clock& clock, const http::Request& request,
                                    std::string_view caller, const std::function<http::HandlerResult()>& handler);

// Deletes keys older than 24 hours; returns how many.
Result<std::int64_t> PurgeIdempotencyKeys(storage::Database& db, const Clock& clock);

}  // namespace wangban::api

// Registers every HTTP route of wangban on a router. Handlers translate between HTTP and the
// domain modules; nothing below this layer knows about HTTP.
#pragma once

#include <string_view>

#include "wangban/common/clock.hpp"
#include "wangban/http/metrics.hpp"
#include "wangban/http/router.hpp"
#include "wangban/storage/blob_store.hpp"
#include "wangban/storage/database.hpp"

namespace wangban {
class WorkingCalendar;
}
namespace wangban::identity {
class IdentityService;
}
namespace wangban::workflow {
class Engine;
}
namespace wangban::catalog {
class CatalogStore;
}
namespace wangban::files {
class FileStore;
}
namespace wangban::audit {
class AuditLog;
}
namespace wangban::rules {
class RuleStore;
}
namespace wangban::cases {
class CaseService;
}

namespace wangban::api {

// What the handlers work with; owned by the app, outliving the server.
struct ApiContext {
  storage::Database& db;
  storage::BlobStore& blobs;
  http::Metrics& metrics;
  const Clock& clock;
  identity::IdentityService* identity = nullptr;
  WorkingCalendar* calendar = nullptr;
  workflow::Engine* workflow = nullptr;
  catalog::CatalogStore* catalog = nullptr;
  files::FileStore* files = nullptr;
  audit::AuditLog* audit = nullptr;
  rules::RuleStore* rules = nullptr;
  cases::CaseService* cases = nullptr;
  // Adds "Secure" to the session cookie (set when served over TLS, directly or via a proxy).
  bool secure_cookies = false;
  // Non-null only with `serve --test-clock`: tests move time through /api/v1/test/clock.
  FakeClock* test_clock = nullptr;
};

void RegisterRoutes(http::Router& router, ApiContext& context);

// The OpenAPI 3.1 document served at /api/openapi.json (api/openapi.json, embedded).
std::string_view OpenApiDocument();

}  // namespace wangban::api

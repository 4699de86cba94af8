// File routes: uploading application materials and downloading one's own. The type comes from
// the bytes (files::SniffKind), the name from the server; downloads are always attachments, so
// a browser never renders an upload inline (docs/files.md).
#include <nlohmann/json.hpp>

#include "wangban/api/guard.hpp"
#include "wangban/api/idempotency.hpp"
#include "wangban/api/routes.hpp"
#include "wangban/files/files.hpp"
#include "wangban/identity/policy.hpp"

namespace wangban::api {
namespace {

using identity::Principal;
using nlohmann::json;

json FileJson(const files::StoredFile& f) {
  return {{"id", f.id},
          {"name", f.name},
          {"kind", files::KindName(f.kind)},
          {"media_type", f.media_type},
          {"size", f.size},
          {"sha256", f.sha256},
          {"sm3", f.sm3},
          {"created_at", FormatRfc3339(f.created_at)}};
}

}  // namespace

void RegisterFilesRoutes(http::Router& router, ApiContext& ctx) {
  // Any supported kind is stored here; a case checks the kinds the item's material accepts
  // when the file is attached (files::KindSet). The body limit is the store's, so the HTTP
  // layer refuses a larger body with 413 before reading it.
  AddRoute(router, ctx, http::Method::kPost, "/api/v1/files", "files.upload",
           [&ctx](http::Request& r, const Principal* p) -> http::HandlerResult {
             return WithIdempotency(ctx.db, ctx.clock, r, p->user_id, [&]() -> http::HandlerResult {
               auto file = ctx.files->Upload({.owner_id = p->EffectiveApplicantId(),
                                              .uploaded_by = p->user_id,
                                              .declared_type = r.Header("content-type").value_or(""),
                                              .declared_name = r.Header("x-file-name").value_or(""),
                                              .bytes = r.body,
                                              .allowed = files::kAllKinds});
               if (!file) return std::unexpected(file.error());
               return http::Response::Json(201, FileJson(*file));
             });
           },
           {.body = http::BodyKind::kRaw, .max_body_bytes = ctx.files->limits().max_bytes});

  AddRoute(router, ctx, http::Method::kGet, "/api/v1/files/{id}", "files.read",
           [&ctx](http::Request& r, const Principal* p) -> http::HandlerResult {
             auto file = ctx.files->Get(r.PathParam("id"));
             if (!file) return std::unexpected(file.error());
             // Someone else's file is "not found", never "forbidden": ids do not leak.
             if (auto owner = identity::AuthorizeOwner(*p, file->owner_id); !owner) {
               return Fail(Error::NotFound("no such file"));
             }
             auto bytes = ctx.files->ReadBytes(*file);
             if (!bytes) return std::unexpected(bytes.error());
             http::Response response = http::Response::Text(200, std::move(*bytes), file->media_type);
             // Never rendered inline: an attachment, in a sandbox with no sources, not cached
             // by shared caches. (The server adds X-Content-Type-Options: nosniff to every
             // response.)
             response.headers.emplace_back("Content-Disposition", files::AttachmentDisposition(file->name));
             response.headers.emplace_back("Content-Security-Policy", "sandbox; default-src 'none'");
             response.headers.emplace_back("Cache-Control", "private, no-store");
             response.headers.emplace_back("Cross-Origin-Resource-Policy", "same-origin");
             return response;
           });
}

}  // namespace wangban::api

// RESTinio-based server. RESTinio and Asio headers stay in this file.
//
// Body limits: RESTinio 0.6 answers an over-limit body by closing the connection without a
// response. We replace its parser callbacks (through the documented customisation point
// `create_parser_settings<Http_Methods>`, specialised for our own methods mapper) so that an
// over-limit request is marked instead, its body is never buffered, and the handler answers 413:
//  - a declared Content-Length above the route's limit with `Expect: 100-continue`, or above
//    kDiscardCap: the body is skipped and 413 goes out with Connection: close (nothing of the
//    body is read);
//  - a declared length up to kDiscardCap, or a chunked body that grows past the limit: the rest
//    is read and thrown away (so the client, still sending, sees the 413 instead of a reset).
#include "wangban/http/server.hpp"

#include <restinio/all.hpp>

#include <atomic>
#include <condition_variable>
#include <cstring>
#include <future>
#include <mutex>
#include <thread>

#include "wangban/common/ids.hpp"
#include "wangban/common/log.hpp"
#include "wangban/common/thread_name.hpp"
#include "wangban/common/utf8.hpp"
#include "wangban/http/error_mapping.hpp"
#include "wangban/http/internal/static_files.hpp"
#include "wangban/http/internal/worker_pool.hpp"
#include "wangban/http/json_body.hpp"

namespace wangban::http::internal {

// Answers "what is the body limit of this request?" from the parser thread.
class BodyLimitResolver {
 public:
  virtual ~BodyLimitResolver() = default;
  virtual std::size_t LimitFor(unsigned parser_method, std::string_view target) const = 0;
};

// The parser callbacks are plain function pointers shared by all servers in the process; the
// running server registers itself here. (One server per process; tests start processes.)
std::atomic<const BodyLimitResolver*> g_body_limit_resolver{nullptr};

constexpr std::string_view kTooLargeField = "X-Wangban-Body-Too-Large";
constexpr std::uint64_t kDiscardCap = 16u << 20;

struct MethodsMapper : restinio::default_http_methods_t {};

std::size_t LimitFor(http_parser* parser, restinio::impl::http_parser_ctx_t* ctx) {
  std::size_t limit = static_cast<std::size_t>(
      std::min<std::uint64_t>(ctx->m_limits.max_body_size(), std::numeric_limits<std::size_t>::max()));
  if (const auto* resolver = g_body_limit_resolver.load(std::memory_order_acquire)) {
    limit = std::min(limit, resolver->LimitFor(parser->method, ctx->m_header.request_target()));
  }
  return limit;
}

int OnHeadersComplete(http_parser* parser) {
  auto* ctx = reinterpret_cast<restinio::impl::http_parser_ctx_t*>(parser->data);
  if (!ctx->m_leading_headers_completed) {
    ctx->m_header.remove_field(kTooLargeField);  // the mark is ours alone
    const bool chunked = (parser->flags & F_CHUNKED) != 0;
    if (!chunked && parser->content_length != ULLONG_MAX && parser->content_length > 0 &&
        parser->content_length > LimitFor(parser, ctx)) {
      ctx->m_leading_headers_completed = true;
      const auto expect = ctx->m_header.opt_value_of(restinio::http_field::expect);
      const bool expects_continue = expect && restinio::impl::is_equal_caseless(*expect, "100-continue");
      if (expects_continue || parser->content_length > kDiscardCap) {
        ctx->m_header.set_field(std::string(kTooLargeField), "skip");
        return 1;  // http_parser: this message has no body
      }
      ctx->m_header.set_field(std::string(kTooLargeField), "discard");
      return 0;
    }
  }
  return restinio::impl::restinio_headers_complete_cb(parser);
}

int OnBody(http_parser* parser, const char* at, size_t length) {
  auto* ctx = reinterpret_cast<restinio::impl::http_parser_ctx_t*>(parser->data);
  if (!ctx->m_leading_headers_completed) return restinio::impl::restinio_body_cb(parser, at, length);
  if (ctx->m_header.has_field(kTooLargeField)) return 0;  // discarding
  if ((parser->flags & F_CHUNKED) != 0 && ctx->m_body.size() + length > LimitFor(parser, ctx)) {
    ctx->m_header.set_field(std::string(kTooLargeField), "discard");
    std::string().swap(ctx->m_body);
    return 0;
  }
  return restinio::impl::restinio_body_cb(parser, at, length);
}

}  // namespace wangban::http::internal

namespace restinio::impl {

template <>
inline http_parser_settings create_parser_settings<wangban::http::internal::MethodsMapper>() noexcept {
  http_parser_settings s;
  http_parser_settings_init(&s);
  s.on_url = [](http_parser* p, const char* at, size_t n) -> int { return restinio_url_cb(p, at, n); };
  s.on_header_field = [](http_parser* p, const char* at, size_t n) -> int {
    return restinio_header_field_cb(p, at, n);
  };
  s.on_header_value = [](http_parser* p, const char* at, size_t n) -> int {
    return restinio_header_value_cb(p, at, n);
  };
  s.on_headers_complete = &wangban::http::internal::OnHeadersComplete;
  s.on_body = &wangban::http::internal::OnBody;
  s.on_chunk_header = [](http_parser* p) -> int { return restinio_chunk_header_cb(p); };
  s.on_chunk_complete = [](http_parser* p) -> int { return restinio_chunk_complete_cb(p); };
  s.on_message_complete = [](http_parser* p) -> int {
    return restinio_message_complete_cb<wangban::http::internal::MethodsMapper>(p);
  };
  return s;
}

}  // namespace restinio::impl

namespace wangban::http {
namespace {

// Limits open connections. RESTinio 0.6's own connection-count limiter lives inside its acceptor
// and is decremented by each connection's destructor; connections still open at shutdown are
// destroyed with the io_context, after the acceptor, which is a use-after-free (ASan). This gate
// is shared-owned by RESTinio's settings, which every connection holds, so it outlives them: the
// connection-state listener counts open connections and the IP blocker refuses (closes) a new
// one while the count is at the limit.
class ConnectionGate {
 public:
  explicit ConnectionGate(std::size_t max) : max_(static_cast<std::int64_t>(max)) {}

  restinio::ip_blocker::inspection_result_t inspect(const restinio::ip_blocker::incoming_info_t&) noexcept {
    if (open_.load(std::memory_order_relaxed) >= max_) {
      refused_.fetch_add(1, std::memory_order_relaxed);
      return restinio::ip_blocker::deny();
    }
    return restinio::ip_blocker::allow();
  }

  void state_changed(const restinio::connection_state::notice_t& notice) noexcept {
    struct Visitor {
      ConnectionGate& gate;
      void operator()(const restinio::connection_state::accepted_t&) const noexcept { gate.open_.fetch_add(1); }
      void operator()(const restinio::connection_state::closed_t&) const noexcept { gate.open_.fetch_sub(1); }
      void operator()(const restinio::connection_state::upgraded_to_websocket_t&) const noexcept {}
    };
    restinio::visit(Visitor{*this}, notice.cause());
  }

  std::int64_t open() const { return open_.load(); }
  std::int64_t refused() const { return refused_.load(); }

 private:
  const std::int64_t max_;
  std::atomic<std::int64_t> open_{0};
  std::atomic<std::int64_t> refused_{0};
};

struct Traits : restinio::default_traits_t {
  using http_methods_mapper_t = internal::MethodsMapper;
  using ip_blocker_t = ConnectionGate;
  using connection_state_listener_t = ConnectionGate;
};

using RestinioServer = restinio::http_server_t<Traits>;

Method FromRestinio(restinio::http_method_id_t m) {
  switch (m.raw_id()) {
    case HTTP_GET: return Method::kGet;
    case HTTP_HEAD: return Method::kHead;
    case HTTP_POST: return Method::kPost;
    case HTTP_PUT: return Method::kPut;
    case HTTP_PATCH: return Method::kPatch;
    case HTTP_DELETE: return Method::kDelete;
    case HTTP_OPTIONS: return Method::kOptions;
    default: return Method::kOther;
  }
}

Method FromParser(unsigned m) {
  switch (m) {
    case HTTP_GET: return Method::kGet;
    case HTTP_HEAD: return Method::kHead;
    case HTTP_POST: return Method::kPost;
    case HTTP_PUT: return Method::kPut;
    case HTTP_PATCH: return Method::kPatch;
    case HTTP_DELETE: return Method::kDelete;
    case HTTP_OPTIONS: return Method::kOptions;
    default: return Method::kOther;
  }
}

bool ValidRequestId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '_' ||
          c == '.')) {
      return false;
    }
  }
  return true;
}

std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool IsApiPath(std::string_view path) {
  return path == "/api" || path.starts_with("/api/") || path == "/metrics";
}

bool IsJsonContentType(std::string_view ct) {
  const auto semi = ct.find(';');
  std::string_view base = ct.substr(0, semi);
  while (!base.empty() && base.back() == ' ') base.remove_suffix(1);
  const std::string lower = ToLower(base);
  return lower == "application/json" || (lower.starts_with("application/") && lower.ends_with("+json"));
}

}  // namespace

class Server::Impl final : public internal::BodyLimitResolver {
 public:
  Impl(ServerOptions options, Router& router, Metrics& metrics)
      : options_(std::move(options)),
        router_(router),
        metrics_(metrics),
        pool_(options_.worker_threads, options_.max_queued),
        signals_(io_, SIGINT, SIGTERM) {
    if (options_.web_root) static_files_.emplace(*options_.web_root);
    unmatched_series_ = metrics_.ForRoute("ANY", "unmatched");
    gate_ = std::make_shared<ConnectionGate>(options_.max_connections);
    metrics_.AddCollector([gate = gate_](std::string& out) {
      out += "# HELP wangban_http_open_connections Open client connections.\n"
             "# TYPE wangban_http_open_connections gauge\n"
             "wangban_http_open_connections " + std::to_string(gate->open()) + "\n"
             "# HELP wangban_http_refused_connections_total Connections closed at once because the limit was reached.\n"
             "# TYPE wangban_http_refused_connections_total counter\n"
             "wangban_http_refused_connections_total " + std::to_string(gate->refused()) + "\n";
    });
  }

  ~Impl() override {
    internal::g_body_limit_resolver.store(nullptr);
    if (!io_.stopped()) io_.stop();
    for (auto& t : io_threads_) {
      if (t.joinable()) t.join();
    }
    pool_.Stop();
  }

  std::size_t LimitFor(unsigned parser_method, std::string_view target) const override {
    const auto q = target.find('?');
    auto path = PercentDecode(target.substr(0, q), false);
    if (!path) return options_.max_body_bytes;
    auto match = router_.Find(FromParser(parser_method), *path);
    if (!match.route) return options_.max_body_bytes;  // unmatched: answered 404/405 anyway
    if (match.route->options.body == BodyKind::kNone) return 64 * 1024;
    return std::min(match.route->options.max_body_bytes, options_.max_body_bytes);
  }

  Result<void> Start() {
    try {
      server_ = std::make_unique<RestinioServer>(restinio::external_io_context(io_), [this](auto& s) {
        s.port(options_.port)
            .address(options_.host)
            .request_handler([this](auto req) { return Handle(std::move(req)); })
            .read_next_http_message_timelimit(options_.read_timeout)
            .write_http_response_timelimit(options_.write_timeout)
            .handle_request_timeout(options_.handle_timeout)
            .ip_blocker(gate_)
            .connection_state_listener(gate_)
            .concurrent_accepts_count(static_cast<std::size_t>(std::max(1, options_.io_threads)))
            .incoming_http_msg_limits(restinio::incoming_http_msg_limits_t{}
                                          .max_url_size(8 * 1024)
                                          .max_field_name_size(256)
                                          .max_field_value_size(16 * 1024)
                                          .max_field_count(100)
                                          .max_body_size(options_.max_body_bytes))
            .acceptor_post_bind_hook([this](restinio::asio_ns::ip::tcp::acceptor& acceptor) {
              port_ = acceptor.local_endpoint().port();
            });
      });
      internal::g_body_limit_resolver.store(this, std::memory_order_release);
      server_->open_sync();
    } catch (const std::exception& e) {
      return Fail(Error::Unavailable("cannot listen on " + options_.host + ":" + std::to_string(options_.port) +
                                     ": " + e.what(), "listen_failed"));
    }
    signals_.async_wait([this](const restinio::asio_ns::error_code& ec, int signal) {
      if (!ec) {
        log::Info("signal", {{"signal", signal == SIGTERM ? "SIGTERM" : "SIGINT"}});
        Shutdown();
      }
    });
    for (int i = 0; i < std::max(1, options_.io_threads); ++i) {
      io_threads_.emplace_back([this] {
        SetThreadName("wb-io");
        for (;;) {
          try {
            io_.run();
            return;
          } catch (const std::exception& e) {
            log::Error("io_thread_exception", {{"error", e.what()}});
          }
        }
      });
    }
    return {};
  }

  std::uint16_t port() const { return port_; }

  void Shutdown() {
    {
      std::lock_guard lock(mutex_);
      stop_requested_ = true;
    }
    cv_.notify_all();
  }

  void RunUntilStopped() {
    {
      std::unique_lock lock(mutex_);
      cv_.wait(lock, [&] { return stop_requested_; });
    }
    const auto began = std::chrono::steady_clock::now();
    draining_ = true;
    // Stop accepting; connections already open keep being served, with Connection: close.
    std::promise<void> closed;
    server_->close_async([&] { closed.set_value(); }, [&](std::exception_ptr) { closed.set_value(); });
    closed.get_future().wait();
    bool drained;
    {
      std::unique_lock lock(mutex_);
      drained = cv_.wait_for(lock, options_.shutdown_grace, [&] { return metrics_.in_flight().load() <= 0; });
    }
    log::Info("shutdown", {{"drained", drained},
                           {"in_flight", metrics_.in_flight().load()},
                           {"ms", static_cast<std::int64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                                std::chrono::steady_clock::now() - began)
                                                                .count())}});
    // Past the grace period, requests still waiting for a worker are dropped rather than run.
    const std::size_t dropped = drained ? 0 : pool_.DiscardQueued();
    if (dropped > 0) log::Warn("shutdown_dropped", {{"queued_requests", dropped}});
    signals_.cancel();
    io_.stop();
    for (auto& t : io_threads_) {
      if (t.joinable()) t.join();
    }
    io_threads_.clear();
    pool_.Stop();
    internal::g_body_limit_resolver.store(nullptr);
  }

 private:
  restinio::request_handling_status_t Handle(restinio::request_handle_t req) {
    const auto start = std::chrono::steady_clock::now();
    metrics_.in_flight().fetch_add(1);
    auto request = std::make_shared<Request>();
    Request& r = *request;
    r.method = FromRestinio(req->header().method());
    r.target = std::string(req->header().request_target());
    const auto q = r.target.find('?');
    if (q != std::string::npos) r.query_string = r.target.substr(q + 1);
    r.headers.reserve(req->header().fields_count());
    std::string too_large;
    for (const auto& f : req->header()) {
      if (restinio::impl::is_equal_caseless(f.name(), internal::kTooLargeField)) {
        too_large = f.value();
        continue;
      }
      r.headers.emplace_back(ToLower(f.name()), f.value());
    }
    const auto rid = r.Header("x-request-id");
    r.request_id = rid && ValidRequestId(*rid) ? std::string(*rid) : NewId();
    try {
      r.remote_address = req->remote_endpoint().address().to_string();
    } catch (...) {
    }

    auto decoded = PercentDecode(std::string_view(r.target).substr(0, q), false);
    if (!decoded || decoded->empty() || decoded->front() != '/' || !IsValidUtf8(*decoded)) {
      r.path = r.target.substr(0, q);
      SendError(req, request, Error::BadRequest("malformed request path", "bad_path"), start, unmatched_series_);
      return restinio::request_accepted();
    }
    r.path = std::move(*decoded);

    auto match = router_.Find(r.method, r.path);
    Metrics::RouteSeries* series = unmatched_series_;
    if (match.route) {
      r.route = match.route->path_template;
      r.path_params = std::move(match.params);
      series = SeriesFor(match.route);
    }

    if (!too_large.empty()) {
      const std::size_t limit = match.route ? std::min(match.route->options.max_body_bytes, options_.max_body_bytes)
                                            : options_.max_body_bytes;
      Error e{.code = ErrorCode::kPayloadTooLarge,
              .message = "the request body is over the limit of " + std::to_string(limit) + " bytes"};
      // After a skipped body the connection's byte stream is unusable: close it.
      SendError(req, request, std::move(e), start, series, /*close=*/too_large == "skip");
      return restinio::request_accepted();
    }

    if (!match.route) {
      if (!match.allowed.empty()) {
        std::string allow;
        for (Method m : match.allowed) {
          if (!allow.empty()) allow += ", ";
          allow += MethodName(m);
        }
        Error e{.code = ErrorCode::kMethodNotAllowed,
                .message = std::string(MethodName(r.method)) + " is not allowed here; allowed: " + allow};
        Response resp = ProblemResponse(e, r);
        resp.headers.emplace_back("Allow", allow);
        Send(req, request, std::move(resp), start, series);
        return restinio::request_accepted();
      }
      if (!IsApiPath(r.path) && static_files_ && (r.method == Method::kGet || r.method == Method::kHead)) {
        series = SeriesForStatic();
        Dispatch(req, request, start, series, [this](Request& rr) {
          return static_files_->Serve(rr.path, rr.method == Method::kHead);
        });
        return restinio::request_accepted();
      }
      SendError(req, request, Error::NotFound("no route for " + r.path), start, series);
      return restinio::request_accepted();
    }

    const Route* route = match.route;
    if (!WellFormedQuery(r.query_string)) {
      SendError(req, request,
                Error::BadRequest("the query string has a broken percent escape, a NUL or text that is not UTF-8",
                                  "malformed_query"),
                start, series);
      return restinio::request_accepted();
    }
    if (route->options.body == BodyKind::kJson) {
      const auto ct = r.Header("content-type");
      if (!ct || !IsJsonContentType(*ct)) {
        Error e{.code = ErrorCode::kUnsupportedMediaType,
                .message = "this route takes application/json; got " + std::string(ct ? *ct : "no Content-Type")};
        SendError(req, request, std::move(e), start, series);
        return restinio::request_accepted();
      }
    }
    if (route->options.body != BodyKind::kNone) r.body = req->body();
    if (route->options.body == BodyKind::kJson) {
      switch (CheckJsonBody(r.body)) {
        case JsonBodyProblem::kNone:
          break;
        case JsonBodyProblem::kTooDeep:
          SendError(req, request,
                    Error::BadRequest("the JSON body nests objects and arrays deeper than " +
                                          std::to_string(kMaxJsonDepth) + " levels",
                                      "too_deep"),
                    start, series);
          return restinio::request_accepted();
        case JsonBodyProblem::kNulCharacter:
          SendError(
              req, request,
              Error::BadRequest("a string of the JSON body holds U+0000 (NUL), which no text accepts", "nul_character"),
              start, series);
          return restinio::request_accepted();
      }
    }

    if (route->options.inline_io) {
      Finish(req, request, Invoke(route->handler, r), start, series);
    } else {
      Dispatch(req, request, start, series, route->handler);
    }
    return restinio::request_accepted();
  }

  template <typename F>
  void Dispatch(const restinio::request_handle_t& req, const std::shared_ptr<Request>& request,
                std::chrono::steady_clock::time_point start, Metrics::RouteSeries* series, F handler) {
    const bool queued = pool_.TrySubmit([this, req, request, start, series, handler = std::move(handler)]() mutable {
      Finish(req, request, Invoke(handler, *request), start, series);
    });
    if (!queued) {
      metrics_.rejected_overload().fetch_add(1);
      Error e = Error::Unavailable("the server is busy; retry shortly", "overloaded");
      e.retry_after_seconds = 1;
      SendError(req, request, std::move(e), start, series);
    }
  }

  template <typename F>
  HandlerResult Invoke(F& handler, Request& request) {
    try {
      return handler(request);
    } catch (const std::exception& e) {
      return Fail(Error::Internal(std::string("unhandled exception: ") + e.what()));
    } catch (...) {
      return Fail(Error::Internal("unhandled non-standard exception"));
    }
  }

  void Finish(const restinio::request_handle_t& req, const std::shared_ptr<Request>& request, HandlerResult result,
              std::chrono::steady_clock::time_point start, Metrics::RouteSeries* series) {
    if (result) {
      Send(req, request, std::move(*result), start, series);
    } else {
      SendError(req, request, std::move(result.error()), start, series);
    }
  }

  void SendError(const restinio::request_handle_t& req, const std::shared_ptr<Request>& request, Error error,
                 std::chrono::steady_clock::time_point start, Metrics::RouteSeries* series, bool close = false) {
    if (error.code == ErrorCode::kInternal) {
      log::Error("internal_error", {{"request_id", request->request_id},
                                    {"route", request->route},
                                    {"error", error.message}});
    }
    Response resp = ProblemResponse(error, *request);
    resp.close_connection = close;
    Send(req, request, std::move(resp), start, series);
  }

  void Send(const restinio::request_handle_t& req, const std::shared_ptr<Request>& request, Response response,
            std::chrono::steady_clock::time_point start, Metrics::RouteSeries* series) {
    const int status = response.status;
    const std::size_t bytes_out = response.body.size();
    try {
      auto builder = req->create_response(restinio::http_status_line_t{
          restinio::http_status_code_t{static_cast<std::uint16_t>(status)}, std::string(ReasonPhrase(status))});
      builder.append_header("X-Request-Id", request->request_id);
      if (!response.content_type.empty()) {
        builder.append_header(restinio::http_field::content_type, response.content_type);
      }
      bool has_cache_control = false;
      for (auto& [name, value] : response.headers) {
        if (restinio::impl::is_equal_caseless(name, "cache-control")) has_cache_control = true;
        builder.append_header(name, value);
      }
      if (!has_cache_control && IsApiPath(request->path)) builder.append_header("Cache-Control", "no-store");
      builder.append_header("X-Content-Type-Options", "nosniff");
      builder.append_header("Referrer-Policy", "no-referrer");
      if (response.close_connection || draining_.load()) builder.connection_close();
      if (request->method != Method::kHead) builder.set_body(std::move(response.body));
      // Metrics count the response when it is handed to the connection, so that a client that
      // has read it and then asks /metrics always sees it counted.
      series->Observe(status, std::chrono::steady_clock::now() - start);
      builder.done([this, request, start, status, bytes_out](const restinio::asio_ns::error_code&) {
        Completed(*request, start, status, bytes_out);
      });
    } catch (const std::exception& e) {
      log::Error("response_failed", {{"request_id", request->request_id}, {"error", e.what()}});
      series->Observe(status, std::chrono::steady_clock::now() - start);
      Completed(*request, start, status, 0);
    }
  }

  // After the response was written (or failed to be): access log and the in-flight count.
  void Completed(const Request& request, std::chrono::steady_clock::time_point start, int status,
                 std::size_t bytes_out) {
    const auto elapsed = std::chrono::steady_clock::now() - start;
    if (options_.access_log) {
      log::Info("request",
                {{"method", MethodName(request.method)},
                 {"path", request.path},
                 {"route", request.route},
                 {"status", status},
                 {"ms", std::chrono::duration<double, std::milli>(elapsed).count()},
                 {"bytes_in", request.body.size()},
                 {"bytes_out", bytes_out},
                 {"request_id", request.request_id},
                 {"remote", request.remote_address}});
    }
    if (metrics_.in_flight().fetch_sub(1) == 1 && draining_.load()) {
      std::lock_guard lock(mutex_);
      cv_.notify_all();
    }
  }

  Metrics::RouteSeries* SeriesFor(const Route* route) {
    {
      std::lock_guard lock(series_mutex_);
      if (auto it = route_series_.find(route); it != route_series_.end()) return it->second;
    }
    auto* s = metrics_.ForRoute(MethodName(route->method), route->path_template);
    std::lock_guard lock(series_mutex_);
    route_series_[route] = s;
    return s;
  }

  Metrics::RouteSeries* SeriesForStatic() {
    if (!static_series_) static_series_ = metrics_.ForRoute("GET", "static");
    return static_series_;
  }

  ServerOptions options_;
  Router& router_;
  Metrics& metrics_;
  std::shared_ptr<ConnectionGate> gate_;
  restinio::asio_ns::io_context io_;
  std::unique_ptr<RestinioServer> server_;
  std::vector<std::thread> io_threads_;
  internal::WorkerPool pool_;
  restinio::asio_ns::signal_set signals_;
  std::optional<internal::StaticFiles> static_files_;
  std::atomic<bool> draining_{false};
  std::atomic<std::uint16_t> port_{0};
  std::mutex mutex_;
  std::condition_variable cv_;
  bool stop_requested_ = false;  // GUARDED_BY(mutex_)
  std::mutex series_mutex_;
  std::unordered_map<const Route*, Metrics::RouteSeries*> route_series_;  // GUARDED_BY(series_mutex_)
  Metrics::RouteSeries* unmatched_series_ = nullptr;
  std::atomic<Metrics::RouteSeries*> static_series_{nullptr};
};

Server::Server(ServerOptions options, Router& router, Metrics& metrics)
    : impl_(std::make_unique<Impl>(std::move(options), router, metrics)) {}
Server::~Server() = default;
Result<void> Server::Start() { return impl_->Start(); }
std::uint16_t Server::port() const { return impl_->port(); }
void Server::RunUntilStopped() { impl_->RunUntilStopped(); }
void Server::Shutdown() { impl_->Shutdown(); }

}  // namespace wangban::http

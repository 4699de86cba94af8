#include "wangban/app/serve.hpp"

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <thread>

#include "wangban/api/idempotency.hpp"
#include "wangban/api/routes.hpp"
#include "wangban/app/demo.hpp"
#include "wangban/audit/audit.hpp"
#include "wangban/cases/service.hpp"
#include "wangban/catalog/store.hpp"
#include "wangban/common/calendar.hpp"
#include "wangban/common/ids.hpp"
#include "wangban/common/log.hpp"
#include "wangban/common/version.hpp"
#include "wangban/files/files.hpp"
#include "wangban/http/server.hpp"
#include "wangban/identity/service.hpp"
#include "wangban/jobs/jobs.hpp"
#include "wangban/jobs/worker.hpp"
#include "wangban/rules/registry.hpp"
#include "wangban/rules/service.hpp"
#include "wangban/rules/store.hpp"
#include "wangban/storage/blob_store.hpp"
#include "wangban/storage/migrations.hpp"
#include "wangban/workflow/calendar_store.hpp"
#include "wangban/workflow/engine.hpp"

namespace wangban::app {
namespace {

// How long a registry's answer, asked during a submission's checks, serves the decision made in
// its write: milliseconds later as a rule, seconds when the write is retried.
constexpr std::chrono::seconds kRegistryAnswerTtl{30};

// Writes the port atomically so a reader never sees a partial number.
bool WritePortFile(const std::filesystem::path& path, std::uint16_t port) {
  const auto tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!out) return false;
    out << port << "\n";
    if (!out.flush()) return false;
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  return !ec;
}

identity::PasswordHashParams HashParams(const std::string& cost) {
  if (cost == "minimum") return identity::PasswordHashParams::Minimum();
  if (cost == "moderate") return {.opslimit = 3, .memlimit = std::size_t{256} << 20};
  return {};
}

// The personal-data key: WANGBAN_PII_KEY (hex), --pii-key-file, or (SQLite only) a key file
// created under the data directory on first start. Several PostgreSQL nodes must share one key,
// so PostgreSQL without an explicit key is refused unless --demo.
Result<identity::PiiCipher> LoadPiiCipher(const ServeConfig& config, storage::Backend backend) {
  if (const char* hex = std::getenv("WANGBAN_PII_KEY"); hex && *hex) {
    const std::string_view h(hex);
    if (h.size() != 128) return Fail(Error::Internal("WANGBAN_PII_KEY must be 128 hex characters"));
    std::string bytes;
    for (std::size_t i = 0; i < h.size(); i += 2) {
      const auto byte = std::stoi(std::string(h.substr(i, 2)), nullptr, 16);
      bytes.push_back(static_cast<char>(byte));
    }
    return identity::PiiCipher::FromKeyBytes(bytes);
  }
  if (config.pii_key_file) return identity::PiiCipher::FromKeyFile(*config.pii_key_file);
  if (backend == storage::Backend::kPostgresql && !config.demo) {
    return Fail(
        Error::Internal("PostgreSQL needs the shared personal-data key: set --pii-key-file or "
                        "WANGBAN_PII_KEY (generate one with `openssl rand -hex 64`)"));
  }
  const auto path = config.data_dir / "keys" / "pii.key";
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    std::filesystem::create_directories(path.parent_path(), ec);
    const auto tmp = path.string() + ".tmp";
    {
      std::ofstream out(tmp, std::ios::trunc);
      out << identity::PiiCipher::GenerateKeyHex() << "\n";
      if (!out.flush()) return Fail(Error::Internal("cannot write " + tmp));
    }
    std::filesystem::permissions(tmp, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write, ec);
    std::filesystem::rename(tmp, path, ec);
    if (ec) return Fail(Error::Internal("cannot create " + path.string() + ": " + ec.message()));
    log::Warn("pii_key_created",
              {{"path", path.string()}, {"advice", "back this file up; without it ID numbers cannot be read"}});
  }
  return identity::PiiCipher::FromKeyFile(path);
}

identity::IdentityConfig IdentityConfigFor(const ServeConfig& config) {
  identity::IdentityConfig c;
  c.session_idle = std::chrono::minutes(config.session_idle_minutes);
  c.session_cache_ttl = std::chrono::seconds(config.session_cache_seconds);
  c.session_absolute = std::chrono::hours(config.session_absolute_hours);
  c.password_hash = HashParams(config.password_hash_cost);
  return c;
}

int StartupFailed(std::string_view stage, std::string_view error) {
  log::Error("startup_failed", {{"stage", stage}, {"error", error}});
  log::Flush();
  return 1;
}

// Keeps the periodic housekeeping jobs scheduled (dedupe keys make this idempotent across
// restarts and nodes).
// Periodic jobs run in slots of `interval`; the dedupe key names the slot, because a job still
// holds its own key while it runs (so it could not schedule its successor under the same key),
// and several nodes scheduling the same slot store it once.
void ScheduleHousekeeping(storage::Database& db, const Clock& clock, const std::string& kind,
                          std::chrono::minutes interval) {
  const auto step = std::chrono::duration_cast<std::chrono::microseconds>(interval);
  const auto slot = clock.Now().time_since_epoch() / step + 1;
  auto r = jobs::Schedule(db, clock,
                          {.kind = kind,
                           .payload = "{}",
                           .run_at = Timestamp(slot * step),
                           .max_attempts = 3,
                           .dedupe_key = "periodic:" + kind + "@" + std::to_string(slot)});
  if (!r) log::Warn("schedule_failed", {{"kind", kind}, {"error", r.error().message}});
}

}  // namespace

std::string ResolveDbUrl(const ServeConfig& config) {
  if (!config.db_url.empty()) return config.db_url;
  return "sqlite:" + (config.data_dir / "wangban.db").string();
}

int DefaultDbPool(std::string_view url, unsigned cpus) {
  if (url.starts_with("sqlite:")) return 32;
  // PostgreSQL: more connections than its CPUs can run only queue inside PostgreSQL, where a
  // backend preempted while it holds a row lock (a case number's) stalls every other one
  // (bench/cases: submissions 662/s with 32 connections on 2 CPUs, 914/s with 8).
  return static_cast<int>(std::clamp(4 * std::max(cpus, 1u), 8u, 64u));
}

int Serve(const ServeConfig& config) {
  std::signal(SIGPIPE, SIG_IGN);
  log::Init({.level = log::Level::kInfo, .async = true});
  const std::string url = ResolveDbUrl(config);
  const int pool = config.db_pool > 0 ? config.db_pool : DefaultDbPool(url, std::thread::hardware_concurrency());
  auto db = storage::OpenDatabase(url, {.pool_size = pool});
  if (!db) {
    log::Error("startup_failed", {{"stage", "database"}, {"error", db.error().message}});
    log::Flush();
    return 1;
  }
  auto migrated = storage::Migrate(**db);
  if (!migrated) {
    log::Error("startup_failed", {{"stage", "migrate"}, {"error", migrated.error().message}});
    log::Flush();
    return 1;
  }
  if (!migrated->applied.empty()) {
    log::Info("migrated", {{"from", migrated->from_version}, {"to", migrated->to_version}});
  }
  auto blobs = storage::DirectoryBlobStore::Open(config.data_dir / "blobs");
  if (!blobs) return StartupFailed("blobs", blobs.error().message);

  std::unique_ptr<FakeClock> test_clock;
  if (config.test_clock) {
    test_clock = std::make_unique<FakeClock>(SystemClock::Instance().Now());
    log::Warn("test_clock", {{"advice", "time only moves through POST /api/v1/test/clock; never use in production"}});
  }
  const Clock& clock = test_clock ? static_cast<const Clock&>(*test_clock) : SystemClock::Instance();

  auto cipher = LoadPiiCipher(config, (*db)->backend());
  if (!cipher) return StartupFailed("pii_key", cipher.error().message);
  identity::FakeRealNameRegistry registry;  // the production adapter is configured per province
  identity::IdentityService identity(**db, clock, *cipher, registry, IdentityConfigFor(config));
  if (config.demo) {
    if (auto r = LoadDemoData(identity); !r) return StartupFailed("demo", r.error().message);
  }

  // The working-day calendar: official years shipped in the binary, then the years
  // administrators loaded (PUT /api/v1/calendar/{year}), which win.
  WorkingCalendar calendar;
  if (auto r = LoadOfficialYears(calendar); !r) return StartupFailed("calendar", r.error().message);
  if (auto r = workflow::LoadStoredCalendarYears(**db, calendar); !r) {
    return StartupFailed("calendar", r.error().message);
  }
  // Service-task handlers arrive with their modules (rules, payment, licenses, delivery,
  // notify); a process naming one that is not registered is refused at deployment.
  workflow::HandlerRegistry handlers;
  cases::RegisterCaseHandlers(handlers, clock);
  // 秒批: with --demo the demo persons' registry records; otherwise no registry is configured
  // yet and every lookup fails, so every 秒批 case goes to a person (silence never approves).
  rules::RuleStore rule_store(**db, clock);
  rules::FakeRegistry demo_registry;
  rules::UnavailableRegistry no_registry;
  if (config.demo) rules::AddDemoRecords(demo_registry, ChinaDate(clock.Now()));
  rules::Registry& configured_registry = config.demo ? static_cast<rules::Registry&>(demo_registry) : no_registry;
  // A submission asks the registries during its checks (cases::CaseConfig::before_start), and
  // the decision inside the write finds the answers here: on SQLite every write waits on one
  // writer thread, which must not wait on the network (docs/rules.md, "Registry sources").
  rules::CachingRegistry rule_registry(configured_registry, clock, kRegistryAnswerTtl);
  rules::RegisterRuleHandlers(handlers, rule_store, rule_registry, clock);
  workflow::Engine engine(**db, clock, calendar, handlers);
  catalog::CatalogStore catalog(**db, clock);
  files::FileStore file_store(**db, **blobs, clock);
  cases::FileLookup file_lookup = [&file_store](std::string_view id) -> Result<cases::FileRef> {
    auto f = file_store.Get(id);
    if (!f) return std::unexpected(f.error());
    return cases::FileRef{f->id, f->owner_id, f->media_type, f->name, f->size};
  };
  // The audit trail: records in each change's transaction, SM2-signed checkpoints every minute.
  auto audit_signer = audit::LoadOrCreateSigner(config.audit_key_file, config.data_dir,
                                                (*db)->backend() == storage::Backend::kSqlite || config.demo);
  if (!audit_signer) return StartupFailed("audit_key", audit_signer.error().message);
  audit::AuditLog audit_log(**db, clock, std::move(*audit_signer));
  cases::AuditSink audit_sink{
      .append = [&clock](storage::Tx& tx, const cases::AuditEvent& e) -> Result<void> {
        auto appended = audit::Append(tx, clock,
                                      {.stream = e.stream,
                                       .actor = e.actor,
                                       .action = e.action,
                                       .subject = e.subject,
                                       .details_json = e.details_json});
        if (!appended) return std::unexpected(appended.error());  // unchanged: may be "retry"
        return {};
      },
      .lock = [](storage::Tx& tx, std::string_view stream) { return audit::LockStream(tx, stream); }};
  cases::CaseConfig case_config;
  case_config.pin_start = [&rule_store](storage::Tx& tx, const workflow::ProcessDefinition& process,
                                        workflow::Value::Object& variables) {
    return rules::PinRuleSet(rule_store, tx, process, variables);
  };
  case_config.before_start = [&rule_store, &rule_registry, &clock](const workflow::Value::Object& variables) {
    rules::PrefetchLookups(rule_store, rule_registry, clock, variables);
  };
  cases::CaseService case_service(**db, clock, calendar, catalog, engine, file_lookup, audit_sink, case_config);
  if (config.demo) {
    if (auto r = LoadDemoCatalog(catalog, engine, case_service); !r) {
      return StartupFailed("demo_catalog", r.error().message);
    }
    if (auto r = LoadDemoRules(rule_store); !r) return StartupFailed("demo_rules", r.error().message);
  }

  http::Metrics metrics;
  jobs::JobRegistry job_registry;
  engine.RegisterJobs(job_registry);
  case_service.RegisterJobs(job_registry);
  job_registry.Register("identity.purge_sessions", [&](const jobs::JobContext&) -> Result<void> {
    auto purged = identity.PurgeExpiredSessions();
    if (!purged) return std::unexpected(purged.error());
    log::Info("sessions_purged", {{"count", *purged}});
    ScheduleHousekeeping(**db, clock, "identity.purge_sessions", std::chrono::minutes(60));
    return {};
  });
  job_registry.Register("audit.checkpoint", [&](const jobs::JobContext&) -> Result<void> {
    ScheduleHousekeeping(**db, clock, "audit.checkpoint", audit::kRecommendedCheckpointInterval);
    auto c = audit_log.Checkpoint();
    if (!c) return std::unexpected(c.error());
    if (c->created) {
      // A copy outside the database: the latest checkpoint itself could be deleted.
      log::Info(
          "audit_checkpoint",
          {{"seq", c->seq}, {"records", c->records}, {"streams", c->streams}, {"signature", c->signature_base64}});
    }
    return {};
  });
  job_registry.Register("api.purge_idempotency_keys", [&](const jobs::JobContext&) -> Result<void> {
    auto purged = api::PurgeIdempotencyKeys(**db, clock);
    if (!purged) return std::unexpected(purged.error());
    ScheduleHousekeeping(**db, clock, "api.purge_idempotency_keys", std::chrono::minutes(60));
    return {};
  });
  std::unique_ptr<jobs::Worker> worker;
  if (config.jobs) {
    worker = std::make_unique<jobs::Worker>(**db, clock, job_registry);
    ScheduleHousekeeping(**db, clock, "identity.purge_sessions", std::chrono::minutes(1));
    ScheduleHousekeeping(**db, clock, "api.purge_idempotency_keys", std::chrono::minutes(1));
    ScheduleHousekeeping(**db, clock, "audit.checkpoint", audit::kRecommendedCheckpointInterval);
    metrics.AddCollector([w = worker.get()](std::string& out) {
      const auto& s = w->stats();
      out +=
          "# HELP wangban_jobs_total Background jobs by outcome (this process).\n# TYPE wangban_jobs_total counter\n";
      out += "wangban_jobs_total{outcome=\"succeeded\"} " + std::to_string(s.succeeded.load()) + "\n";
      out += "wangban_jobs_total{outcome=\"retried\"} " + std::to_string(s.retried.load()) + "\n";
      out += "wangban_jobs_total{outcome=\"dead\"} " + std::to_string(s.dead.load()) + "\n";
    });
  }

  http::Router router;
  api::ApiContext context{.db = **db,
                          .blobs = **blobs,
                          .metrics = metrics,
                          .clock = clock,
                          .identity = &identity,
                          .calendar = &calendar,
                          .workflow = &engine,
                          .catalog = &catalog,
                          .files = &file_store,
                          .audit = &audit_log,
                          .rules = &rule_store,
                          .cases = &case_service,
                          .secure_cookies = config.secure_cookies,
                          .test_clock = test_clock.get()};
  api::RegisterRoutes(router, context);

  std::optional<std::filesystem::path> web_root = config.web_root;
  if (!web_root) {
    std::error_code ec;
    if (std::filesystem::is_regular_file("web/dist/index.html", ec)) web_root = "web/dist";
  }
  http::ServerOptions options{
      .host = config.host,
      .port = config.port,
      .io_threads = config.io_threads,
      .worker_threads = config.worker_threads,
      .max_connections = config.max_connections,
      .read_timeout = std::chrono::milliseconds(config.read_timeout_ms),
      .shutdown_grace = std::chrono::milliseconds(config.shutdown_grace_ms),
      .access_log = config.access_log,
      .web_root = web_root,
  };
  http::Server server(options, router, metrics);
  if (auto started = server.Start(); !started) {
    log::Error("startup_failed", {{"stage", "listen"}, {"error", started.error().message}});
    log::Flush();
    return 1;
  }
  if (config.port_file && !WritePortFile(*config.port_file, server.port())) {
    log::Error("startup_failed", {{"stage", "port_file"}, {"path", config.port_file->string()}});
    server.Shutdown();
    server.RunUntilStopped();
    log::Flush();
    return 1;
  }
  if (worker) worker->Start();
  log::Info("listening", {{"host", config.host},
                          {"port", static_cast<int>(server.port())},
                          {"db", storage::BackendName((*db)->backend())},
                          {"db_url", (*db)->redacted_url()},
                          {"web", web_root ? web_root->string() : std::string("none")},
                          {"version", Version()}});
  server.RunUntilStopped();
  if (worker) worker->Stop();
  log::Info("stopped", {});
  log::Flush();
  return 0;
}

namespace {

// Opens the database (migrated) and the identity service for the admin commands.
struct AdminEnv {
  std::unique_ptr<storage::Database> db;
  std::optional<identity::PiiCipher> cipher;
  identity::FakeRealNameRegistry registry;
  std::unique_ptr<identity::IdentityService> identity;
};

Result<std::unique_ptr<AdminEnv>> OpenAdminEnv(const ServeConfig& config) {
  auto env = std::make_unique<AdminEnv>();
  auto db = storage::OpenDatabase(ResolveDbUrl(config), {.pool_size = 2});
  if (!db) return std::unexpected(db.error());
  env->db = std::move(*db);
  if (auto m = storage::Migrate(*env->db); !m) return std::unexpected(m.error());
  auto cipher = LoadPiiCipher(config, env->db->backend());
  if (!cipher) return std::unexpected(cipher.error());
  env->cipher.emplace(std::move(*cipher));
  env->identity = std::make_unique<identity::IdentityService>(*env->db, SystemClock::Instance(), *env->cipher,
                                                              env->registry, IdentityConfigFor(config));
  return env;
}

}  // namespace

int CreateStaff(const ServeConfig& config, const StaffCommand& command) {
  auto env = OpenAdminEnv(config);
  if (!env) {
    std::fprintf(stderr, "wangban admin create-staff: %s\n", env.error().message.c_str());
    return 1;
  }
  std::string password;
  bool generated = false;
  if (command.password_stdin) {
    std::getline(std::cin, password);
    if (!password.empty() && password.back() == '\r') password.pop_back();
  } else {
    password = RandomHex(12);  // shown once below; no default password ships
    generated = true;
  }
  auto user = (*env)->identity->CreateStaff(
      nullptr, {command.account, command.name, password, command.department, command.region, command.roles});
  if (!user) {
    std::fprintf(stderr, "wangban admin create-staff: %s\n", user.error().message.c_str());
    for (const auto& f : user.error().field_errors) {
      std::fprintf(stderr, "  %s: %s (%s)\n", f.field.c_str(), f.message.c_str(), f.code.c_str());
    }
    return 1;
  }
  std::printf("created staff %s (%s)\n", command.account.c_str(), user->id.c_str());
  if (generated) std::printf("password: %s\n(shown once; change it after the first login)\n", password.c_str());
  return 0;
}

int SeedDemo(const ServeConfig& config) {
  ServeConfig c = config;
  c.demo = true;
  auto env = OpenAdminEnv(c);
  if (!env) {
    std::fprintf(stderr, "wangban seed: %s\n", env.error().message.c_str());
    return 1;
  }
  if (auto r = LoadDemoData(*(*env)->identity); !r) {
    std::fprintf(stderr, "wangban seed: %s\n", r.error().message.c_str());
    return 1;
  }
  WorkingCalendar calendar;
  if (auto r = LoadOfficialYears(calendar); !r) {
    std::fprintf(stderr, "wangban seed: %s\n", r.error().message.c_str());
    return 1;
  }
  workflow::HandlerRegistry handlers;
  cases::RegisterCaseHandlers(handlers, SystemClock::Instance());
  rules::RuleStore rule_store(*(*env)->db, SystemClock::Instance());
  rules::UnavailableRegistry no_registry;
  rules::RegisterRuleHandlers(handlers, rule_store, no_registry, SystemClock::Instance());
  workflow::Engine engine(*(*env)->db, SystemClock::Instance(), calendar, handlers);
  catalog::CatalogStore catalog(*(*env)->db, SystemClock::Instance());
  cases::CaseService case_service(*(*env)->db, SystemClock::Instance(), calendar, catalog, engine, cases::FileLookup(),
                                  cases::AuditSink());
  if (auto r = LoadDemoCatalog(catalog, engine, case_service); r) {
    if (auto rr = LoadDemoRules(rule_store); !rr) {
      std::fprintf(stderr, "wangban seed: %s\n", rr.error().message.c_str());
      return 1;
    }
  } else {
    std::fprintf(stderr, "wangban seed: %s\n", r.error().message.c_str());
    for (const auto& f : r.error().field_errors) std::fprintf(stderr, "  %s: %s\n", f.field.c_str(), f.message.c_str());
    return 1;
  }
  std::printf("demo data loaded; every demo account's password is %s\n", kDemoPassword);
  return 0;
}

int LoadCalendarYear(const ServeConfig& config, const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "wangban calendar load-year: cannot read %s\n", file.c_str());
    return 2;
  }
  const std::string document((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto db = storage::OpenDatabase(ResolveDbUrl(config), {.pool_size = 1});
  if (!db) {
    std::fprintf(stderr, "wangban calendar load-year: %s\n", db.error().message.c_str());
    return 1;
  }
  if (auto m = storage::Migrate(**db); !m) {
    std::fprintf(stderr, "wangban calendar load-year: %s\n", m.error().message.c_str());
    return 1;
  }
  auto stored = workflow::StoreCalendarYear(**db, SystemClock::Instance(), document, std::nullopt, "cli");
  if (!stored) {
    std::fprintf(stderr, "wangban calendar load-year: %s\n", stored.error().message.c_str());
    for (const auto& f : stored.error().field_errors) {
      std::fprintf(stderr, "  %s: %s (%s)\n", f.field.c_str(), f.message.c_str(), f.code.c_str());
    }
    return 1;
  }
  std::printf("stored calendar year %d (%zu days); servers load it at their next start\n",
              static_cast<int>(stored->year), stored->days.size());
  return 0;
}

int Migrate(const std::string& db_url) {
  auto db = storage::OpenDatabase(db_url, {.pool_size = 1});
  if (!db) {
    std::fprintf(stderr, "wangban migrate: %s\n", db.error().message.c_str());
    return 1;
  }
  auto report = storage::Migrate(**db);
  if (!report) {
    std::fprintf(stderr, "wangban migrate: %s\n", report.error().message.c_str());
    return 1;
  }
  for (const auto& name : report->applied) std::printf("applied %s\n", name.c_str());
  std::printf("schema version %d (%s, was %d)\n", report->to_version,
              std::string(storage::BackendName((*db)->backend())).c_str(), report->from_version);
  return 0;
}

}  // namespace wangban::app

#include "wangban/app/app.hpp"

#include <CLI/CLI.hpp>

#include <cstdio>

#include "wangban/app/catalog_cli.hpp"
#include "wangban/audit/audit.hpp"
#include "wangban/cases/service.hpp"
#include "wangban/app/serve.hpp"
#include "wangban/common/calendar.hpp"
#include "wangban/workflow/bpmn_cli.hpp"

#include <iostream>
#include "wangban/common/version.hpp"

namespace wangban::app {

namespace {

// `wangban audit numbers`: one line per region, then the void and unaccounted numbers.
int RunNumbersCheck(storage::Database& db, const std::string& date, const std::optional<std::string>& region) {
  auto reports = cases::CheckNumbers(db, date, region);
  if (!reports) {
    std::fprintf(stderr, "wangban audit numbers: %s\n", reports.error().message.c_str());
    return 2;
  }
  bool ok = true;
  if (reports->empty()) std::printf("%s: no case numbers issued\n", date.c_str());
  for (const cases::NumberReport& r : *reports) {
    std::printf("%s %s: %lld issued, %lld on cases, %zu void, %zu unaccounted%s\n", r.region.c_str(), r.day.c_str(),
                static_cast<long long>(r.last), static_cast<long long>(r.on_cases), r.void_numbers.size(),
                r.unaccounted.size(), r.ok() ? "" : " — DAMAGED");
    for (const auto& v : r.void_numbers) {
      std::printf("  void %s: claimed by case %s, whose submission did not commit that day\n", r.Number(v.seq).c_str(),
                  v.case_id.c_str());
    }
    for (std::int64_t seq : r.unaccounted) {
      std::printf("  unaccounted %s: on no case and claimed by none\n", r.Number(seq).c_str());
    }
    for (const auto& line : r.inconsistent) std::printf("  inconsistent: %s\n", line.c_str());
    ok = ok && r.ok();
  }
  return ok ? 0 : 1;
}

}  // namespace

int Main(int argc, char** argv) {
  CLI::App cli{"wangban (网办): fully online government services"};
  cli.require_subcommand(1);
  cli.set_version_flag("--version", std::string(Version()));

  ServeConfig serve;
  std::string web_root, port_file;
  auto* serve_cmd = cli.add_subcommand("serve", "serve the API and the web UI");
  serve_cmd->add_option("--host", serve.host, "address to listen on")->envname("WANGBAN_HOST")->capture_default_str();
  serve_cmd->add_option("--port", serve.port, "TCP port; 0 picks a free one")
      ->envname("WANGBAN_PORT")
      ->capture_default_str();
  serve_cmd->add_option("--db", serve.db_url, "sqlite:PATH or postgresql://user:pass@host:port/db")
      ->envname("WANGBAN_DB");
  serve_cmd->add_option("--data", serve.data_dir, "data directory (SQLite file, blobs)")
      ->envname("WANGBAN_DATA")
      ->capture_default_str();
  serve_cmd->add_option("--web", web_root, "built web front end (default web/dist)")->envname("WANGBAN_WEB");
  serve_cmd->add_option("--port-file", port_file, "write the bound port to this file once listening");
  serve_cmd->add_option("--io-threads", serve.io_threads, "HTTP I/O threads")->check(CLI::Range(1, 64))->capture_default_str();
  serve_cmd->add_option("--workers", serve.worker_threads, "handler threads")->check(CLI::Range(1, 512))->capture_default_str();
  serve_cmd
      ->add_option("--db-pool", serve.db_pool,
                   "database connections (0: SQLite 32, PostgreSQL 4 per CPU and at least 8)")
      ->check(CLI::Range(0, 512))
      ->capture_default_str();
  serve_cmd->add_option("--max-connections", serve.max_connections, "concurrent connections")->capture_default_str();
  serve_cmd->add_option("--read-timeout-ms", serve.read_timeout_ms, "time a client has to send a request")
      ->check(CLI::Range(100, 3600000))
      ->capture_default_str();
  serve_cmd->add_option("--shutdown-grace-ms", serve.shutdown_grace_ms, "time in-flight requests get on SIGTERM")
      ->capture_default_str();
  serve_cmd->add_flag("!--no-access-log", serve.access_log, "do not log each request");
  std::string pii_key_file;
  serve_cmd->add_option("--pii-key-file", pii_key_file, "key for personal data (128 hex chars); or WANGBAN_PII_KEY")
      ->envname("WANGBAN_PII_KEY_FILE");
  serve_cmd->add_flag("--demo", serve.demo, "load demo accounts (published passwords)");
  serve_cmd->add_flag("--test-clock", serve.test_clock, "fake clock moved by POST /api/v1/test/clock (tests only)");
  serve_cmd->add_flag("--secure-cookies", serve.secure_cookies, "mark the session cookie Secure (behind TLS)")
      ->envname("WANGBAN_SECURE_COOKIES");
  serve_cmd->add_option("--session-idle-minutes", serve.session_idle_minutes, "idle session timeout")
      ->check(CLI::Range(1, 24 * 60))
      ->capture_default_str();
  serve_cmd
      ->add_option("--session-cache-seconds", serve.session_cache_seconds,
                   "trust a session read from the database this long (revocations by other server processes "
                   "apply within it; 0: read every request)")
      ->check(CLI::Range(0, 300))
      ->capture_default_str();
  serve_cmd->add_option("--session-absolute-hours", serve.session_absolute_hours, "absolute session lifetime")
      ->check(CLI::Range(1, 24 * 30))
      ->capture_default_str();
  serve_cmd->add_option("--password-hash-cost", serve.password_hash_cost, "argon2id cost")
      ->check(CLI::IsMember({"interactive", "moderate", "minimum"}))
      ->capture_default_str();
  serve_cmd->add_flag("!--no-jobs", serve.jobs, "do not run the background job worker in this process");

  std::string migrate_db;
  std::string migrate_data = "var";
  auto* migrate_cmd = cli.add_subcommand("migrate", "bring the database schema up to date and exit");
  migrate_cmd->add_option("--db", migrate_db, "database URL")->envname("WANGBAN_DB");
  migrate_cmd->add_option("--data", migrate_data, "data directory for the default SQLite file")
      ->envname("WANGBAN_DATA");

  auto* version_cmd = cli.add_subcommand("version", "print the version");

  auto* calendar_cmd = cli.add_subcommand("calendar", "the working-day calendar (official Chinese holidays)");
  calendar_cmd->require_subcommand(1);
  std::string calendar_date;
  int calendar_days = 0;
  auto* add_days_cmd = calendar_cmd->add_subcommand(
      "add-working-days", "print the date N working days after DATE (the day itself does not count)");
  add_days_cmd->add_option("DATE", calendar_date, "YYYY-MM-DD")->required();
  add_days_cmd->add_option("N", calendar_days, "working days, 0 or more")->required();

  std::string year_file;
  ServeConfig year_config;
  auto* load_year_cmd = calendar_cmd->add_subcommand(
      "load-year", "store a year's official holiday notice (holiday-cn JSON); servers load it at start");
  load_year_cmd->add_option("FILE", year_file, "the holiday-cn JSON document")->required();
  load_year_cmd->add_option("--db", year_config.db_url, "database URL")->envname("WANGBAN_DB");
  load_year_cmd->add_option("--data", year_config.data_dir, "data directory")->envname("WANGBAN_DATA");

  auto* bpmn_cmd = cli.add_subcommand("bpmn", "BPMN process files");
  bpmn_cmd->require_subcommand(1);
  std::string bpmn_file;
  auto* validate_cmd = bpmn_cmd->add_subcommand("validate", "exit 0 with a summary, or 1 with one line per problem");
  validate_cmd->add_option("FILE", bpmn_file, "the .bpmn file")->required();

  ServeConfig admin_config;
  std::string admin_key_file;
  auto add_db_options = [&](CLI::App* cmd) {
    cmd->add_option("--db", admin_config.db_url, "database URL")->envname("WANGBAN_DB");
    cmd->add_option("--data", admin_config.data_dir, "data directory")->envname("WANGBAN_DATA");
    cmd->add_option("--pii-key-file", admin_key_file, "personal-data key file")->envname("WANGBAN_PII_KEY_FILE");
  };
  auto* seed_cmd = cli.add_subcommand("seed", "load the demo data (idempotent)");
  bool seed_demo = false;
  seed_cmd->add_flag("--demo", seed_demo, "the demo catalog, departments and accounts")->required();
  add_db_options(seed_cmd);

  auto* catalog_cmd = cli.add_subcommand("catalog", "the service item catalog (事项目录)");
  catalog_cmd->require_subcommand(1);
  CatalogImportCommand import_command;
  auto* catalog_import_cmd = catalog_cmd->add_subcommand(
      "import", "load a spreadsheet (.xlsx or UTF-8 .csv) with the standard columns; all rows or none");
  catalog_import_cmd->add_option("FILE", import_command.file, "the spreadsheet")->required();
  catalog_import_cmd->add_flag("--publish", import_command.publish, "publish the changed items");
  catalog_import_cmd->add_option("--batch", import_command.batch, "with --publish: the batch name, e.g. 第一批不见面事项");
  add_db_options(catalog_import_cmd);
  std::string export_format = "xlsx";
  std::string export_out;
  auto* catalog_export_cmd = catalog_cmd->add_subcommand("export", "write every published item to a spreadsheet");
  catalog_export_cmd->add_option("--format", export_format, "xlsx or csv")->capture_default_str();
  catalog_export_cmd->add_option("--out", export_out, "the file to write")->required();
  add_db_options(catalog_export_cmd);
  auto* catalog_report_cmd = catalog_cmd->add_subcommand(
      "report", "figures per level and department, and 四级四同 deviations (exit 3 when there are any)");
  add_db_options(catalog_report_cmd);

  std::string audit_key_file;
  serve_cmd
      ->add_option("--audit-key-file", audit_key_file,
                   "SM2 private key (PEM) signing audit checkpoints; required with PostgreSQL")
      ->envname("WANGBAN_AUDIT_KEY_FILE");
  auto* audit_cmd = cli.add_subcommand("audit", "the tamper-evident audit trail");
  audit_cmd->require_subcommand(1);
  ServeConfig audit_config;
  std::string audit_public_key, export_dir;
  std::vector<std::string> audit_retired_keys;
  std::int64_t export_seq = 0;
  auto* audit_verify_cmd = audit_cmd->add_subcommand(
      "verify", "check every record and checkpoint: exit 0 intact, 1 damaged (naming the first bad record), 2 could not check");
  auto* audit_export_cmd = audit_cmd->add_subcommand(
      "export-checkpoint", "write a checkpoint's statement, signature and public key for the openssl CLI");
  std::string numbers_date, numbers_region;
  auto* audit_numbers_cmd = audit_cmd->add_subcommand(
      "numbers",
      "check that every case number of a day is on a case or void (claimed by a case that did not submit): "
      "exit 0 all accounted for, 1 some not, 2 could not check");
  audit_numbers_cmd->add_option("--date", numbers_date, "the day, YYYY-MM-DD")->required();
  audit_numbers_cmd->add_option("--region", numbers_region, "one region code (default: every region)");
  for (auto* cmd : {audit_verify_cmd, audit_export_cmd, audit_numbers_cmd}) {
    cmd->add_option("--db", audit_config.db_url, "database URL")->envname("WANGBAN_DB");
    cmd->add_option("--data", audit_config.data_dir, "data directory")->envname("WANGBAN_DATA");
  }
  audit_verify_cmd
      ->add_option("--public-key", audit_public_key,
                   "the audit key, public or private PEM (default: <data>/keys/audit-sm2.pem if present)")
      ->envname("WANGBAN_AUDIT_KEY_FILE");
  audit_verify_cmd->add_option("--retired-public-key", audit_retired_keys,
                               "an earlier audit key whose checkpoints stay trusted (repeatable)");
  audit_export_cmd->add_option("--seq", export_seq, "the checkpoint (default: the latest)");
  audit_export_cmd->add_option("--out", export_dir, "directory to write into")->required();

  auto* admin_cmd = cli.add_subcommand("admin", "administration");
  admin_cmd->require_subcommand(1);
  StaffCommand staff;
  std::string roles_csv;
  auto* create_staff_cmd = admin_cmd->add_subcommand("create-staff", "create a staff account");
  create_staff_cmd->add_option("--account", staff.account, "login name")->required();
  create_staff_cmd->add_option("--name", staff.name, "full name")->required();
  create_staff_cmd->add_option("--department", staff.department, "department code")->required();
  create_staff_cmd->add_option("--role", roles_csv, "window, approver, catalog_admin, supervisor, admin (comma-separated)")
      ->required();
  create_staff_cmd->add_option("--region", staff.region, "6-digit division code")->capture_default_str();
  create_staff_cmd->add_flag("--password-stdin", staff.password_stdin, "read the password from standard input");
  add_db_options(create_staff_cmd);

  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return cli.exit(e);
  }

  if (*serve_cmd) {
    if (!pii_key_file.empty()) serve.pii_key_file = pii_key_file;
    if (!audit_key_file.empty()) serve.audit_key_file = audit_key_file;
    if (!web_root.empty()) serve.web_root = web_root;
    if (!port_file.empty()) serve.port_file = port_file;
    return Serve(serve);
  }
  if (*migrate_cmd) {
    ServeConfig c;
    c.db_url = migrate_db;
    c.data_dir = migrate_data;
    return Migrate(ResolveDbUrl(c));
  }
  if (!admin_key_file.empty()) admin_config.pii_key_file = admin_key_file;
  if (*audit_verify_cmd || *audit_export_cmd || *audit_numbers_cmd) {
    auto db = storage::OpenDatabase(ResolveDbUrl(audit_config), {.pool_size = 2});
    if (!db) {
      std::fprintf(stderr, "wangban audit: %s\n", db.error().message.c_str());
      return 2;
    }
    if (*audit_numbers_cmd) {
      return RunNumbersCheck(**db, numbers_date,
                             numbers_region.empty() ? std::nullopt : std::optional<std::string>(numbers_region));
    }
    if (*audit_export_cmd) {
      return audit::RunAuditExportCheckpoint(
          **db, export_seq > 0 ? std::optional<std::int64_t>(export_seq) : std::nullopt, export_dir, std::cout, std::cerr);
    }
    audit::VerifyOptions options;
    const std::filesystem::path key = audit_public_key.empty() ? audit::GeneratedKeyPath(audit_config.data_dir)
                                                               : std::filesystem::path(audit_public_key);
    std::vector<std::string> key_files = audit_retired_keys;
    std::error_code ec;
    if (!audit_public_key.empty() || std::filesystem::exists(key, ec)) key_files.insert(key_files.begin(), key.string());
    for (const auto& file : key_files) {
      auto pem = audit::ReadPublicKeyPem(file);
      if (!pem) {
        std::fprintf(stderr, "wangban audit verify: %s\n", pem.error().message.c_str());
        return 2;
      }
      options.trusted_public_keys.push_back(std::move(*pem));
    }
    return audit::RunAuditVerify(**db, std::cout, std::cerr, options);
  }
  if (*seed_cmd) return SeedDemo(admin_config);
  if (*catalog_import_cmd) return CatalogImport(admin_config, import_command);
  if (*catalog_export_cmd) return CatalogExport(admin_config, export_format, export_out);
  if (*catalog_report_cmd) return CatalogReport(admin_config);
  if (*create_staff_cmd) {
    std::string_view rest = roles_csv;
    while (!rest.empty()) {
      const auto comma = rest.find(',');
      staff.roles.emplace_back(rest.substr(0, comma));
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
    return CreateStaff(admin_config, staff);
  }
  if (*add_days_cmd) {
    auto start = ParseIsoDate(calendar_date);
    if (!start) {
      std::fprintf(stderr, "wangban calendar: DATE must be YYYY-MM-DD, got %s\n", calendar_date.c_str());
      return 2;
    }
    WorkingCalendar calendar;
    if (auto r = LoadOfficialYears(calendar); !r) {
      std::fprintf(stderr, "wangban calendar: %s\n", r.error().message.c_str());
      return 1;
    }
    auto date = calendar.AddWorkingDays(*start, calendar_days);
    if (!date) {
      std::fprintf(stderr, "wangban calendar: %s\n", date.error().message.c_str());
      return 1;
    }
    std::printf("%s\n", FormatIsoDate(*date).c_str());
    return 0;
  }
  if (*validate_cmd) return workflow::RunBpmnValidate(bpmn_file, std::cout, std::cerr);
  if (*load_year_cmd) return LoadCalendarYear(year_config, year_file);
  if (*version_cmd) {
    std::printf("wangban %s (%s)\n", std::string(Version()).c_str(), std::string(GitCommit()).c_str());
    return 0;
  }
  return 1;
}

}  // namespace wangban::app

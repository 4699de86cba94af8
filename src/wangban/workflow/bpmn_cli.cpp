// `wangban bpmn validate FILE`.
#include "wangban/workflow/bpmn_cli.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <ostream>
#include <sstream>

namespace wangban::workflow {

std::string FormatProblem(const std::string& path, const Problem& problem) {
  std::string line = path;
  if (problem.line > 0) line += ":" + std::to_string(problem.line);
  line += ": " + (problem.element_id.empty() ? std::string("-") : problem.element_id);
  line += ": " + problem.code + ": ";
  if (problem.severity == Problem::Severity::kWarning) line += "warning: ";
  line += problem.message;
  return line;
}

int RunBpmnValidate(const std::string& path, const HandlerCatalog& handlers, std::ostream& out, std::ostream& err) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    err << path << ": cannot read: no such file\n";
    return 2;
  }
  if (std::filesystem::is_directory(path, ec)) {
    err << path << ": cannot read: is a directory\n";
    return 2;
  }
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    err << path << ": cannot read: " << std::strerror(errno) << "\n";
    return 2;
  }
  std::ostringstream buffer;
  buffer << file.rdbuf();
  if (file.bad()) {
    err << path << ": cannot read: " << std::strerror(errno) << "\n";
    return 2;
  }
  const std::string xml = std::move(buffer).str();

  const BpmnCheck check = CheckBpmn(xml, handlers);
  if (!check.ok()) {
    for (const Problem& p : check.problems) out << FormatProblem(path, p) << "\n";
    return 1;
  }
  out << path << ": " << FormatSummary(Summarize(*check.definition)) << "\n";
  for (const Problem& p : check.problems) out << FormatProblem(path, p) << "\n";
  return 0;
}

int RunBpmnValidate(const std::string& path, std::ostream& out, std::ostream& err) {
  return RunBpmnValidate(path, DefaultHandlerCatalog(), out, err);
}

}  // namespace wangban::workflow

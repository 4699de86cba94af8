// `wangban bpmn validate FILE`: checks one BPMN file the way the engine would load it.
#pragma once

#include <iosfwd>
#include <string>

#include "wangban/workflow/validator.hpp"

namespace wangban::workflow {

// Reads, parses and validates the BPMN file at `path` against `handlers` and reports:
//  - exit 0: the process can run. `out` gets one paragraph (FormatSummary) prefixed with
//    "PATH: ", then one line per warning in the format below.
//  - exit 1: it cannot. `out` gets one line per problem, errors and warnings, in line order:
//    "PATH:LINE: ELEMENT-ID: CODE: MESSAGE" (":LINE" is left out when unknown, ELEMENT-ID is
//    "-" when the element has no id; a warning's MESSAGE starts with "warning: ").
//  - exit 2: the file cannot be read (missing, a directory, no permission); `err` says why.
int RunBpmnValidate(const std::string& path, const HandlerCatalog& handlers, std::ostream& out, std::ostream& err);

// As above with DefaultHandlerCatalog().
int RunBpmnValidate(const std::string& path, std::ostream& out, std::ostream& err);

// One problem as RunBpmnValidate prints it (no newline).
std::string FormatProblem(const std::string& path, const Problem& problem);

}  // namespace wangban::workflow

// Reads BPMN 2.0 XML (as bpmn-js, Camunda Modeler or a text editor write it) into a
// ProcessDefinition. The supported subset, our extension namespace and its attributes are in
// docs/bpmn.md. The parser is lenient: whatever it cannot model becomes a Problem in
// ProcessDefinition::parse_problems, so that one run reports everything wrong with a file;
// Validate (validator.hpp) adds the graph checks. Only text that is not BPMN at all fails.
#pragma once

#include <chrono>
#include <cstddef>
#include <expected>
#include <optional>
#include <string_view>

#include "wangban/common/error.hpp"
#include "wangban/workflow/definition.hpp"

namespace wangban::workflow {

// The namespaces the parser recognises, whatever prefix a file binds them to.
inline constexpr std::string_view kBpmnModelNamespace = "http://www.omg.org/spec/BPMN/20100524/MODEL";
inline constexpr std::string_view kWangbanNamespace = "https://wangban.dev/schema/bpmn";
inline constexpr std::string_view kCamundaNamespace = "http://camunda.org/schema/1.0/bpmn";

// Larger texts are refused before parsing.
inline constexpr std::size_t kMaxBpmnBytes = 4 * 1024 * 1024;

// The process in `xml`. Fails with kBadRequest when the text cannot be read as one BPMN
// process: reason "malformed_xml" (not well-formed XML), "not_bpmn" (the root is not a BPMN
// definitions element, or it holds no process or several processes none of which is the
// only executable one) or "too_large" (over kMaxBpmnBytes). The message starts with
// "line N: " when the failure has a position.
Result<ProcessDefinition> ParseBpmn(std::string_view xml);

// As ParseBpmn, but the failure comes back as a Problem (code = the reason above, with its
// line), for reports that list every problem in one format.
std::expected<ProcessDefinition, Problem> ReadBpmn(std::string_view xml);

// The seconds in an ISO 8601 duration of weeks, days, hours, minutes and seconds: "P7D",
// "PT48H", "P1DT12H30M", "P2W", "PT90S". Nullopt for anything else, including years and
// months (they have no fixed length), fractions, negative or zero durations.
std::optional<std::chrono::seconds> ParseIsoDuration(std::string_view text);

}  // namespace wangban::workflow

// libFuzzer target for the BPMN reader and the validator: any bytes must come back as a
// definition with problems or as one problem, never a crash or a hang. Built only with
// -DWANGBAN_FUZZ under clang (see expression_fuzz.cpp for the command; add bpmn_parser.cpp,
// definition.cpp and validator.cpp and link -lpugixml). In ordinary builds this file compiles
// to nothing; ShippedProcessesTest.DamagedFilesNeverCrash runs in every build.
#ifdef WANGBAN_FUZZ

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "wangban/workflow/validator.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view xml(reinterpret_cast<const char*>(data), size);
  const wangban::workflow::BpmnCheck check =
      wangban::workflow::CheckBpmn(xml, wangban::workflow::DefaultHandlerCatalog());
  if (check.definition) (void)wangban::workflow::FormatSummary(wangban::workflow::Summarize(*check.definition));
  return 0;
}

#endif  // WANGBAN_FUZZ

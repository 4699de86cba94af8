// libFuzzer target for the expression language: any bytes must compile or fail cleanly, and a
// compiled expression must evaluate or fail cleanly. Built only with -DWANGBAN_FUZZ under
// clang (-fsanitize=fuzzer,address,undefined); GCC has no libFuzzer, so in ordinary builds
// this file compiles to nothing. The deterministic ExpressionTest.RandomInputsNeverCrash runs
// in every build.
//   clang++ -std=c++23 -DWANGBAN_FUZZ -fsanitize=fuzzer,address,undefined -Isrc \
//     src/wangban/workflow/expression_fuzz.cpp src/wangban/workflow/expression.cpp \
//     src/wangban/workflow/value.cpp src/wangban/common/error.cpp -o expression_fuzz
#ifdef WANGBAN_FUZZ

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "wangban/workflow/expression.hpp"

namespace {

const wangban::workflow::Context& FuzzContext() {
  using wangban::workflow::Value;
  static const wangban::workflow::Context context = [] {
    wangban::workflow::Context c;
    c.Set("outcome", "accept")
        .Set("nrOfInstances", 3)
        .Set("nrOfCompletedInstances", 2)
        .Set("form", Value(Value::Object{{"amount", 1200},
                                         {"name", "张三"},
                                         {"tags", Value(Value::List{"a", "b"})},
                                         {"nested", Value(Value::Object{{"x", Value()}})}}))
        .Set("outcomes", Value(Value::Object{{"agree", 2}, {"object", 0}}));
    return c;
  }();
  return context;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view source(reinterpret_cast<const char*>(data), size);
  auto expression = wangban::workflow::Compile(source);
  if (!expression) return 0;
  (void)expression->Variables();
  auto value = expression->Evaluate(FuzzContext());
  if (value) (void)value->ToString();
  (void)expression->EvaluateBool(FuzzContext());
  return 0;
}

#endif  // WANGBAN_FUZZ

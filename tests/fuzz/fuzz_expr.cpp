// libFuzzer target: the expression language (src/expr). Any text is compiled; an expression
// that compiles is evaluated on a few records (text, and `kv` records with named fields), as
// `where` and `set` do. Compiling may only throw SyntaxError; evaluating throws nothing.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "expr/expression.hpp"
#include "expr/lexer.hpp"
#include "gpipe/context.hpp"
#include "test_util.hpp"

namespace {

std::uint64_t evaluate(const gpipe::expr::Expression& expression) {
  gpipe::Context ctx;
  const std::vector<std::string> lines{
      "2024-01-02T03:04:05.678Z ERROR a=1 b=2.5 msg=\"x y\" user=Bob", "",
      "c=-7 a=abc b=1e308 d=9223372036854775808 e=\xff\xfe", "a=0x10 b=-0 c=nan d=inf"};
  gpipe::BuiltStage kv = gpipe::test::build_stage("kv", ctx);
  std::uint64_t sum = 0;
  for (gpipe::Batch& batch : kv.transform(gpipe::test::lines_source(lines, 2))) {
    for (const gpipe::Record& r : batch.records()) {
      const gpipe::expr::Val v = expression.eval(batch, r);
      sum += static_cast<std::uint64_t>(gpipe::expr::truthy(v));
    }
  }
  return sum;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const auto expression = gpipe::expr::Expression::compile(text);
    static volatile std::uint64_t sink;
    sink = sink + evaluate(expression);
  } catch (const gpipe::expr::SyntaxError& e) {
    if (e.offset() > text.size()) __builtin_trap();  // an error must point into the text
  }
  return 0;
}

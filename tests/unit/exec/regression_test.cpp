// Regressions found by the sanitizer build and the fuzzers. Each test names what broke;
// some only fail under the sanitizer build (build-asan in .ci/run), where the bug is a report.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <string_view>

#include "expr/expression.hpp"
#include "output/output.hpp"
#include "test_util.hpp"

namespace gpipe {
namespace {

class StringSink : public ByteSink {
 public:
  void write(std::string_view bytes) override { out.append(bytes); }
  void commit() override {}
  std::string out;
};

// UBSan: "null pointer passed as argument 2" — OutputBuffer::append memcpy'd from an empty
// string_view whose data() is null (an empty field, a default Value). Needs the fix in
// include/gpipe/output.hpp (skip the copy when there is nothing to copy).
TEST(RegressionTest, OutputBufferAppendsAnEmptyViewWithNullData) {
  StringSink sink;
  {
    OutputBuffer buffer(sink);
    buffer.append(std::string_view());
    buffer.append("a");
    buffer.append(std::string_view());
    buffer.flush();
  }
  EXPECT_EQ(sink.out, "a");
}

// ASan heap-use-after-free (found in tests/expr_test.cpp's helper): a string literal's value is a
// view into the compiled expression, so it is valid only while the Expression lives — as it does
// in `where`/`set`, which keep it for the whole run. This pins the rule the stages rely on.
TEST(RegressionTest, LiteralValueIsValidWhileTheExpressionLives) {
  const expr::Expression e = expr::Expression::compile("\"a\\\"b\"");
  Batch batch;
  static const Origin origin{"t"};
  batch.reset(&origin, RecordKind::Line);
  split_lines("x\n", 1, 0, batch.raw_records());
  const expr::Val v = e.eval(batch, batch.records().front());
  EXPECT_EQ(v.text, "a\"b");
}

// Records that stages print with empty fields go through the same empty-view path end to end.
TEST(RegressionTest, CsvWithEmptyFieldsPrintsUnderSanitizers) {
  Context ctx;
  BuiltStage csv = test::build_stage("csv", ctx);
  const auto out = test::collect(csv.transform(test::lines_source({"a,b", ",", "1,"})));
  EXPECT_EQ(out, (std::vector<std::string>{"\t", "1\t"}));
}

// fuzz_language timeout: a grep pattern with a newline after a repetition (`a+` newline `b`)
// made ByteDfa::build (src/search/byte_dfa.cpp) loop for ever while it collected the literal
// prefix: the `a` state has one way out, to itself. Run through the binary with a time limit, so a
// regression fails instead of hanging the suite.
TEST(RegressionTest, GrepPatternWithNewlineAfterRepetitionCompilesAtOnce) {
  const std::string command =
      std::string("timeout 10 ") + GPIPE_BINARY + " 'grep \"a+\nb\"' </dev/null >/dev/null 2>&1";
  const int status = std::system(command.c_str());
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "124 means it timed out";
}

}  // namespace
}  // namespace gpipe

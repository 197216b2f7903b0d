// The output stages `to` and `write`: what they set in the OutputSpec, and their argument errors.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "gpipe/errors.hpp"
#include "gpipe/stage.hpp"

namespace gpipe {
namespace {

// Builds a stage from words separated by single spaces, with each argument's span as in the
// text, without the pipeline parser (arguments here need no quoting).
class StageBuilder {
 public:
  BuiltStage build(const std::string& text) {
    call_ = StageCall{};
    std::size_t start = 0;
    bool first = true;
    while (start <= text.size()) {
      std::size_t end = text.find(' ', start);
      if (end == std::string::npos) end = text.size();
      const std::string word = text.substr(start, end - start);
      const SourceSpan span{start, end - start};
      if (first) {
        call_.name = word;
        call_.name_span = span;
        first = false;
      } else {
        const bool option = word.size() > 1 && word[0] == '-';
        call_.args.push_back(
            Argument{option ? Argument::Kind::Option : Argument::Kind::Word, word, span});
      }
      start = end + 1;
    }
    call_.span = {0, text.size()};
    const StageInfo* info = find_stage(call_.name);
    if (info == nullptr) throw PipelineError("unknown stage", call_.name_span);
    StageArgs args(call_);
    BuiltStage built = info->build(args, ctx_);
    args.finish();
    return built;
  }

  // The OutputSpec after the stage configured it.
  OutputSpec configure(const std::string& text) {
    BuiltStage built = build(text);
    EXPECT_TRUE(built.configure_output);
    EXPECT_FALSE(built.source);
    EXPECT_FALSE(built.transform);
    OutputSpec spec;
    if (built.configure_output) built.configure_output(spec);
    return spec;
  }

  const Context& context() const { return ctx_; }

  // The error building the stage, with its span.
  PipelineError error(const std::string& text) {
    try {
      build(text);
    } catch (const PipelineError& e) {
      return e;
    }
    ADD_FAILURE() << "no error for: " << text;
    return PipelineError("", {});
  }

 private:
  StageCall call_;  // StageArgs refers to it while building
  Context ctx_;
};

TEST(OutputStagesTo, TextSetsFormatAndKeepsTabSeparator) {
  StageBuilder builder;
  const OutputSpec spec = builder.configure("to text");
  EXPECT_EQ(spec.format, OutputFormat::Text);
  EXPECT_EQ(spec.ofs, "\t");
  EXPECT_TRUE(spec.path.empty());
}

TEST(OutputStagesTo, TextWithOfsSetsSeparator) {
  StageBuilder builder;
  EXPECT_EQ(builder.configure("to text --ofs ,").ofs, ",");
  EXPECT_EQ(builder.configure("to text --ofs=::").ofs, "::");
  EXPECT_EQ(builder.configure("to --ofs | text").ofs, "|");
}

TEST(OutputStagesTo, TsvSetsFormat) {
  StageBuilder builder;
  const OutputSpec spec = builder.configure("to tsv");
  EXPECT_EQ(spec.format, OutputFormat::Tsv);
}

TEST(OutputStagesTo, CsvAndJsonlSetFormat) {
  StageBuilder builder;
  EXPECT_EQ(builder.configure("to csv").format, OutputFormat::Csv);
  EXPECT_EQ(builder.configure("to jsonl").format, OutputFormat::Jsonl);
}

// A CSV or TSV row holds every field, so `json` must make them all; JSON lines print a whole
// JSON record's own text and text prints what it gets, so those ask for nothing.
TEST(OutputStagesTo, CsvAndTsvDemandAllFieldsJsonlAndTextDoNot) {
  for (const char* text : {"to csv", "to tsv"}) {
    StageBuilder builder;
    builder.configure(text);
    EXPECT_TRUE(builder.context().demand.all) << text;
  }
  for (const char* text : {"to jsonl", "to text"}) {
    StageBuilder builder;
    builder.configure(text);
    EXPECT_FALSE(builder.context().demand.all) << text;
  }
}

TEST(OutputStagesTo, OfsWithCsvOrJsonlIsAnError) {
  StageBuilder builder;
  EXPECT_STREQ(builder.error("to csv --ofs ;").what(), "--ofs applies only to 'to text'");
  EXPECT_STREQ(builder.error("to jsonl --ofs ;").what(), "--ofs applies only to 'to text'");
}

TEST(OutputStagesTo, UnknownFormatPointsAtIt) {
  StageBuilder builder;
  const PipelineError e = builder.error("to csvv");
  EXPECT_STREQ(e.what(),
               "unknown output format 'csvv' (expected text, tsv, csv, jsonl or json-array)");
  EXPECT_EQ(e.span().offset, 3u);
  EXPECT_EQ(e.span().length, 4u);
}

TEST(OutputStagesTo, OfsWithTsvIsAnError) {
  StageBuilder builder;
  const PipelineError e = builder.error("to tsv --ofs ,");
  EXPECT_STREQ(e.what(), "--ofs applies only to 'to text'");
  EXPECT_GE(e.span().offset, 7u);  // the option or its value, not the format
}

TEST(OutputStagesTo, MissingFormatIsAnError) {
  StageBuilder builder;
  const PipelineError e = builder.error("to");
  EXPECT_NE(std::string(e.what()).find("output format"), std::string::npos) << e.what();
}

TEST(OutputStagesTo, ExtraArgumentIsAnError) {
  StageBuilder builder;
  const PipelineError e = builder.error("to text tsv");
  EXPECT_EQ(e.span().offset, 8u);
}

TEST(OutputStagesWrite, SetsPath) {
  StageBuilder builder;
  const OutputSpec spec = builder.configure("write out/errors.log.zst");
  EXPECT_EQ(spec.path, "out/errors.log.zst");
  EXPECT_FALSE(spec.append);
  EXPECT_EQ(spec.format, OutputFormat::Auto);  // the format is `to`'s business
}

TEST(OutputStagesWrite, AppendFlagBeforeOrAfterPath) {
  StageBuilder builder;
  OutputSpec spec = builder.configure("write all.log --append");
  EXPECT_EQ(spec.path, "all.log");
  EXPECT_TRUE(spec.append);
  spec = builder.configure("write --append all.log");
  EXPECT_EQ(spec.path, "all.log");
  EXPECT_TRUE(spec.append);
}

TEST(OutputStagesWrite, MissingPathIsAnError) {
  StageBuilder builder;
  const PipelineError e = builder.error("write");
  EXPECT_NE(std::string(e.what()).find("PATH"), std::string::npos) << e.what();
}

TEST(OutputStagesWrite, UnknownOptionIsAnError) {
  StageBuilder builder;
  const PipelineError e = builder.error("write x.log --apend");
  EXPECT_EQ(e.span().offset, 12u);
}

TEST(OutputStagesWrite, SecondPathIsAnError) {
  StageBuilder builder;
  const PipelineError e = builder.error("write a.log b.log");
  EXPECT_EQ(e.span().offset, 12u);
}

}  // namespace
}  // namespace gpipe

// What the completion scripts offer after a stage, read from its synopsis.
#include "cli/completion_data.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "cli/options.hpp"

namespace gpipe {
namespace {

using Words = std::vector<std::string_view>;

StageInfo with_synopsis(std::string_view synopsis) {
  return StageInfo{.name = synopsis.substr(0, synopsis.find(' ')),
                   .role = StageRole::Transform,
                   .synopsis = synopsis,
                   .summary = "",
                   .details = "",
                   .build = nullptr};
}

TEST(StageCompletion, OptionsInBracketsAreOffered) {
  const StageCompletion grep = stage_completion(with_synopsis("grep [-v] [-i] [-F] [-w] PATTERN"));
  EXPECT_EQ(grep.options, (Words{"-v", "-i", "-F", "-w"}));
  EXPECT_TRUE(grep.words.empty());
  EXPECT_FALSE(grep.takes_files);
}

TEST(StageCompletion, LowerCaseAlternativesAreWordsToType) {
  const StageCompletion to = stage_completion(with_synopsis("to text|tsv|csv|jsonl [--ofs S]"));
  EXPECT_EQ(to.words, (Words{"text", "tsv", "csv", "jsonl"}));
  EXPECT_EQ(to.options, (Words{"--ofs"}));
  EXPECT_EQ(stage_completion(with_synopsis("count [by F\u2026]")).words, (Words{"by"}));
}

TEST(StageCompletion, PathMeansFileNames) {
  EXPECT_TRUE(stage_completion(with_synopsis("read PATH\u2026")).takes_files);
  EXPECT_TRUE(stage_completion(with_synopsis("write PATH [--append]")).takes_files);
  EXPECT_FALSE(stage_completion(with_synopsis("head N")).takes_files);
}

TEST(StageCompletion, PlaceholdersAndPunctuationOfferNothing) {
  for (std::string_view synopsis : {"seq [FIRST[..[LAST]]]", "kv [--sep =]", "set NAME = EXPR",
                                    "rename OLD=NEW\u2026", "csv [--columns a,b,\u2026]"}) {
    EXPECT_TRUE(stage_completion(with_synopsis(synopsis)).words.empty()) << synopsis;
  }
}

TEST(StageCompletion, EveryStageOfTheTableIsCompleted) {
  const std::vector<StageCompletion> completions = stage_completions();
  ASSERT_EQ(completions.size(), stage_table().size());
  const auto to = std::ranges::find(completions, std::string_view("to"), &StageCompletion::name);
  ASSERT_NE(to, completions.end());
  EXPECT_EQ(to->words, (Words{"text", "tsv", "csv", "jsonl", "json-array"}));
}

TEST(OptionSpellings, EveryOptionOfTheTableIsSpelled) {
  const Words spellings = all_option_spellings();
  for (std::string_view option :
       {"-f", "--file", "--set", "-j", "--on-error", "-e", "--man", "--completions"}) {
    EXPECT_NE(std::ranges::find(spellings, option), spellings.end()) << option;
  }
  const Words with_values = value_option_spellings();
  EXPECT_NE(std::ranges::find(with_values, "--on-error"), with_values.end());
  EXPECT_EQ(std::ranges::find(with_values, "--mmap"), with_values.end());
}

}  // namespace
}  // namespace gpipe

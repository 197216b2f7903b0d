// The examples in `gpipe help STAGE` and the pipelines in the README are real: each one parses
// and plans (stage names, arguments, expressions and regexes are all checked by the planner, which
// reads no input), and each one that can run on the files of sample-data/ is run by the binary and
// must exit 0 and print at least one line. An example that prints nothing on the sample data shows
// the reader nothing: change the example, not this test.
//
// Which lines are examples:
// - help: the last paragraph of a stage's help, every line indented by two spaces (for `where`
//   and `set`, the last paragraph before the shared expression help that ends theirs). In a
//   line such as `zcat x.gz | gpipe 'read - | grep y'` the pipeline is what is quoted after
//   `gpipe`.
// - README: in code blocks (indented by four spaces or more), a line that starts with
//   `gpipe '` or `gpipe -f` (read as the shell would: single quotes and plain words), another
//   line with `gpipe '…'` in it (as in the help), and a line that starts with a stage name (the
//   pipelines of the Expressions section), except one right above a caret line (^~~~), which
//   quotes an error on purpose.
//
// Which are only parsed, not run (the skip rule): a pipeline that reads standard input (it does
// not start with a source, reads `-`, or is fed by a shell pipe), and one that reads a file
// outside sample-data/ (app.log, twitter.json), and one that loads into PostgreSQL (`postgres`
// needs a server: tests/e2e/postgres_load.sh runs one). A README line that needs a ${variable} that
// it does not give with --set, or that uses the shell beyond single quotes ($, ", a pipe or a
// redirection after gpipe's arguments), is not even parsed. Globs are expanded while planning,
// so a glob in any example must match files of sample-data/.
//
// Examples run in a scratch directory that links sample-data/ and pipelines/ from the project
// root, so the paths are those of the project root while a `write` example writes its file
// there, not into the checkout; such an example must write a file that is not empty.
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "cli/help.hpp"
#include "exec/pipeline.hpp"
#include "expr/help_text.hpp"
#include "gpipe/context.hpp"
#include "gpipe/errors.hpp"
#include "gpipe/language.hpp"
#include "gpipe/stage.hpp"

namespace gpipe {
namespace {

namespace fs = std::filesystem;

const fs::path kProjectRoot = GPIPE_SOURCE_DIR;
constexpr std::size_t npos = std::string::npos;

// One example: what the binary is given after `gpipe`, and what the planner is given.
struct Example {
  std::string origin;             // "gpipe help grep", "README.md:18": for failure messages
  std::vector<std::string> args;  // the binary's arguments
  std::string pipeline;           // the pipeline text (a -f file's content)
  std::string file;               // the -f file, or ""
  Variables vars;                 // --set values
  bool fed_by_shell = false;      // standard input comes from a shell pipe before gpipe
};

std::string trim(std::string_view text) {
  const std::size_t begin = text.find_first_not_of(' ');
  if (begin == std::string_view::npos) return {};
  const std::size_t end = text.find_last_not_of(' ');
  return std::string(text.substr(begin, end + 1 - begin));
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The scratch directory the examples run in (see the top of this file), made once and removed
// at exit (remove_all removes the links, not what they point to).
class ScratchDir {
 public:
  ScratchDir() {
    std::string pattern = (fs::temp_directory_path() / "gpipe-help-examples-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
    fs::create_directory_symlink(kProjectRoot / "sample-data", path_ / "sample-data");
    fs::create_directory_symlink(kProjectRoot / "pipelines", path_ / "pipelines");
  }
  ~ScratchDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

const fs::path& scratch_dir() {
  static const ScratchDir dir;
  return dir.path();
}

// Plans relative paths (globs are expanded while planning) from the scratch directory.
class InScratchDir {
 public:
  InScratchDir() : before_(fs::current_path()) { fs::current_path(scratch_dir()); }
  ~InScratchDir() { fs::current_path(before_); }
  InScratchDir(const InScratchDir&) = delete;
  InScratchDir& operator=(const InScratchDir&) = delete;

 private:
  fs::path before_;
};

// Parses and plans the example; on failure reports the error as the user would see it.
std::optional<std::vector<StageCall>> plan(const Example& example) {
  const InScratchDir in_scratch;
  try {
    std::vector<StageCall> calls = parse_pipeline(example.pipeline, example.vars);
    Context ctx;
    ctx.options.threads = 1;  // planning only: no threads to start
    plan_pipeline(calls, ctx);
    return calls;
  } catch (const PipelineError& e) {
    ADD_FAILURE() << example.origin << ": does not parse:\n"
                  << format_pipeline_error(e, PipelineSource{example.pipeline, example.file});
  } catch (const std::exception& e) {
    ADD_FAILURE() << example.origin << ": cannot be planned: " << e.what() << "\n  "
                  << example.pipeline;
  }
  return std::nullopt;
}

bool under_sample_data(const std::string& path) {
  return path.starts_with("sample-data/");
}

// True when the example reads only files of sample-data/, or nothing (seq).
bool runs_on_sample_data(const Example& example, const std::vector<StageCall>& calls) {
  if (example.fed_by_shell) return false;
  if (calls.back().name == "postgres") return false;
  const StageCall& first = calls.front();
  const StageInfo* info = find_stage(first.name);
  if (info == nullptr || info->role != StageRole::Source) return false;  // standard input
  if (first.name != "read" && first.name != "chunks") return true;
  const std::size_t first_path = first.name == "chunks" ? 1 : 0;  // chunks SIZE PATH…
  for (std::size_t i = first_path; i < first.args.size(); ++i) {
    if (!under_sample_data(first.args[i].text)) return false;
  }
  return true;
}

std::string shell_quote(const std::string& word) {
  std::string out = "'";
  for (const char c : word) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

// The file a `write PATH` (or `sqlite PATH TABLE`, a database) at the end of the pipeline
// writes, or "".
std::string written_file(const std::vector<StageCall>& calls) {
  const StageCall& last = calls.back();
  if (last.name != "write" && last.name != "sqlite") return {};
  for (const Argument& arg : last.args) {
    // `write -` is standard output: the example must then print a line, as others do.
    if (arg.kind != Argument::Kind::Option) return arg.text == "-" ? std::string() : arg.text;
  }
  return {};
}

// Runs the binary on the example in the scratch directory: it must exit 0 and print a line, or,
// when it ends in `write` or `sqlite`, write a file that is not empty.
void run(const Example& example, const std::vector<StageCall>& calls) {
  const std::string written = written_file(calls);
  if (!written.empty() && (fs::path(written).is_absolute() || written.find("..") != npos)) {
    ADD_FAILURE() << example.origin << ": a write example must write a relative path: " << written;
    return;
  }
  std::string command =
      "cd " + shell_quote(scratch_dir().string()) + " && timeout 60 " + shell_quote(GPIPE_BINARY);
  for (const std::string& arg : example.args) {
    command += ' ';
    command += shell_quote(arg);
  }
  command += " </dev/null";
  std::FILE* pipe = ::popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr) << command;
  std::string out;
  char buffer[4096];
  for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) out.append(buffer, n);
  const int status = ::pclose(pipe);
  std::string shown = "gpipe";
  for (const std::string& arg : example.args) {
    shown += ' ';
    shown += arg;
  }
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
      << example.origin << ": exits with status " << status << ": " << shown;
  if (written.empty()) {
    EXPECT_FALSE(out.empty()) << example.origin << ": prints nothing on the sample data: " << shown;
    return;
  }
  const fs::path file = scratch_dir() / written;
  std::error_code error;
  EXPECT_GT(fs::file_size(file, error), 0U)
      << example.origin << ": writes nothing to " << written << ": " << shown;
  fs::remove(file, error);
}

// Checks one example; returns true when it was run (not only parsed).
bool check(const Example& example) {
  const std::optional<std::vector<StageCall>> calls = plan(example);
  if (!calls || calls->empty()) return false;
  if (!runs_on_sample_data(example, *calls)) return false;
  run(example, *calls);
  return true;
}

// An example line: a pipeline, or a shell line with `gpipe '…'` in it.
Example line_example(const std::string& origin, const std::string& line) {
  Example example;
  example.origin = origin + ": " + line;
  const std::size_t gpipe = line.find("gpipe '");
  if (gpipe == npos) {
    example.pipeline = line;
  } else {
    const std::size_t begin = gpipe + 7;
    const std::size_t end = line.rfind('\'');
    example.pipeline = line.substr(begin, end > begin ? end - begin : 0);
    example.fed_by_shell = line.find('|') < gpipe;
  }
  example.args = {example.pipeline};
  return example;
}

// The examples at the end of a stage's help (see the top of this file).
std::vector<std::string> help_examples(const std::string& stage) {
  std::string text = help_for_stage(stage);
  // The help ends with what the stage's memory grows with, after its details.
  const std::size_t memory = text.rfind("\n\nMemory: ");
  EXPECT_NE(memory, npos) << "gpipe help " << stage << " does not say what its memory grows with";
  if (memory != npos) text.resize(memory + 1);
  const std::string expression_help = std::string(GPIPE_EXPRESSION_HELP) + "\n";
  if (text.ends_with(expression_help)) text.resize(text.size() - expression_help.size());
  while (!text.empty() && text.back() == '\n') text.pop_back();
  const std::size_t paragraph = text.rfind("\n\n");
  const std::vector<std::string> lines =
      split_lines(paragraph == npos ? std::string() : text.substr(paragraph + 2));
  std::vector<std::string> examples;
  for (const std::string& line : lines) {
    if (!line.starts_with("  ") || line.starts_with("   ")) {
      ADD_FAILURE() << "gpipe help " << stage
                    << " must end with its examples, each indented by two spaces: " << line;
      continue;
    }
    examples.push_back(line.substr(2));
  }
  return examples;
}

// Splits a shell line into words as sh would for single quotes and plain words; nullopt when it
// uses anything else ($, double quotes, backslashes, backquotes).
std::optional<std::vector<std::string>> shell_words(std::string_view line) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (c == '\'') {
      const std::size_t close = line.find('\'', i + 1);
      if (close == npos) return std::nullopt;
      word.append(line.substr(i + 1, close - i - 1));
      in_word = true;
      i = close;
    } else if (c == ' ' || c == '\t') {
      if (in_word) words.push_back(word);
      word.clear();
      in_word = false;
    } else if (c == '$' || c == '"' || c == '\\' || c == '`') {
      return std::nullopt;
    } else {
      word += c;
      in_word = true;
    }
  }
  if (in_word) words.push_back(word);
  return words;
}

bool is_shell_operator(const std::string& word) {
  return word == "|" || word == ">" || word == ">>" || word == "<" || word == ";" || word == "&&" ||
         word == "||" || word == "&";
}

// True when the text uses a ${name} that `vars` does not give.
bool needs_a_variable(const std::string& text, const Variables& vars) {
  for (std::size_t at = text.find("${"); at != npos; at = text.find("${", at + 2)) {
    if (at > 0 && text[at - 1] == '$') continue;  // $${ is a literal ${
    const std::size_t close = text.find('}', at);
    if (close == npos || !vars.contains(text.substr(at + 2, close - at - 2))) return true;
  }
  return false;
}

// A README line `gpipe …`: nullopt when the rule at the top of this file skips it.
std::optional<Example> readme_gpipe_line(const std::string& origin, const std::string& line) {
  std::optional<std::vector<std::string>> words = shell_words(line);
  if (!words || words->empty() || words->front() != "gpipe") return std::nullopt;
  Example example;
  example.origin = origin + ": " + line;
  for (std::size_t i = 1; i < words->size(); ++i) {
    const std::string& word = (*words)[i];
    if (is_shell_operator(word)) return std::nullopt;
    example.args.push_back(word);
  }
  static const std::vector<std::string> kWithValue = {"--max-line", "--on-error", "-j", "--threads",
                                                      "--max-error-rate"};
  for (std::size_t i = 0; i < example.args.size(); ++i) {
    const std::string& arg = example.args[i];
    const bool has_next = i + 1 < example.args.size();
    if ((arg == "-f" || arg == "--file") && has_next) {
      example.file = example.args[++i];
      example.pipeline = read_text(kProjectRoot / example.file);
    } else if (arg == "--set" && has_next) {
      const std::string& set = example.args[++i];
      const std::size_t eq = set.find('=');
      if (eq != npos) example.vars[set.substr(0, eq)] = set.substr(eq + 1);
    } else if (std::find(kWithValue.begin(), kWithValue.end(), arg) != kWithValue.end()) {
      ++i;
    } else if (!arg.starts_with('-')) {
      example.pipeline = arg;
    }
  }
  if (needs_a_variable(example.pipeline, example.vars)) return std::nullopt;
  return example;
}

bool starts_with_stage_name(const std::string& line) {
  const std::size_t end = line.find(' ');
  return find_stage(line.substr(0, end)) != nullptr;
}

// The README's examples (see the top of this file).
std::vector<Example> readme_examples(const std::string& readme) {
  const std::vector<std::string> lines = split_lines(readme);
  std::vector<Example> examples;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (!lines[i].starts_with("    ")) continue;
    const std::string line = trim(lines[i]);
    const std::string origin = "README.md:" + std::to_string(i + 1);
    if (line.starts_with("gpipe '") || line.starts_with("gpipe -f")) {
      if (std::optional<Example> example = readme_gpipe_line(origin, line)) {
        examples.push_back(std::move(*example));
      }
    } else if (line.find("gpipe '") != npos) {
      examples.push_back(line_example(origin, line));
    } else if (starts_with_stage_name(line)) {
      if (i + 1 < lines.size() && trim(lines[i + 1]).starts_with('^')) continue;
      examples.push_back(line_example(origin, line));
    }
  }
  return examples;
}

TEST(HelpExamples, EveryStageHasExamplesThatParseAndRunOnTheSampleData) {
  std::size_t ran = 0;
  std::size_t parsed_only = 0;
  for (const StageInfo& stage : stage_table()) {
    const std::string name(stage.name);
    const std::vector<std::string> lines = help_examples(name);
    EXPECT_FALSE(lines.empty()) << "gpipe help " << name << " has no examples";
    for (const std::string& line : lines) {
      (check(line_example("gpipe help " + name, line)) ? ran : parsed_only) += 1;
    }
  }
  std::cout << "help examples: " << ran << " run on the sample data, " << parsed_only
            << " parsed only\n";
  // Most examples read sample-data/; a rule that ran none would pass on anything.
  EXPECT_GE(ran, 30U);
}

TEST(ReadmeExamples, PipelinesInCodeBlocksParseAndRunOnTheSampleData) {
  const std::vector<Example> examples = readme_examples(read_text(kProjectRoot / "README.md"));
  std::size_t ran = 0;
  for (const Example& example : examples) ran += check(example) ? 1 : 0;
  std::cout << "README examples: " << ran << " run on the sample data, " << examples.size() - ran
            << " parsed only\n";
  EXPECT_GE(ran, 6U);  // the two of the introduction and the five of Expressions, at least
}

// The checks above must be able to fail: an example that does not parse, one that prints nothing
// on the sample data, and a help that does not end with examples are each reported.
void check_help_line(const char* line) {
  check(line_example("test", line));
}

TEST(HelpExamples, BadExamplesAreReported) {
  EXPECT_NONFATAL_FAILURE(check_help_line("read sample-data/access.log | gerp x"),
                          "unknown stage 'gerp'");
  EXPECT_NONFATAL_FAILURE(check_help_line("read sample-data/access.log | grep -F 'no such text'"),
                          "prints nothing on the sample data");
  EXPECT_NONFATAL_FAILURE(check_help_line("read sample-data/app*.log.bz2 | head 1"),
                          "cannot be planned");
  EXPECT_NONFATAL_FAILURE(check_help_line("read sample-data/access.log | where $8 > "),
                          "does not parse");
  // Standard input and files outside sample-data/ are only parsed.
  EXPECT_FALSE(check(line_example("test", "read app.log | grep x")));
  EXPECT_FALSE(check(line_example("test", "json | field a")));
  EXPECT_FALSE(check(line_example("test", "cat x | gpipe 'read - | grep y'")));
  EXPECT_TRUE(check(line_example("test", "seq | head 1")));
}

TEST(ReadmeExamples, TheRuleFindsAndSkipsTheRightLines) {
  const std::vector<Example> examples = readme_examples(
      "text\n"
      "    gpipe 'read sample-data/access.log | head 1'\n"
      "    gpipe -f pipelines/errors.gp\n"
      "    gpipe -f pipelines/slow-requests.gp --set logs='sample-data/app-*.log*'\n"
      "    gpipe -f pipelines/slow-requests.gp\n"         // needs ${logs}: skipped
      "    gpipe 'read sample-data/access.log' | head\n"  // a shell pipe: skipped
      "    gpipe \"read $f\"\n"                           // the shell's $: skipped
      "    tail -f x.log | gpipe 'grep x'\n"              // fed by the shell: parsed only
      "      read app.log | gerp ERROR\n"                 // an error quoted on purpose
      "                     ^~~~\n"
      "    read sample-data/users.csv | csv | head 1\n"
      "read sample-data/users.csv | head 1\n");  // not in a code block
  std::vector<std::string> pipelines;
  for (const Example& example : examples) pipelines.push_back(example.pipeline);
  ASSERT_EQ(pipelines.size(), 5U);
  EXPECT_EQ(pipelines[0], "read sample-data/access.log | head 1");
  EXPECT_EQ(examples[1].file, "pipelines/errors.gp");
  EXPECT_EQ(examples[1].args, (std::vector<std::string>{"-f", "pipelines/errors.gp"}));
  EXPECT_EQ(examples[2].vars.at("logs"), "sample-data/app-*.log*");
  EXPECT_EQ(pipelines[3], "grep x");
  EXPECT_TRUE(examples[3].fed_by_shell);
  EXPECT_EQ(pipelines[4], "read sample-data/users.csv | csv | head 1");
}

}  // namespace
}  // namespace gpipe

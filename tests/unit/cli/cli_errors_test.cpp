#include "cli/cli_errors.hpp"

#include <gtest/gtest.h>

#include <CLI/CLI.hpp>
#include <vector>

#include "cli/options.hpp"

namespace gpipe {
namespace {

// The message gpipe gives for the command line `args`, or "" when it parses.
std::string error_for(std::vector<const char*> args) {
  CliOptions options;
  CLI::App app{"test", "gpipe"};
  app.add_option("pipeline", options.positionals, "the pipeline");
  add_options(app, options);
  std::vector<const char*> argv{"gpipe"};
  argv.insert(argv.end(), args.begin(), args.end());
  try {
    app.parse(static_cast<int>(argv.size()), const_cast<char**>(argv.data()));
  } catch (const CLI::ParseError& e) {
    return command_line_error(e, args);
  }
  return "";
}

TEST(CliErrors, UnknownOptionSuggestsTheNearest) {
  EXPECT_EQ(error_for({"--verbos", "read x"}),
            "unknown option '--verbos' (did you mean '--verbose'?)");
  EXPECT_EQ(error_for({"--thread", "2", "read x"}),
            "unknown option '--thread' (did you mean '--threads'?)");
  EXPECT_EQ(error_for({"--on-eror=skip", "read x"}),
            "unknown option '--on-eror=skip' (did you mean '--on-error'?)");
}

TEST(CliErrors, UnknownOptionWithoutANearOne) {
  EXPECT_EQ(error_for({"--zzzzzz", "read x"}),
            "unknown option '--zzzzzz' (gpipe --help lists the options)");
  EXPECT_EQ(error_for({"-Z", "read x"}), "unknown option '-Z' (gpipe --help lists the options)");
}

TEST(CliErrors, TheFirstUnknownOptionInOrder) {
  EXPECT_EQ(error_for({"--aaaaaa", "--bbbbbb", "read x"}),
            "unknown option '--aaaaaa' (gpipe --help lists the options)");
}

TEST(CliErrors, MissingValue) {
  EXPECT_EQ(error_for({"-j"}), "option '-j/--threads' needs a value (N)");
  EXPECT_EQ(error_for({"read x", "--file"}), "option '-f/--file' needs a value (FILE)");
}

TEST(CliErrors, NotANumber) {
  EXPECT_EQ(error_for({"-j", "x", "read x"}), "option '-j/--threads' expects a number, got 'x'");
}

TEST(CliErrors, NoMessageOfCli11Shows) {
  for (const std::vector<const char*>& args :
       {std::vector<const char*>{"--x"}, {"-j"}, {"-j", "two"}, {"--set"}, {"--max-line"}}) {
    const std::string message = error_for(args);
    EXPECT_FALSE(message.empty());
    EXPECT_EQ(message.find("Run with"), std::string::npos) << message;
    EXPECT_EQ(message.find("The following"), std::string::npos) << message;
    EXPECT_EQ(message.find("required"), std::string::npos) << message;
  }
}

TEST(CliErrors, ClosestOption) {
  EXPECT_EQ(closest_option("--verbse"), "--verbose");
  EXPECT_EQ(closest_option("--mma"), "--mmap");
  EXPECT_EQ(closest_option("--x"), "");
}

}  // namespace
}  // namespace gpipe

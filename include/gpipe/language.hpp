// The pipeline language (docs/spec.md §2): lexing and parsing into stage calls.
//
//   pipeline := stage ( '|' stage )*
//   stage    := NAME argument*
//
// Arguments are words, numbers, quoted strings ('…' or "…" with \" \\ \n \t) and options (-i,
// --sep=, , --sep ,). `#` starts a comment to the end of the line; newlines are white space.
// `${name}` is replaced by a --set value or else an environment variable, everywhere (quoted or
// not, since pipelines are usually inside shell single quotes already); `$${` is a literal `${`.
// The substituted text is literal: it never splits stages or words. Positions always refer to the
// text as the user wrote it, so carets point at what they typed.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "gpipe/errors.hpp"

namespace gpipe {

struct Argument {
  enum class Kind { Word, Number, String, Option };
  Kind kind = Kind::Word;
  std::string text;      // after unquoting, unescaping and substitution
  SourceSpan span;       // in the pipeline source as written
  std::string raw = {};  // as written, quotes and escapes kept, ${…} substituted (expressions)
};

struct StageCall {
  std::string name;
  SourceSpan name_span;
  std::vector<Argument> args;
  SourceSpan span;  // the whole stage
};

// The pipeline text plus where it came from, for error messages.
struct PipelineSource {
  std::string text;
  std::string file;  // "" for a pipeline given on the command line
};

using Variables = std::map<std::string, std::string, std::less<>>;

// Parses the pipeline text. Throws PipelineError (with a span) on a syntax error or an unset
// ${variable}. `vars` are the --set values; the environment is consulted after them.
std::vector<StageCall> parse_pipeline(std::string_view text, const Variables& vars);

// Formats a PipelineError for the terminal:
//   gpipe: error: unknown stage 'gerp' (did you mean 'grep'?)
//     read app.log | gerp ERROR
//                    ^~~~
// For a pipeline file the location line reads "  --> FILE:LINE:COL".
std::string format_pipeline_error(const PipelineError& error, const PipelineSource& source);

// Levenshtein distance, for "did you mean".
std::size_t edit_distance(std::string_view a, std::string_view b);

}  // namespace gpipe

// A compiled expression (docs/spec.md §4), as `where` and `set` use it: compiled once from the
// stage's argument words, evaluated per record without allocating (strings that functions make go
// into the batch's arena).
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "expr/ast.hpp"
#include "expr/value.hpp"
#include "gpipe/context.hpp"
#include "gpipe/language.hpp"
#include "gpipe/record.hpp"
#include "gpipe/stage.hpp"

namespace gpipe::expr {

// The expression text of a stage's argument words, and where each part of it came from, so an
// error inside the text can point into the pipeline. Quoted words become string literals;
// a lone quoted word (`where 'a > 1 and b == "x"'`) is the expression itself when
// `lone_quoted_is_code` is set.
struct ExpressionSource {
  struct Piece {
    std::size_t begin = 0;  // in text
    std::size_t size = 0;
    SourceSpan span;     // of the argument in the pipeline
    bool exact = false;  // text maps one to one onto the span
  };
  std::string text;
  std::vector<Piece> pieces;

  static ExpressionSource from_words(std::span<const Argument> words, bool lone_quoted_is_code);
  // The pipeline span of [offset, offset+length) of the text.
  SourceSpan map(std::size_t offset, std::size_t length) const;
};

class Expression {
 public:
  // Compiles expression text. Throws SyntaxError (offsets into `text`).
  static Expression compile(std::string_view text);

  // Compiles an expression written as a stage's argument words (see ExpressionSource), asking
  // `demand` for every named field it refers to, and for all of them when it reads a position
  // (so that `json | where $1 > 6` sees every top-level key, in document order). Throws
  // PipelineError pointing into the pipeline.
  static Expression compile(const ExpressionSource& source, FieldDemand& demand);

  Val eval(Batch& batch, const Record& record) const;
  bool test(Batch& batch, const Record& record) const { return truthy(eval(batch, record)); }

  // Every named field the expression reads (FieldRef::name()).
  std::vector<std::string> field_names() const;
  // Whether it reads a positional field ($0, $1, $-1), which needs every field of a record.
  bool reads_positions() const;
  // Every field reference in it, as written (names, positions, _line…): what it looks up.
  std::vector<FieldRef> fields_read() const;

 private:
  std::shared_ptr<const Node> root_;
};

// The arguments of `where` / `set` as expression words, in order. Words that look like options
// (`-x`, as in `where -x > 1`) are expression text too; they are consumed here so StageArgs
// does not report them. A first `--` is dropped, as StageArgs drops it.
std::vector<Argument> take_expression_words(StageArgs& args);

}  // namespace gpipe::expr

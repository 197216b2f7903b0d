// The plain text of the stage table and the option table, cut into the pieces that the man page,
// the Markdown reference and the completion scripts print in their own syntax.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "gpipe/stage.hpp"

namespace gpipe {

// The parts joined into one string. (Appending sidesteps a false -Wrestrict warning of GCC 12 on
// "literal" + std::string.)
template <typename... Parts>
std::string concat(const Parts&... parts) {
  std::string out;
  (out.append(std::string_view(parts)), ...);
  return out;
}

// The parts of `text` between the separators, empty parts left out.
std::vector<std::string_view> split_on(std::string_view text, char separator);

// One paragraph of help text. The help texts fill their prose to a width and indent what must
// keep its lines: examples, option lists, tables. So a paragraph with an indented line keeps its
// lines as they are (preformatted), and any other is prose that a man page or Markdown may
// refill.
struct TextBlock {
  bool preformatted = false;
  std::vector<std::string_view> lines;
};

// The paragraphs of `text`, which are separated by blank lines.
std::vector<TextBlock> text_blocks(std::string_view text);

// A stage's details without the expression-language help that `where` and `set` end with:
// a whole document prints that once, in a section of its own.
std::string_view details_without_expression_help(const StageInfo& stage);
bool ends_with_expression_help(const StageInfo& stage);

// The roles in the order `gpipe help` lists them, and the heading of each.
std::span<const StageRole> stage_roles();
std::string_view role_heading(StageRole role);

// The plain-text help of the expression language (src/expr/help_text.hpp).
std::string_view expression_help();

}  // namespace gpipe

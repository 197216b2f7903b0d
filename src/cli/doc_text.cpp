#include "cli/doc_text.hpp"

#include <array>

#include "expr/help_text.hpp"

namespace gpipe {

std::vector<std::string_view> split_on(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  while (!text.empty()) {
    const std::size_t end = text.find(separator);
    const std::string_view part = text.substr(0, end);
    if (!part.empty()) parts.push_back(part);
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return parts;
}

std::vector<TextBlock> text_blocks(std::string_view text) {
  std::vector<TextBlock> blocks;
  TextBlock current;
  auto finish = [&] {
    if (!current.lines.empty()) blocks.push_back(std::move(current));
    current = {};
  };
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    const std::string_view line = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    if (line.find_first_not_of(' ') == std::string_view::npos) {
      finish();
      continue;
    }
    if (line.front() == ' ') current.preformatted = true;
    current.lines.push_back(line);
  }
  finish();
  return blocks;
}

std::string_view expression_help() {
  return GPIPE_EXPRESSION_HELP;
}

bool ends_with_expression_help(const StageInfo& stage) {
  return stage.details.ends_with(expression_help());
}

std::string_view details_without_expression_help(const StageInfo& stage) {
  std::string_view details = stage.details;
  if (!ends_with_expression_help(stage)) return details;
  details.remove_suffix(expression_help().size());
  while (details.ends_with('\n')) details.remove_suffix(1);
  return details;
}

std::span<const StageRole> stage_roles() {
  static constexpr std::array kRoles = {StageRole::Source, StageRole::Transform, StageRole::Format,
                                        StageRole::Sink};
  return kRoles;
}

std::string_view role_heading(StageRole role) {
  switch (role) {
    case StageRole::Source:
      return "Sources";
    case StageRole::Transform:
      return "Filters and transforms";
    case StageRole::Format:
      return "Output format";
    case StageRole::Sink:
      return "Sinks (the default sink is standard output)";
  }
  return "";
}

}  // namespace gpipe

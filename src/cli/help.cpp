#include "cli/help.hpp"

#include <algorithm>

#include "cli/doc_text.hpp"
#include "gpipe/stage.hpp"

namespace gpipe {

std::string help_overview() {
  std::string out =
      "usage: gpipe [options] 'PIPELINE'\n"
      "       gpipe [options] -f FILE.gp [--set name=value]...\n"
      "       gpipe help [STAGE | --man | --markdown | --completions SHELL]\n\n"
      "A pipeline is stages separated by '|': gpipe 'read app*.log | grep ERROR | field 0'\n"
      "A pipeline that does not start with a source reads standard input.\n";
  std::size_t width = 0;
  for (const StageInfo& s : stage_table()) width = std::max(width, s.name.size());
  for (StageRole role : stage_roles()) {
    out += "\n";
    out += role_heading(role);
    out += ":\n";
    for (const StageInfo& s : stage_table()) {
      if (s.role != role) continue;
      out += "  ";
      out += s.name;
      out.append(width + 2 - s.name.size(), ' ');
      out += s.summary;
      out += "\n";
    }
  }
  out +=
      "\n'gpipe help STAGE' describes one stage; 'gpipe --help' lists the options.\n"
      "'gpipe help --man' prints the manual page (read it with 'gpipe help --man | man -l -'),\n"
      "'gpipe help --markdown' the stage reference as Markdown, and\n"
      "'gpipe help --completions bash|zsh|fish' a completion script for that shell.\n";
  return out;
}

std::string help_for_stage(std::string_view name) {
  const StageInfo* s = find_stage(name);
  if (s == nullptr) return {};
  std::string out = "usage: ";
  out += s->synopsis;
  out += "\n\n";
  out += s->summary;
  out += "\n";
  if (!s->details.empty()) {
    out += "\n";
    out += s->details;
    if (s->details.back() != '\n') out += "\n";
  }
  out += "\n";
  out += memory_sentence(*s);
  out += "\n";
  return out;
}

}  // namespace gpipe

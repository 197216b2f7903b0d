#include "cli/completions.hpp"

namespace gpipe {

std::string completion_script(std::string_view shell) {
  if (shell == "bash") return bash_completion_script();
  if (shell == "zsh") return zsh_completion_script();
  if (shell == "fish") return fish_completion_script();
  return {};
}

}  // namespace gpipe

// What to suggest for a stage name that is not in the table: the stage another tool's verb
// maps to (`cut` is `field` here), a stage whose name the word starts with (`sumx`: `sum`), or
// the nearest spelling. One place, so the planner and `gpipe help WORD` say the same.
#pragma once

#include <string>
#include <string_view>

namespace gpipe {

// The hint for an unknown stage `name`, to put in parentheses after "unknown stage 'NAME'":
// "did you mean 'grep'?", "Miller's stats1 is 'stats' here", or "gpipe help lists the stages".
std::string unknown_stage_hint(std::string_view name);

// The stage name suggested for `name` (a verb of another tool, a prefix, a near spelling), or
// "" when none is close.
std::string suggested_stage(std::string_view name);

// The hint for an option a stage does not have when it is another tool's idiom for a gpipe
// stage (`uniq -c`, `grep -c`, `sort -u`): "for counts, use '… | count'", or "".
std::string other_tool_option_hint(std::string_view stage, std::string_view option);

}  // namespace gpipe

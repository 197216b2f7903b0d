// `gpipe help [STAGE]`, printed from the stage table.
#pragma once

#include <string>
#include <string_view>

namespace gpipe {

std::string help_overview();
// Empty when there is no such stage.
std::string help_for_stage(std::string_view name);

}  // namespace gpipe

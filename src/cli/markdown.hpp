// `gpipe help --markdown`: the stage reference as Markdown, committed as docs/stages.md (a test
// keeps the two equal).
#pragma once

#include <string>

namespace gpipe {

std::string stage_reference_markdown();

}  // namespace gpipe

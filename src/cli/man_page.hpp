// `gpipe help --man`: the manual page, gpipe(1), in roff, with every stage of the stage table and
// every option of the option table, so the installed page says what the binary does.
#pragma once

#include <string>

namespace gpipe {

std::string man_page();

}  // namespace gpipe

// Temporary output files that must not outlive a killed gpipe. `write` makes its file under a
// temporary name and renames it on success; if SIGINT, SIGTERM or SIGHUP ends the run first, the
// handler installed here removes every temporary file still registered, then dies of the same
// signal (so the shell sees the usual status, 130 for Ctrl-C).
#pragma once

#include <string>

namespace gpipe {

// Installs the signal handlers. Called once by the CLI before the pipeline runs.
void install_temp_file_cleanup();

// Registers / unregisters a temporary file. At most kMaxTempFiles are tracked at once (gpipe
// writes one or two); beyond that a file is not removed on a signal, which the caller cannot
// change, so registration never fails.
void register_temp_file(const std::string& path);
void unregister_temp_file(const std::string& path);

}  // namespace gpipe

// The command line (docs/spec.md §5). main() only calls this; every error becomes an exit code
// here, once.
#pragma once

namespace gpipe {

int run_cli(int argc, char** argv);

}  // namespace gpipe

#include "cli/cli.hpp"

int main(int argc, char** argv) {
  return gpipe::run_cli(argc, argv);
}

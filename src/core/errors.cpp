#include "gpipe/errors.hpp"

#include <cstring>

namespace gpipe {

std::string errno_message(const std::string& what, const std::string& path, int err) {
  return what + " '" + path + "': " + std::strerror(err);
}

std::string shrank_message(const std::string& name) {
  return "'" + name + "' shrank while it was being read";
}

}  // namespace gpipe

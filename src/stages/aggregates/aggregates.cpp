#include "stages/aggregates/aggregates.hpp"

#include <stdexcept>

namespace gpipe::stages {

std::vector<FieldRef> group_by_arguments(StageArgs& args, Context& ctx) {
  std::vector<Argument> rest = args.rest();
  if (rest.empty()) return {};
  if (rest.front().text != "by") args.fail(rest.front(), "expected 'by F…'");
  if (rest.size() == 1) args.fail(rest.front(), "'by' needs at least one field");
  std::vector<FieldRef> by;
  for (std::size_t i = 1; i < rest.size(); ++i) {
    try {
      by.push_back(FieldRef::parse(rest[i].text));
    } catch (const std::invalid_argument& e) {
      args.fail(rest[i], e.what());
    }
    ctx.demand.need(by.back());
  }
  return by;
}

}  // namespace gpipe::stages

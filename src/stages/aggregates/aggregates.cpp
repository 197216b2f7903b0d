#include "stages/aggregates/aggregates.hpp"

#include <span>
#include <stdexcept>

namespace gpipe::stages {

std::vector<FieldRef> group_by_arguments(StageArgs& args, Context& ctx) {
  std::vector<Argument> rest = args.rest();
  if (rest.empty()) return {};
  if (rest.front().text != "by") args.fail(rest.front(), "expected 'by F…'");
  if (rest.size() == 1) args.fail(rest.front(), "'by' needs at least one field");
  return args.needed_fields(std::span(rest).subspan(1), ctx.demand);
}

}  // namespace gpipe::stages

namespace gpipe {

void PartialAggregate::add_partial_line(std::string_view /*line*/) {
  throw std::invalid_argument("this aggregate has no partial states");
}

}  // namespace gpipe

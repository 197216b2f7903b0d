// `select F… [--sep S]`: another name for `field` (the name SQL and Miller users reach for).
#include "stages/stages.hpp"
#include "stages/transforms.hpp"

namespace gpipe::stages {

namespace {
BuiltStage build(StageArgs& args, Context&) {
  return build_field_selection(args);
}
}  // namespace

const StageInfo kSelect{
    .name = "select",
    .role = StageRole::Transform,
    .synopsis = "select F… [--sep S]",
    .summary = "the same as field",
    .details = kFieldDetails,
    .build = build,
};

}  // namespace gpipe::stages

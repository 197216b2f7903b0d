// `select F… [--sep S]`: `field` keeping field names, so JSON and CSV output keep their shape.
#include "stages/filters/transforms.hpp"
#include "stages/stages.hpp"

namespace gpipe::stages {

namespace {
BuiltStage build(StageArgs& args, Context& ctx) {
  return build_field_selection(args, ctx, SelectionOutput::Named);
}
}  // namespace

const StageInfo kSelect{
    .name = "select",
    .role = StageRole::Transform,
    .synopsis = "select F… [--sep S]",
    .summary = "keeps only the listed fields, with their names",
    .details = kFieldDetails,
    .build = build,
    .parallel = true,
};

}  // namespace gpipe::stages

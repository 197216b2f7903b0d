// `where EXPR`: keeps records for which the expression is true.
#include "expr/expression.hpp"
#include "expr/help_text.hpp"
#include "gpipe/stage_helpers.hpp"
#include "stages/stages.hpp"

namespace gpipe::stages {

namespace {

BuiltStage build(StageArgs& args, Context& ctx) {
  const std::vector<Argument> words = expr::take_expression_words(args);
  if (words.empty()) args.fail("missing expression: where EXPR");
  const auto source = expr::ExpressionSource::from_words(words, /*lone_quoted_is_code=*/true);
  const expr::Expression expression = expr::Expression::compile(source, ctx.demand);
  BuiltStage built;
  built.record_use = RecordUse{expression.fields_read(), /*passes_records_on=*/true};
  built.transform = [expression](BatchStream in) {
    return filter_records(std::move(in), [expression](Batch& batch, const Record& record) {
      return expression.test(batch, record);
    });
  };
  return built;
}

}  // namespace

const StageInfo kWhere{
    .name = "where",
    .role = StageRole::Transform,
    .synopsis = "where EXPR",
    .summary = "keeps records for which the expression is true",
    .details =
        "Keeps the records for which EXPR is true, as awk's pattern or jq's select would.\n"
        "See the expression language below (also under `gpipe help set`).\n"
        "\n"
        "  read sample-data/access.log | where $8 >= 500 | field 0 8\n"
        "  read sample-data/tweets.jsonl | json | where retweet_count > 20 and lang == \"en\"\n"
        "  read sample-data/tweets.jsonl | json | where 'lang =~ \"^e\" or len(entities.hashtags) "
        "> 1'\n"
        "  read sample-data/users.csv | csv | where email =~ \"^(Mia|Noah)\\\\.\" and notes != "
        "\"n/a\"\n"
        "\n" GPIPE_EXPRESSION_HELP,
    .build = build,
    .parallel = true,
};

}  // namespace gpipe::stages

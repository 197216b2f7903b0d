// libFuzzer target: the pipeline language. Any text is parsed (parse_pipeline) and, when it
// parses, planned (plan_pipeline: stage lookup, argument checking, expressions, regexes). Both
// may only throw PipelineError or IoError (a glob matching nothing); nothing is run.
#include <sys/stat.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "gpipe/context.hpp"
#include "gpipe/errors.hpp"
#include "gpipe/language.hpp"
#include "exec/pipeline.hpp"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // Globs in `read` arguments are expanded while planning: keep them in an empty folder.
  const char* dir = std::getenv("TMPDIR");
  const std::string empty =
      std::string(dir != nullptr && *dir != 0 ? dir : "/tmp") + "/gpipe-fuzz-language";
  (void)::mkdir(empty.c_str(), 0700);
  if (::chdir(empty.c_str()) != 0) std::abort();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const gpipe::Variables vars{{"x", "1"}, {"logs", "a*.log"}, {"q", "'\"|"}};
  try {
    const auto calls = gpipe::parse_pipeline(text, vars);
    gpipe::PipelineSource source{std::string(text), ""};
    try {
      gpipe::Context ctx;
      gpipe::Plan plan = gpipe::plan_pipeline(calls, ctx);
    } catch (const gpipe::PipelineError& e) {
      (void)gpipe::format_pipeline_error(e, source);
    } catch (const gpipe::IoError&) {
    }
  } catch (const gpipe::PipelineError& e) {
    (void)gpipe::format_pipeline_error(e, gpipe::PipelineSource{std::string(text), "x.gp"});
  }
  return 0;
}

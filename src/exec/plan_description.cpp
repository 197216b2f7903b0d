#include "exec/plan_description.hpp"

#include <algorithm>
#include <cstdio>

namespace gpipe {

namespace {

std::string joined(const std::vector<std::string>& words, std::string_view separator) {
  std::string out;
  for (const std::string& word : words) {
    if (!out.empty()) out += separator;
    out += word;
  }
  return out;
}

// What the text says of one stage after its call: where it runs, its memory, what was fused.
std::string stage_attributes(const PlanDescription& plan, const StageDescription& stage) {
  std::vector<std::string> parts;
  if (!stage.planned_as.empty()) parts.push_back(stage.planned_as);
  if (stage.on_threads) parts.push_back("on " + std::to_string(plan.threads) + " threads");
  std::string memory = stage.memory_text;
  if (memory.starts_with("Memory: ")) memory.erase(0, 8);
  if (memory.ends_with('.')) memory.pop_back();
  parts.push_back(memory);
  for (const std::string& fused : stage.fused) parts.push_back(fused);
  return joined(parts, "; ");
}

std::string input_line(const InputFacts& input) {
  std::string line = input.name + "  ";
  if (input.size) {
    line += readable_bytes(*input.size);
  } else {
    line += input.kind + ", size unknown";
  }
  if (input.compression == "?") return line;
  line += input.compression.empty() ? ", not compressed" : ", " + input.compression;
  return line;
}

std::string threads_line(const PlanDescription& plan) {
  if (plan.threads <= 1) return "threads: none; " + plan.threads_reason;
  std::vector<std::string> names;
  for (std::size_t i = plan.parallel_begin; i < plan.parallel_end; ++i) {
    names.push_back(plan.stages[i].name);
  }
  const std::string first = std::to_string(plan.parallel_begin + 1);
  const std::string last = std::to_string(plan.parallel_end);
  const std::string which = plan.parallel_end == plan.parallel_begin + 1
                                ? "stage " + first
                                : "stages " + first + "-" + last;
  return "threads: " + std::to_string(plan.threads) + " run " + joined(names, ", ") + " (" + which +
         ") over chunks of the input, in input order; " + plan.threads_reason;
}

std::string quoted_list(const std::vector<std::string>& words) {
  std::string out = "[";
  for (const std::string& word : words) {
    if (out.size() > 1) out += ",";
    out += json_quote(word);
  }
  return out + "]";
}

}  // namespace

std::string readable_bytes(std::uint64_t bytes) {
  static constexpr const char* kUnits[] = {"KiB", "MiB", "GiB", "TiB"};
  if (bytes < 1024) return std::to_string(bytes) + (bytes == 1 ? " byte" : " bytes");
  double value = static_cast<double>(bytes) / 1024;
  std::size_t unit = 0;
  while (value >= 1024 && unit + 1 < std::size(kUnits)) {
    value /= 1024;
    ++unit;
  }
  char text[32];
  std::snprintf(text, sizeof text, value < 10 ? "%.1f %s" : "%.0f %s", value, kUnits[unit]);
  return text;
}

std::string json_quote(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char escaped[8];
          std::snprintf(escaped, sizeof escaped, "\\u%04x", static_cast<unsigned>(c));
          out += escaped;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

std::string explain_text(const PlanDescription& plan) {
  std::string out = "plan: " + plan.pipeline + "\n";
  std::size_t width = 0;
  for (const StageDescription& stage : plan.stages) width = std::max(width, stage.call.size());
  width = std::min<std::size_t>(width, 40);
  for (std::size_t i = 0; i < plan.stages.size(); ++i) {
    const StageDescription& stage = plan.stages[i];
    std::string call = stage.call;
    if (call.size() < width) call.append(width - call.size(), ' ');
    out += "  " + std::to_string(i + 1) + (i + 1 < 10 ? "  " : " ") + call + "  " +
           stage_attributes(plan, stage) + "\n";
  }
  out += threads_line(plan) + "\n";
  if (!plan.inputs.empty()) {
    std::uint64_t total = 0;
    bool all_known = true;
    for (const InputFacts& input : plan.inputs) {
      if (input.size) {
        total += *input.size;
      } else {
        all_known = false;
      }
    }
    out += "inputs: " + std::to_string(plan.inputs.size()) +
           (plan.inputs.size() == 1 ? " file" : " files") +
           (all_known ? ", " + readable_bytes(total) : "") + "\n";
    for (const InputFacts& input : plan.inputs) out += "  " + input_line(input) + "\n";
  }
  out += "output: " + plan.output + "\n";
  return out;
}

std::string explain_json(const PlanDescription& plan) {
  std::string out = "{\"pipeline\":" + json_quote(plan.pipeline) + ",\"stages\":[";
  for (std::size_t i = 0; i < plan.stages.size(); ++i) {
    const StageDescription& stage = plan.stages[i];
    if (i != 0) out += ",";
    out += "{\"stage\":" + json_quote(stage.name) + ",\"call\":" + json_quote(stage.call) +
           ",\"role\":" + json_quote(stage.role) +
           ",\"planned_as\":" + (stage.planned_as.empty() ? "null" : json_quote(stage.planned_as)) +
           ",\"threads\":" + std::to_string(stage.on_threads ? plan.threads : 1) +
           ",\"memory\":" + json_quote(stage.memory) +
           ",\"memory_text\":" + json_quote(stage.memory_text) +
           ",\"fused\":" + quoted_list(stage.fused);
    if (stage.name == "json" || stage.name == "items") {
      out += ",\"json_paths\":" + (stage.extracts_all ? "\"all\"" : quoted_list(stage.json_paths));
    }
    out += "}";
  }
  out += "],\"threads\":{\"count\":" + std::to_string(plan.threads) + ",\"stages\":[";
  for (std::size_t i = plan.parallel_begin; plan.threads > 1 && i < plan.parallel_end; ++i) {
    if (i != plan.parallel_begin) out += ",";
    out += std::to_string(i + 1);
  }
  out += "],\"reason\":" + json_quote(plan.threads_reason) + "},\"inputs\":[";
  for (std::size_t i = 0; i < plan.inputs.size(); ++i) {
    const InputFacts& input = plan.inputs[i];
    if (i != 0) out += ",";
    out += "{\"name\":" + json_quote(input.name) + ",\"kind\":" + json_quote(input.kind) +
           ",\"size\":" + (input.size ? std::to_string(*input.size) : "null") +
           ",\"compression\":" +
           (input.compression == "?"    ? "null"
            : input.compression.empty() ? "\"none\""
                                        : json_quote(input.compression)) +
           "}";
  }
  out += "],\"output\":" + json_quote(plan.output) + "}\n";
  return out;
}

}  // namespace gpipe

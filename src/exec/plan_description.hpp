// The plan as data, recorded by plan_pipeline while it plans (not derived again afterwards):
// what --explain prints (text or JSON), what -v logs, and what --stats names its rows by.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "io/input_meter.hpp"

namespace gpipe {

struct StageDescription {
  std::string name;  // the table's name: "read", "json"
  std::string call;  // as planned, arguments and all: "chunks 1MiB -"
  std::string role;  // "source", "transform", "format", "sink"
  // Why the planner put it there when the user did not write it so ("implicit: …"), or "".
  std::string planned_as;
  std::string memory;       // "streams", "bounded", "grows with groups"
  std::string memory_text;  // the sentence of `gpipe help`: "Memory: bounded by N records."
  bool on_threads = false;  // runs on the -j threads (each its own instance)
  // Work the planner moved into this stage or fused with it: "extracts only the paths a, b.c"
  // (json), "keeps only its first 10 (head 10 follows)" (sort), "prints partial states".
  std::vector<std::string> fused;
  std::vector<std::string> json_paths;  // json, items: the paths it extracts; empty: all
  bool extracts_all = false;
};

struct PlanDescription {
  std::string pipeline;  // the pipeline as planned, one line
  std::vector<StageDescription> stages;
  unsigned threads = 1;            // threads the parallel part runs on (1: none)
  std::size_t parallel_begin = 0;  // stages [begin, end) run on the threads
  std::size_t parallel_end = 0;
  std::string threads_reason;  // why that many (the -j default rules) or why none
  std::vector<InputFacts> inputs;
  std::string output;  // "standard output, format follows the input", "write out.csv (csv)", …
};

// --explain: the plan for people, several lines ending in "\n".
std::string explain_text(const PlanDescription& plan);
// --explain=json: one JSON object and "\n".
std::string explain_json(const PlanDescription& plan);

// A JSON string literal of `text` (quotes included), for the JSON this folder prints.
std::string json_quote(std::string_view text);
// "1.5 MiB", "312 bytes": a size for people.
std::string readable_bytes(std::uint64_t bytes);

}  // namespace gpipe

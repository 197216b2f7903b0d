#include "exec/stage_hints.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <vector>

#include "gpipe/language.hpp"
#include "gpipe/stage.hpp"

namespace gpipe {

namespace {

// Other tools' verbs, and the gpipe stage that does their work. Small on purpose: the words
// people type first when they come from grep+awk, jq, Miller, SQL or a dataframe.
struct OtherVerb {
  std::string_view verb;
  std::string_view known_as;  // how the hint names it: "Miller's stats1"
  std::string_view stage;
  std::string_view also = {};  // a second stage that does part of it
};

constexpr std::array kOtherVerbs = {
    OtherVerb{"stats1", "Miller's stats1", "stats"},
    OtherVerb{"cut", "cut", "field", "select"},
    OtherVerb{"jq", "jq", "json"},
    OtherVerb{"awk", "awk", "where", "set"},
    OtherVerb{"wc", "wc -l", "count"},
    OtherVerb{"cat", "cat", "read"},
    OtherVerb{"zcat", "zcat", "read"},
    OtherVerb{"filter", "filter", "where"},
    OtherVerb{"limit", "limit", "head"},
    OtherVerb{"take", "take", "head"},
    OtherVerb{"put", "Miller's put", "set"},
    OtherVerb{"mutate", "mutate", "set"},
    OtherVerb{"count-distinct", "Miller's count-distinct", "count"},
    OtherVerb{"median", "a median", "quantile"},
    OtherVerb{"mean", "a mean", "avg"},
    OtherVerb{"logfmt", "logfmt", "kv"},
};

// Options of a gpipe stage that are another tool's idiom for a different stage.
struct OtherOption {
  std::string_view stage;
  std::string_view option;
  std::string_view hint;
};

constexpr std::array kOtherOptions = {
    OtherOption{"uniq", "-c", "for uniq -c, use 'count F…'"},
    OtherOption{"grep", "-c", "for grep -c, use 'grep PATTERN | count'"},
    OtherOption{"sort", "-u", "for sort -u, use 'dedup' before 'sort'"},
    OtherOption{"head", "-n", "head takes N alone: 'head 10'"},
    OtherOption{"tail", "-n", "tail takes N alone: 'tail 10'"},
};

std::string lowercase(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

const OtherVerb* other_verb(std::string_view name) {
  const std::string lower = lowercase(name);
  const auto* found = std::find_if(kOtherVerbs.begin(), kOtherVerbs.end(),
                                   [&](const OtherVerb& v) { return v.verb == lower; });
  return found == kOtherVerbs.end() ? nullptr : found;
}

// A stage whose name the word starts with (`sumx`, `counts`, `sorted`), or that starts with the
// word (`dist`, `quant`): the user had that stage in mind, however far the spelling is. The
// longest such name wins (`sorted` is `sort`, not a shorter one).
std::string prefix_match(std::string_view name) {
  std::string best;
  for (const StageInfo& info : stage_table()) {
    const std::string_view stage = info.name;
    const bool stage_starts_word = stage.size() >= 3 && name.starts_with(stage);
    const bool word_starts_stage = name.size() >= 3 && stage.starts_with(name);
    if ((stage_starts_word || word_starts_stage) && stage.size() > best.size()) {
      best = stage;
    }
  }
  return best;
}

// Edits between two words, a swap of neighbours counting as one (optimal string alignment):
// `tpo` is one edit from `top`, as from `to`.
std::size_t typing_distance(std::string_view a, std::string_view b) {
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

// The nearest spelling, within two edits and at most half the word: `gerp` is `grep`, but
// `sumx` (three edits from `seq`) is nothing. Of names as near, one as long as the word wins
// (`tpo` is `top`, not `to`), then one with the same first letter.
std::string near_spelling(std::string_view name) {
  std::string best;
  std::size_t best_distance = 3;
  int best_rank = 0;
  for (const StageInfo& info : stage_table()) {
    const std::size_t d = typing_distance(name, info.name);
    if (d * 2 > std::max(name.size(), info.name.size())) continue;
    const int rank = (info.name.size() == name.size() ? 2 : 0) +
                     (!name.empty() && name.front() == info.name.front() ? 1 : 0);
    if (d < best_distance || (d == best_distance && rank > best_rank)) {
      best_distance = d;
      best = info.name;
      best_rank = rank;
    }
  }
  return best;
}

}  // namespace

std::string suggested_stage(std::string_view name) {
  if (const OtherVerb* verb = other_verb(name)) return std::string(verb->stage);
  if (std::string prefix = prefix_match(name); !prefix.empty()) return prefix;
  return near_spelling(name);
}

std::string unknown_stage_hint(std::string_view name) {
  if (const OtherVerb* verb = other_verb(name)) {
    std::string hint = "for " + std::string(verb->known_as) + ", use '" + std::string(verb->stage);
    if (!verb->also.empty()) hint += "' or '" + std::string(verb->also);
    return hint + "'";
  }
  if (const std::string stage = suggested_stage(name); !stage.empty()) {
    return "did you mean '" + stage + "'?";
  }
  return "gpipe help lists the stages";
}

std::string other_tool_option_hint(std::string_view stage, std::string_view option) {
  for (const OtherOption& other : kOtherOptions) {
    if (other.stage == stage && other.option == option) return std::string(other.hint);
  }
  return "";
}

}  // namespace gpipe

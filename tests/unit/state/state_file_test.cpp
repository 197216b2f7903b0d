// The state file: what is saved reads back the same, and an empty, cut or altered file is an
// error naming it.
#include "state/state_file.hpp"

#include <gtest/gtest.h>

#include "gpipe/errors.hpp"

namespace gpipe {
namespace {

StateData sample_state() {
  StateData state;
  InputEntry plain;
  plain.path = "logs/app.log";
  plain.identity = {2049, 1234567, 4096, 1024, 0x0123456789abcdefULL};
  plain.offset = 4000;
  plain.line = 57;
  plain.last_seen = 1796000000;
  InputEntry compressed;
  compressed.path = "odd\tname\nwith \\ escapes.gz";
  compressed.identity = {2049, 7, 99, 12, 42};
  compressed.offset = 12;
  compressed.compressed = true;
  compressed.done = true;
  state.inputs = {plain, compressed};
  state.output = OutputEntry{"out.log.zst", 2049, 99, 123456789012};
  return state;
}

TEST(StateFile, RoundTrips) {
  const StateData state = sample_state();
  const StateData back = parse_state(serialize_state(state), "st");
  ASSERT_EQ(back.inputs.size(), 2u);
  EXPECT_EQ(back.inputs[0].path, "logs/app.log");
  EXPECT_EQ(back.inputs[0].identity.head_hash, 0x0123456789abcdefULL);
  EXPECT_EQ(back.inputs[0].offset, 4000u);
  EXPECT_EQ(back.inputs[0].line, 57u);
  EXPECT_FALSE(back.inputs[0].compressed);
  EXPECT_EQ(back.inputs[1].path, "odd\tname\nwith \\ escapes.gz");
  EXPECT_TRUE(back.inputs[1].compressed);
  EXPECT_TRUE(back.inputs[1].done);
  ASSERT_TRUE(back.output.has_value());
  EXPECT_EQ(back.output->length, 123456789012u);
  EXPECT_EQ(serialize_state(back), serialize_state(state));
}

TEST(StateFile, DatabaseEntryRoundTrips) {
  StateData state = sample_state();
  EXPECT_EQ(serialize_state(state).find("database\t"), std::string::npos);
  state.database = DatabaseEntry{"0123456789abcdef", 41};
  const StateData back = parse_state(serialize_state(state), "st");
  ASSERT_TRUE(back.database.has_value());
  EXPECT_EQ(back.database->job, "0123456789abcdef");
  EXPECT_EQ(back.database->generation, 41u);
  EXPECT_EQ(serialize_state(back), serialize_state(state));
}

TEST(StateFile, MalformedDatabaseEntryIsAnError) {
  const std::string text = "gpipe-state 1\ndatabase\tx\tjob\n";
  try {
    parse_state(text + "end\t0\n", "st");
    ADD_FAILURE() << "no error";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("a malformed database entry"), std::string::npos)
        << e.what();
  }
}

TEST(StateFile, RetiredEntriesAreNotSaved) {
  StateData state = sample_state();
  state.inputs[0].retired = true;
  EXPECT_EQ(parse_state(serialize_state(state), "st").inputs.size(), 1u);
}

void expect_error(const std::string& text, const std::string& words) {
  try {
    parse_state(text, "jobs/x.state");
    ADD_FAILURE() << "no error for: " << text;
  } catch (const IoError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("'jobs/x.state'"), std::string::npos) << message;
    EXPECT_NE(message.find(words), std::string::npos) << message;
  }
}

TEST(StateFile, EmptyCutOrAlteredIsAnError) {
  const std::string text = serialize_state(sample_state());
  expect_error("", "is empty");
  expect_error(text.substr(0, text.size() / 2), "damaged");
  expect_error(text.substr(0, text.rfind("end\t")), "before its checksum");
  std::string altered = text;
  altered[altered.find("4000")] = '5';
  expect_error(altered, "checksum");
  expect_error("not a state\n", "not a gpipe state file");
  expect_error(text + "more\n", "after its end");
}

}  // namespace
}  // namespace gpipe

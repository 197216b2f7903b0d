// The roff of the man page: no character of a help text may be read as markup, and the help's
// paragraphs keep their shape (prose refilled, indented lines kept).
#include "cli/roff.hpp"

#include <gtest/gtest.h>

namespace gpipe {
namespace {

TEST(RoffEscape, BackslashesHyphensQuotesAndAccentsBecomeEscapes) {
  EXPECT_EQ(roff_escape(R"(grep -F '\d' `x` a^b ~c)"),
            R"(grep \-F \(aq\ed\(aq \(gax\(ga a\(hab \(tic)");
}

TEST(RoffEscape, CharactersOutsideAsciiBecomeNamedCodePoints) {
  EXPECT_EQ(roff_escape("F\u2026 \u00e5 \U0001F600"), R"(F\[u2026] \[u00E5] \[u1F600])");
}

TEST(RoffEscape, BytesThatAreNotUtf8PassThrough) {
  EXPECT_EQ(roff_escape("a\xff"), "a\xff");
}

TEST(RoffLine, ALineStartingWithADotIsGuarded) {
  std::string out;
  append_roff_line(out, ".zst files");
  append_roff_line(out, "a.zst file");
  EXPECT_EQ(out, "\\&.zst files\na.zst file\n");
}

TEST(RoffText, ProseIsFilledWithBackquotedSpansInBold) {
  std::string out;
  append_roff_text(out, "Use `grep -F`\nfor literals.\n\nSecond.", ".PP");
  EXPECT_EQ(out, ".PP\nUse \\fBgrep \\-F\\fR\nfor literals.\n.PP\nSecond.\n");
}

TEST(RoffText, UnpairedBackquotesStayCharacters) {
  std::string out;
  append_roff_text(out, "a ` b", ".PP");
  EXPECT_EQ(out, ".PP\na \\(ga b\n");
}

TEST(RoffText, AParagraphWithIndentedLinesKeepsItsLines) {
  std::string out;
  append_roff_text(out, "text   one\n       two\n\n  .hidden example", ".IP");
  EXPECT_EQ(out, ".IP\n.nf\ntext   one\n       two\n.fi\n.IP\n.nf\n  .hidden example\n.fi\n");
}

}  // namespace
}  // namespace gpipe

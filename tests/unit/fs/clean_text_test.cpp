// clean_text / is_clean_text: what a user writes to a control file or names an image reaches the
// log and `status` (JSON) only as one line of valid UTF-8.
#include <gtest/gtest.h>

#include <string>

#include "fs/clean_text.hpp"

namespace {

using ilo::fs::clean_text;
using ilo::fs::is_clean_text;

TEST(CleanText, AcceptsUtf8WithoutControls) {
  EXPECT_TRUE(is_clean_text(""));
  EXPECT_TRUE(is_clean_text("debian-12.iso"));
  EXPECT_TRUE(is_clean_text("Gr\xC3\xBC\xC3\x9F" "e.iso"));             // U+00FC U+00DF
  EXPECT_TRUE(is_clean_text("\xE2\x82\xAC \xF0\x9F\x92\xBF"));           // U+20AC U+1F4BF
  EXPECT_TRUE(is_clean_text("\xF4\x8F\xBF\xBF"));                        // U+10FFFF
}

TEST(CleanText, RefusesMalformedSequencesAndControls) {
  for (const std::string& bad : {
           std::string("a\nb"), std::string("tab\t"), std::string("\x7F"),
           std::string("nul\0x", 5), std::string("\x1B[31m"),
           std::string("\xFF"), std::string("\xC0\xAF"),          // invalid byte, overlong '/'
           std::string("\xE0\x80\xAF"), std::string("\xED\xA0\x80"),  // overlong, surrogate
           std::string("\xF4\x90\x80\x80"), std::string("\xF8\x88\x80\x80\x80"),  // > U+10FFFF
           std::string("\xC3"), std::string("\xE2\x82"), std::string("\x80"),  // cut, lone
       }) {
    EXPECT_FALSE(is_clean_text(bad)) << testing::PrintToString(bad);
  }
}

TEST(CleanText, ReplacesEachBadByteAndCuts) {
  EXPECT_EQ(clean_text("power: 'cy\ncle'"), "power: 'cy?cle'");
  EXPECT_EQ(clean_text("\xFF\xFE ok \xC3\xBC"), "?? ok \xC3\xBC");
  EXPECT_EQ(clean_text("\xE2\x82"), "??");
  EXPECT_EQ(clean_text("abcdef", 3), "abc");
  // Cutting inside a sequence leaves its start as '?', never half a character.
  EXPECT_EQ(clean_text("a\xC3\xBC", 2), "a?");
  EXPECT_TRUE(is_clean_text(clean_text(std::string("\x01\x80\xC0\xF5\x7F x", 7))));
}

}  // namespace

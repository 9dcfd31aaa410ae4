// Helpers shared by the REST payload tests: read a fixture, make compact or mutated copies of
// a body with nlohmann (keeping key order), and check that output has no whitespace outside
// string literals. Test-only; reads files from ILOFS_FIXTURES.
#pragma once

#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "rest/session_key.hpp"

namespace ilo::rest::test {

using Ordered = nlohmann::ordered_json;

// A well-formed web session key (32 hex digits) and the key it parses to.
inline constexpr std::string_view kKey = "0123456789abcdef0123456789abcdef";
inline SessionKey key() { return SessionKey::from_text(kKey).value(); }

inline std::string read_fixture(std::string_view name) {
  const std::string path = std::string(ILOFS_FIXTURES) + "/" + std::string(name);
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot open " << path;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The fixture as the iLO sends it: same keys, same order, no whitespace.
inline std::string compact_fixture(std::string_view name) {
  return Ordered::parse(read_fixture(name)).dump();
}

// `body` with the field at JSON pointer `where` removed.
inline std::string without(const std::string& body, const std::string& where) {
  Ordered j = Ordered::parse(body);
  const nlohmann::ordered_json::json_pointer ptr(where);
  Ordered& parent = j[ptr.parent_pointer()];
  if (parent.is_array()) parent.erase(std::stoul(ptr.back()));
  else parent.erase(ptr.back());
  return j.dump();
}

// `body` with the field at JSON pointer `where` replaced by `value`.
inline std::string with(const std::string& body, const std::string& where, const Ordered& value) {
  Ordered j = Ordered::parse(body);
  j[nlohmann::ordered_json::json_pointer(where)] = value;
  return j.dump();
}

// True if no whitespace occurs outside JSON string literals.
inline bool no_whitespace_outside_strings(std::string_view json) {
  bool in_string = false;
  bool escaped = false;
  for (char c : json) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') in_string = true;
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') return false;
  }
  return true;
}

}  // namespace ilo::rest::test

// A keyboard layout as the client types with it: for each Unicode character, the key strokes
// (usage plus Shift / AltGr) that produce it, one stroke or a dead key then a base key. Built
// elsewhere (src/keymap reads XKB data); this type only stores and answers, with no I/O.
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "rc/text_keys.hpp"

namespace ilo::rc {

inline constexpr std::uint8_t kModifierRightAlt = 0x40;  // AltGr (ISO_Level3_Shift)

class KeyLayout {
 public:
  explicit KeyLayout(std::string name) : name_(std::move(name)) {}

  const std::string& name() const noexcept { return name_; }

  // Records `strokes` for `c` unless a cheaper sequence is already recorded: fewer strokes, then
  // not on the keys only some keyboards have (ISO, Japanese), then fewer modifiers.
  void offer(char32_t c, std::vector<KeyStroke> strokes);

  // The strokes that type c, or nullptr when the layout cannot type it.
  const std::vector<KeyStroke>* find(char32_t c) const noexcept;

  std::size_t size() const noexcept { return keys_.size(); }
  // Every character and its strokes (to hand the table to another process).
  const std::unordered_map<char32_t, std::vector<KeyStroke>>& entries() const noexcept {
    return keys_;
  }

 private:
  std::string name_;
  std::unordered_map<char32_t, std::vector<KeyStroke>> keys_;
};

}  // namespace ilo::rc

// The character -> strokes table of a layout (see key_layout.hpp).
#include "rc/key_layout.hpp"

#include <bit>

namespace ilo::rc {
namespace {

// Keys only some keyboards have (the ISO key left of Z, the Japanese Ro and Yen keys): a
// character another key also types is typed with that key (the US layout's '<': Shift+comma).
bool extra_key(std::uint8_t usage) { return usage == 0x64 || usage == 0x87 || usage == 0x89; }

// Cheaper is fewer strokes, then avoiding the extra keys, then fewer modifier keys held.
int cost(const std::vector<KeyStroke>& strokes) {
  int total = 0;
  for (const auto& s : strokes)
    total += 16 + (extra_key(s.usage) ? 4 : 0) + std::popcount(s.modifiers);
  return total;
}

}  // namespace

void KeyLayout::offer(char32_t c, std::vector<KeyStroke> strokes) {
  if (strokes.empty()) return;
  const auto it = keys_.find(c);
  if (it == keys_.end()) {
    keys_.emplace(c, std::move(strokes));
  } else if (cost(strokes) < cost(it->second)) {
    it->second = std::move(strokes);
  }
}

const std::vector<KeyStroke>* KeyLayout::find(char32_t c) const noexcept {
  const auto it = keys_.find(c);
  return it == keys_.end() ? nullptr : &it->second;
}

}  // namespace ilo::rc

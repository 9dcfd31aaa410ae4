// libFuzzer target for the mount's `keyboard` and `mouse` file syntax (rc/key_script.hpp): any
// text is either refused whole (nothing produced, held buttons unchanged, a message) or becomes
// well-formed reports. The first byte picks the parser (bit 0: mouse), for the keyboard a
// layout other than US (bit 1: one with AltGr and a dead key, as src/keymap builds them from
// XKB), and for the mouse the buttons held before the write (bits 1-3).
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "rc/key_script.hpp"

namespace {

using namespace ilo::rc;

// A small German-like table: letters, Shift, AltGr (right Alt) for '@' and the euro sign,
// and 'é' as the dead acute key then 'e'.
const KeyLayout& layout() {
  static const KeyLayout table = [] {
    KeyLayout l("fuzz");
    for (char32_t c = 'a'; c <= 'z'; ++c) {
      const auto usage = static_cast<std::uint8_t>(4 + (c - 'a'));
      l.offer(c, {{0, usage}});
      l.offer(c - 'a' + 'A', {{kModifierLeftShift, usage}});
    }
    l.offer(U' ', {{0, 0x2C}});
    l.offer(U'@', {{kModifierRightAlt, 0x14}});
    l.offer(U'\u20AC', {{kModifierRightAlt, 0x08}});
    l.offer(U'\u00E9', {{0, 0x2E}, {0, 0x08}});
    return l;
  }();
  return table;
}

void check_keyboard(std::string_view text, bool with_layout) {
  std::error_code ec;
  std::string detail;
  const auto reports = parse_key_script(text, ec, &detail, with_layout ? &layout() : nullptr);
  if (ec) {
    if (!reports.empty() || detail.empty()) std::abort();
    return;
  }
  // At most two strokes (a dead key and a base key) per input byte, each a press and a release.
  if (reports.size() % 2 != 0 || reports.size() > 4 * text.size()) std::abort();
  const std::uint8_t allowed = with_layout ? 0xB0 : 0xF0;  // right Alt is AltGr in a layout
  for (std::size_t i = 0; i < reports.size(); i += 2) {
    const auto& press = reports[i];
    // Left-hand modifiers (and AltGr) only, one key, then an all-zero release.
    if ((press.modifiers & allowed) != 0 || press.reserved != 0 || press.keys[0] == 0)
      std::abort();
    for (std::size_t k = 1; k < press.keys.size(); ++k)
      if (press.keys[k] != 0) std::abort();
    if (!(reports[i + 1] == KeyboardReport{})) std::abort();
  }
}

void check_pointer(std::string_view text, std::uint8_t held_before) {
  std::uint8_t held = held_before;
  std::error_code ec;
  std::string detail;
  const auto actions = parse_pointer_script(text, held, ec, &detail);
  if (ec) {
    if (!actions.empty() || held != held_before || detail.rfind("line ", 0) != 0) std::abort();
    return;
  }
  for (const auto& a : actions) {
    if (a.x < -1 || a.y < -1 || (a.x == -1) != (a.y == -1)) std::abort();
    if ((a.buttons & ~0x07) != 0) std::abort();
  }
  if ((held & ~0x07) != 0) std::abort();
  if (!actions.empty() && actions.back().buttons != held) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  if (size < 1) return 0;
  const std::uint8_t control = bytes[0];
  const std::string_view text(reinterpret_cast<const char*>(bytes + 1), size - 1);
  if ((control & 1) == 0)
    check_keyboard(text, (control & 2) != 0);
  else
    check_pointer(text, static_cast<std::uint8_t>((control >> 1) & 0x07));
  return 0;
}

// libFuzzer target for the mount's `keyboard` and `mouse` file syntax (rc/key_script.hpp): any
// text is either refused whole (nothing produced, held buttons unchanged, a message) or becomes
// well-formed reports. The first byte picks the parser and the buttons held before the write.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "rc/key_script.hpp"

namespace {

using namespace ilo::rc;

void check_keyboard(std::string_view text) {
  std::error_code ec;
  std::string detail;
  const auto reports = parse_key_script(text, ec, &detail);
  if (ec) {
    if (!reports.empty() || detail.empty()) std::abort();
    return;
  }
  if (reports.size() % 2 != 0 || reports.size() > 2 * text.size()) std::abort();
  for (std::size_t i = 0; i < reports.size(); i += 2) {
    const auto& press = reports[i];
    // Left-hand modifiers only, one key, then an all-zero release.
    if ((press.modifiers & 0xF0) != 0 || press.reserved != 0 || press.keys[0] == 0) std::abort();
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
    check_keyboard(text);
  else
    check_pointer(text, static_cast<std::uint8_t>((control >> 1) & 0x07));
  return 0;
}

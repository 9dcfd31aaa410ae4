// ScreenTextFile: fonts loaded once, one recogniser shared by all reads (see the header).
#include "fs/screen_text_file.hpp"

#include "fonts/font_directory.hpp"

namespace ilo::fs {

ScreenTextFile::ScreenTextFile(const std::string& fonts_dir, std::vector<std::string>& warnings) {
  reader_.add_font(text::builtin_sim_font());
  fonts_ = 1;
  auto loaded = fonts::load_font_dir(fonts_dir);
  for (const auto& f : loaded.fonts) reader_.add_font(f);
  fonts_ += loaded.fonts.size();
  warnings = std::move(loaded.warnings);
}

std::string ScreenTextFile::read(const image::RgbImageView& frame) {
  std::lock_guard lock(mutex_);
  auto r = reader_.recognise(frame);
  unknown_.store(r.unknown_cells);
  return std::move(r.text);
}

}  // namespace ilo::fs

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

std::string ScreenTextFile::read(const image::RgbImageView& frame, std::uint64_t sequence,
                                 text::ScreenText::Search search) {
  std::lock_guard lock(mutex_);
  if (sequence != 0 && sequence == last_sequence_) return last_text_;
  auto r = reader_.recognise(frame, search);
  unknown_.store(r.unknown_cells);
  // A backed-off "no text" is not a reading of this frame: screen.txt must still search it.
  const bool skipped = search == text::ScreenText::Search::backoff && r.columns == 0;
  last_sequence_ = skipped ? 0 : sequence;
  last_text_ = r.text;
  return std::move(r.text);
}

}  // namespace ilo::fs

// `screen.txt`: the text of one screen snapshot, read with the console fonts loaded at mount
// time (the built-in font plus every PSF file of fonts=DIR). It keeps the recogniser (whose
// grid carries over between frames) and the unknown-cell count `status` shows. It does not
// take snapshots: the filesystem hands it the pixels of the one screen.ppm shows.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "image/rgb_image.hpp"
#include "text/screen_text.hpp"

namespace ilo::fs {

class ScreenTextFile {
 public:
  // Loads fonts_dir's fonts; each one that cannot be used is one line in `warnings`.
  ScreenTextFile(const std::string& fonts_dir, std::vector<std::string>& warnings);

  // The text of frame (UTF-8, one line per cell row; empty when no text is found). `sequence`
  // (the shared frame's, 0 = unknown) lets screen.txt and the events watcher share the work:
  // the same frame is recognised once. `search`: see text::ScreenText::Search.
  std::string read(const image::RgbImageView& frame, std::uint64_t sequence = 0,
                   text::ScreenText::Search search = text::ScreenText::Search::always);
  // Cells of the last frame read that no font explains; -1 before the first read.
  [[nodiscard]] int unknown_cells() const noexcept { return unknown_.load(); }
  [[nodiscard]] std::size_t fonts() const noexcept { return fonts_; }

 private:
  std::mutex mutex_;  // guards reader_ (leaf lock)
  text::ScreenText reader_;
  std::uint64_t last_sequence_ = 0;  // the frame last_text_ was read from (0: none)
  std::string last_text_;
  std::size_t fonts_ = 0;
  std::atomic<int> unknown_{-1};
};

}  // namespace ilo::fs

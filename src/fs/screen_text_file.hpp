// `screen.txt`: the text of one screen snapshot, read with the console fonts loaded at mount
// time (the built-in font plus every PSF file of fonts=DIR). It keeps the recogniser (whose
// grid carries over between frames) and the unknown-cell count `status` shows. It does not
// take snapshots: the filesystem hands it the pixels of the one screen.ppm shows.
#pragma once

#include <atomic>
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

  // The text of frame (UTF-8, one line per cell row; empty when no text is found).
  std::string read(const image::RgbImageView& frame);
  // Cells of the last frame read that no font explains; -1 before the first read.
  [[nodiscard]] int unknown_cells() const noexcept { return unknown_.load(); }
  [[nodiscard]] std::size_t fonts() const noexcept { return fonts_; }

 private:
  std::mutex mutex_;  // guards reader_ (leaf lock)
  text::ScreenText reader_;
  std::size_t fonts_ = 0;
  std::atomic<int> unknown_{-1};
};

}  // namespace ilo::fs

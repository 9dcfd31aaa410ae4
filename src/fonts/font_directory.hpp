// Loads console fonts from disk for the screen text recogniser: every PSF file (.psf, .psfu,
// optionally gzip-compressed) in one directory, decompressed with zlib and read by
// text::parse_psf. A file that cannot be read is reported, never fatal. No recognition here.
#pragma once

#include <string>
#include <vector>

#include "text/bitmap_font.hpp"

namespace ilo::fonts {

// The directory Debian's console-setup-linux installs the Linux console fonts into.
inline constexpr const char* kDefaultFontDir = "/usr/share/consolefonts";

struct LoadedFonts {
  std::vector<text::BitmapFont> fonts;  // in file-name order
  std::vector<std::string> warnings;    // one per file or directory that could not be used
};

// Reads one font file (gzip or plain); fails with a FontError or an errno code.
std::error_code load_font_file(const std::string& path, text::BitmapFont& out);

// Every *.psf, *.psfu, *.psf.gz and *.psfu.gz in dir.
LoadedFonts load_font_dir(const std::string& dir);

}  // namespace ilo::fonts

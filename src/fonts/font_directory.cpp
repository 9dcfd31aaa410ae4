// Font files from a directory (see font_directory.hpp). gzip through zlib's gzread, which also
// passes plain files through; a font larger than kMaxFontBytes is refused before it is kept.
#include "fonts/font_directory.hpp"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <system_error>

#include "text/font_error.hpp"

namespace ilo::fonts {
namespace {

constexpr std::size_t kMaxFontBytes = 4 << 20;  // the largest console font is ~ 100 KiB

bool is_font_name(const std::string& name) {
  for (const char* ext : {".psf", ".psfu", ".psf.gz", ".psfu.gz"}) {
    const std::string e(ext);
    if (name.size() > e.size() && name.compare(name.size() - e.size(), e.size(), e) == 0)
      return true;
  }
  return false;
}

}  // namespace

std::error_code load_font_file(const std::string& path, text::BitmapFont& out) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (f == nullptr) return {errno != 0 ? errno : ENOMEM, std::generic_category()};
  std::vector<std::uint8_t> data;
  std::uint8_t chunk[16384];
  int n = 0;
  while ((n = gzread(f, chunk, sizeof chunk)) > 0) {
    data.insert(data.end(), chunk, chunk + n);
    if (data.size() > kMaxFontBytes) break;
  }
  const bool failed = n < 0;
  gzclose(f);
  if (failed || data.size() > kMaxFontBytes) return text::FontError::decompress_failed;
  if (auto ec = text::parse_psf(data, out)) return ec;
  out.name = std::filesystem::path(path).filename().string();
  return {};
}

LoadedFonts load_font_dir(const std::string& dir) {
  LoadedFonts r;
  std::error_code ec;
  std::vector<std::string> paths;
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (is_font_name(it->path().filename().string())) paths.push_back(it->path().string());
  }
  if (ec) {
    r.warnings.push_back("fonts: " + dir + ": " + ec.message());
    return r;
  }
  std::sort(paths.begin(), paths.end());
  for (const auto& p : paths) {
    text::BitmapFont font;
    if (auto fe = load_font_file(p, font)) {
      r.warnings.push_back("fonts: " + p + ": " + fe.message());
      continue;
    }
    r.fonts.push_back(std::move(font));
  }
  return r;
}

}  // namespace ilo::fonts

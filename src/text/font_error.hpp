// Errors of the console-font reader (PSF1/PSF2) and of loading font files: one
// std::error_code category. Messages name the kind of failure, never file contents.
#pragma once

#include <system_error>

namespace ilo::text {

enum class FontError {
  bad_magic = 1,     // neither a PSF1 nor a PSF2 header
  truncated,         // header, glyphs or Unicode table cut short
  bad_size,          // glyph size zero or above the limits the recogniser handles
  bad_unicode_table, // PSF2 Unicode table is not UTF-8
  decompress_failed, // gzip data could not be inflated (or inflates beyond the size limit)
};
const std::error_category& font_category() noexcept;
inline std::error_code make_error_code(FontError e) noexcept {
  return {static_cast<int>(e), font_category()};
}

}  // namespace ilo::text

template <>
struct std::is_error_code_enum<ilo::text::FontError> : std::true_type {};

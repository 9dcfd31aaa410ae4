// The error category of the console-font reader (see font_error.hpp).
#include "text/font_error.hpp"

#include <cerrno>

#include "errors/enum_category.hpp"

namespace ilo::text {
namespace {

ErrorInfo describe(FontError e) noexcept {
  switch (e) {
    case FontError::bad_magic: return {"not a PSF1 or PSF2 console font", EINVAL};
    case FontError::truncated: return {"console font data truncated", EINVAL};
    case FontError::bad_size: return {"console font glyph size not supported", ENOTSUP};
    case FontError::bad_unicode_table: return {"console font Unicode table malformed", EINVAL};
    case FontError::decompress_failed: return {"gzip data could not be inflated", EINVAL};
  }
  return {};
}

}  // namespace

const std::error_category& font_category() noexcept {
  return enum_category<FontError, describe>("ilo.text.font", "unknown font error");
}

}  // namespace ilo::text

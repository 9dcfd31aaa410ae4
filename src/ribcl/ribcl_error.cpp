// The error category of the RIBCL payload layer (see ribcl_error.hpp).
#include "ribcl/ribcl_error.hpp"

#include <cerrno>

#include "errors/enum_category.hpp"

namespace ilo::ribcl {
namespace {

ErrorInfo describe(RibclError e) noexcept {
  switch (e) {
    case RibclError::too_large: return {"RIBCL reply too large", EMSGSIZE};
    case RibclError::malformed: return {"RIBCL reply is not well-formed XML", EBADMSG};
    case RibclError::no_documents: return {"empty RIBCL reply", EBADMSG};
    case RibclError::login_failed: return {"RIBCL login failed", EACCES};
    case RibclError::ilo_status: return {"the iLO reported a RIBCL error", 0};
    case RibclError::missing_element:
      return {"RIBCL reply lacks the expected element", EBADMSG};
    case RibclError::bad_value: return {"RIBCL reply holds an unknown value", EBADMSG};
    case RibclError::bad_request: return {"RIBCL request cannot be built", EINVAL};
  }
  return {};
}

}  // namespace

const std::error_category& ribcl_category() noexcept {
  return enum_category<RibclError, describe>("ilo.ribcl", "unknown RIBCL error");
}

std::string sanitise_message(std::string_view message, std::size_t limit) {
  std::string out;
  for (const char c : message) {
    if (out.size() >= limit) {
      out += "...";
      break;
    }
    const auto u = static_cast<unsigned char>(c);
    if (c == '\n' || c == '\r' || c == '\t') {
      if (!out.empty() && out.back() != ' ') out += ' ';
      continue;
    }
    out += (u >= 0x20 && u < 0x7F) ? c : '?';
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

}  // namespace ilo::ribcl

// The error category of the RIBCL payload layer (see ribcl_error.hpp).
#include "ribcl/ribcl_error.hpp"

namespace ilo::ribcl {
namespace {

class RibclCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "ilo.ribcl"; }
  std::string message(int c) const override {
    switch (static_cast<RibclError>(c)) {
      case RibclError::too_large: return "RIBCL reply too large";
      case RibclError::malformed: return "RIBCL reply is not well-formed XML";
      case RibclError::no_documents: return "empty RIBCL reply";
      case RibclError::login_failed: return "RIBCL login failed";
      case RibclError::ilo_status: return "the iLO reported a RIBCL error";
      case RibclError::missing_element: return "RIBCL reply lacks the expected element";
      case RibclError::bad_value: return "RIBCL reply holds an unknown value";
      case RibclError::bad_request: return "RIBCL request cannot be built";
    }
    return "unknown RIBCL error";
  }
};

}  // namespace

const std::error_category& ribcl_category() noexcept {
  static const RibclCategory c;
  return c;
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

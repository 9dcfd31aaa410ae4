// The shared RIBCL XML pieces of ribcl_xml.hpp.
#include "ribcl/ribcl_xml.hpp"

#include <cctype>

namespace ilo::ribcl {

bool equal_ignoring_case(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(a[i])) !=
        std::toupper(static_cast<unsigned char>(b[i])))
      return false;
  }
  return true;
}

pugi::xml_node append_ribcl_root(pugi::xml_document& doc, const char* version) {
  auto decl = doc.append_child(pugi::node_declaration);
  decl.append_attribute("version") = "1.0";
  auto root = doc.append_child("RIBCL");
  root.append_attribute("VERSION") = version;
  return root;
}

void StringWriter::write(const void* data, std::size_t size) {
  out.append(static_cast<const char*>(data), size);
}

}  // namespace ilo::ribcl

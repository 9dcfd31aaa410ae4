// Small pugixml pieces the RIBCL request, reply and boot-name code share: a case-blind name
// compare, the declaration plus <RIBCL VERSION=...> opening, and a writer into a string.
// Internal to src/ribcl; no RIBCL semantics (commands, statuses) live here.
#pragma once

#include <pugixml.hpp>

#include <cstddef>
#include <string>
#include <string_view>

namespace ilo::ribcl {

// ASCII case-insensitive equality (the iLO's tag, attribute and device names).
bool equal_ignoring_case(std::string_view a, std::string_view b) noexcept;

// Appends <?xml version="1.0"?> and <RIBCL VERSION="`version`"> to `doc`; returns the root.
pugi::xml_node append_ribcl_root(pugi::xml_document& doc, const char* version);

// Collects what pugixml saves into `out`.
struct StringWriter final : pugi::xml_writer {
  std::string out;
  void write(const void* data, std::size_t size) override;
};

}  // namespace ilo::ribcl

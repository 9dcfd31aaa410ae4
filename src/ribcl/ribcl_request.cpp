// RIBCL requests over pugixml (see ribcl_request.hpp).
#include "ribcl/ribcl_request.hpp"

#include <pugixml.hpp>

#include <cctype>

#include "ribcl/ribcl_error.hpp"
#include "ribcl/ribcl_xml.hpp"

namespace ilo::ribcl {
namespace {

// Text XML 1.0 can carry in an attribute: no NUL and no other C0 control but tab, CR, LF.
bool xml_text(std::string_view text) {
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 && c != '\t' && c != '\n' && c != '\r') return false;
  }
  return true;
}

pugi::xml_attribute attribute(const pugi::xml_node& node, std::string_view name) {
  for (auto a = node.first_attribute(); a; a = a.next_attribute())
    if (equal_ignoring_case(a.name(), name)) return a;
  return {};
}

}  // namespace

Command get_one_time_boot() { return {"SERVER_INFO", "read", "GET_ONE_TIME_BOOT", std::nullopt}; }

Command set_one_time_boot(BootDevice device) {
  return {"SERVER_INFO", "write", "SET_ONE_TIME_BOOT", std::string(ribcl_boot_name(device))};
}

Command get_host_power_status() {
  return {"SERVER_INFO", "read", "GET_HOST_POWER_STATUS", std::nullopt};
}

rest::Result<std::string> build_request(std::string_view user, std::string_view password,
                                        const Command& command) {
  if (!xml_text(user) || !xml_text(password))
    return failure(RibclError::bad_request, "RIBCL: the user name or password has a control "
                                            "character XML cannot carry");
  const auto name_ok = [](const std::string& s) {
    if (s.empty()) return false;
    for (const char c : s)
      if (!std::isupper(static_cast<unsigned char>(c)) && c != '_') return false;
    return true;
  };
  if (!name_ok(command.section) || !name_ok(command.tag) ||
      (command.mode != "read" && command.mode != "write") ||
      (command.value && !xml_text(*command.value)))
    return failure(RibclError::bad_request, "RIBCL: malformed command");

  const std::string user_text(user);
  std::string password_text(password);
  pugi::xml_document doc;
  auto root = append_ribcl_root(doc, "2.0");
  auto login = root.append_child("LOGIN");
  login.append_attribute("USER_LOGIN") = user_text.c_str();
  auto secret = login.append_attribute("PASSWORD");
  secret = password_text.c_str();
  auto section = login.append_child(command.section.c_str());
  section.append_attribute("MODE") = command.mode.c_str();
  auto cmd = section.append_child(command.tag.c_str());
  if (command.value) cmd.append_attribute("VALUE") = command.value->c_str();

  StringWriter writer;
  // One line per element, CRLF like python-hpilo's serialisation; the iLO ignores layout.
  doc.save(writer, "", pugi::format_raw, pugi::encoding_utf8);
  // The password's copies: our std::string and pugixml's attribute buffer (overwritten in
  // place: a value of the same length reuses the buffer).
  std::string wipe(password_text.size(), 'x');
  secret = wipe.c_str();
  for (auto& c : password_text) c = '\0';
  // pugixml writes the declaration without a line break after it when raw: add CRLF there.
  const auto decl_end = writer.out.find("?>");
  if (decl_end != std::string::npos) writer.out.insert(decl_end + 2, "\r\n");
  writer.out += "\r\n";
  return std::move(writer.out);
}

rest::Result<Request> parse_request(std::string_view body) {
  if (body.size() > kMaxRequestBytes)
    return failure(RibclError::too_large, "RIBCL request larger than " +
                                              std::to_string(kMaxRequestBytes) + " bytes");
  pugi::xml_document doc;
  const auto parsed = doc.load_buffer(body.data(), body.size(), pugi::parse_default,
                                      pugi::encoding_utf8);
  if (!parsed) {
    return failure(RibclError::malformed, std::string("RIBCL request: ") + parsed.description() +
                                              " at byte " + std::to_string(parsed.offset));
  }
  const auto root = doc.document_element();
  if (std::string_view(root.name()) != "RIBCL")
    return failure(RibclError::malformed, "RIBCL request: the root element is not RIBCL");
  const auto login = root.child("LOGIN");
  const auto user = attribute(login, "USER_LOGIN");
  const auto password = attribute(login, "PASSWORD");
  if (!login || !user || !password)
    return failure(RibclError::malformed, "RIBCL request: no LOGIN with USER_LOGIN and PASSWORD");
  Request r;
  r.user = user.value();
  r.password = password.value();
  for (auto section = login.first_child(); section; section = section.next_sibling()) {
    if (section.type() != pugi::node_element) continue;
    const auto mode = attribute(section, "MODE");
    std::string mode_text = mode.value();
    for (auto& c : mode_text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for (auto cmd = section.first_child(); cmd; cmd = cmd.next_sibling()) {
      if (cmd.type() != pugi::node_element) continue;
      Command c{section.name(), mode_text, cmd.name(), std::nullopt};
      if (const auto value = attribute(cmd, "VALUE")) c.value = value.value();
      r.commands.push_back(std::move(c));
    }
  }
  return r;
}

}  // namespace ilo::ribcl

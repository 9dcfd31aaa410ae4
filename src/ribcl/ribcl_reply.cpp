// RIBCL replies over pugixml (see ribcl_reply.hpp).
#include "ribcl/ribcl_reply.hpp"

#include <pugixml.hpp>

#include <cctype>
#include <charconv>
#include <cstdio>
#include <functional>

#include "ribcl/ribcl_error.hpp"
#include "ribcl/ribcl_xml.hpp"

namespace ilo::ribcl {
namespace {

constexpr std::string_view kDocumentStart = "<?xml";

bool blank(std::string_view text) {
  for (const char c : text)
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n') return false;
  return true;
}

bool contains_ignoring_case(std::string_view text, std::string_view word) {
  if (word.size() > text.size()) return false;
  for (std::size_t i = 0; i + word.size() <= text.size(); ++i) {
    bool same = true;
    for (std::size_t j = 0; j < word.size() && same; ++j) {
      same = std::tolower(static_cast<unsigned char>(text[i + j])) ==
             std::tolower(static_cast<unsigned char>(word[j]));
    }
    if (same) return true;
  }
  return false;
}

// "0x005F" (or "0x5f") -> 0x5F; nullopt if not hexadecimal.
std::optional<unsigned> parse_status(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X'))
    text.remove_prefix(2);
  if (text.empty() || text.size() > 8) return std::nullopt;
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, 16);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::string status_hex(unsigned status) {
  char text[16];
  std::snprintf(text, sizeof text, "0x%04X", status);
  return text;
}

// Calls `on_payload` with every child element of RIBCL that is not RESPONSE or INFORM, after
// checking all documents; fails as check_reply() documents.
rest::Result<std::monostate> walk(std::string_view reply,
                                  const std::function<void(const pugi::xml_node&)>& on_payload) {
  auto documents = split_documents(reply);
  if (!documents) return documents.failure();
  for (std::size_t i = 0; i < documents->size(); ++i) {
    const std::string_view text = documents.value()[i];
    pugi::xml_document doc;
    const auto parsed =
        doc.load_buffer(text.data(), text.size(), pugi::parse_default, pugi::encoding_utf8);
    if (!parsed) {
      return failure(RibclError::malformed, "RIBCL reply document " + std::to_string(i + 1) +
                                                ": " + parsed.description());
    }
    const auto root = doc.document_element();
    if (std::string_view(root.name()) != "RIBCL")
      return failure(RibclError::malformed, "RIBCL reply document " + std::to_string(i + 1) +
                                                ": the root element is not RIBCL");
    for (auto child = root.first_child(); child; child = child.next_sibling()) {
      if (child.type() != pugi::node_element) continue;
      const std::string_view name = child.name();
      if (name == "INFORM") continue;
      if (name != "RESPONSE") {
        on_payload(child);
        continue;
      }
      const auto status = parse_status(child.attribute("STATUS").value());
      if (!status)
        return failure(RibclError::malformed, "RIBCL reply document " + std::to_string(i + 1) +
                                                  ": RESPONSE without a hexadecimal STATUS");
      if (*status == 0) continue;
      const std::string_view message = child.attribute("MESSAGE").value();
      std::string detail = "STATUS " + status_hex(*status) + ": " + sanitise_message(message);
      const bool login = *status == kStatusLoginFailed ||
                         contains_ignoring_case(message, "login failed") ||
                         contains_ignoring_case(message, "login credentials rejected");
      return failure(login ? RibclError::login_failed : RibclError::ilo_status,
                     std::move(detail));
    }
  }
  return std::monostate{};
}

void add(pugi::xml_node parent, const Element& e) {
  auto node = parent.append_child(e.tag.c_str());
  for (const auto& [name, value] : e.attributes)
    node.append_attribute(name.c_str()) = value.c_str();
  for (const auto& child : e.children) add(node, child);
}

}  // namespace

rest::Result<std::vector<std::string_view>> split_documents(std::string_view reply) {
  if (reply.size() > kMaxReplyBytes)
    return failure(RibclError::too_large,
                   "RIBCL reply larger than " + std::to_string(kMaxReplyBytes) + " bytes");
  std::vector<std::string_view> out;
  std::size_t at = reply.find(kDocumentStart);
  if (at == std::string_view::npos) {
    if (blank(reply)) return failure(RibclError::no_documents, "RIBCL reply is empty");
    return failure(RibclError::malformed, "RIBCL reply holds no <?xml document");
  }
  if (!blank(reply.substr(0, at)))
    return failure(RibclError::malformed, "RIBCL reply has text before its first document");
  while (at != std::string_view::npos) {
    const std::size_t next = reply.find(kDocumentStart, at + kDocumentStart.size());
    out.push_back(reply.substr(at, next == std::string_view::npos ? next : next - at));
    if (out.size() > kMaxDocuments)
      return failure(RibclError::too_large, "RIBCL reply has more than " +
                                                std::to_string(kMaxDocuments) + " documents");
    at = next;
  }
  return out;
}

rest::Result<std::monostate> check_reply(std::string_view reply) {
  return walk(reply, [](const pugi::xml_node&) {});
}

rest::Result<BootDevice> parse_one_time_boot(std::string_view reply) {
  std::optional<std::string> value;
  auto ok = walk(reply, [&value](const pugi::xml_node& node) {
    if (std::string_view(node.name()) != "ONE_TIME_BOOT" || value) return;
    if (const auto type = node.child("BOOT_TYPE")) value = type.attribute("VALUE").value();
  });
  if (!ok) return ok.failure();
  if (!value)
    return failure(RibclError::missing_element, "RIBCL reply has no ONE_TIME_BOOT BOOT_TYPE");
  const auto device = parse_ribcl_boot_name(*value);
  if (!device)
    return failure(RibclError::bad_value,
                   "RIBCL one-time boot device '" + sanitise_message(*value, 32) +
                       "' is none of CDROM, USB, FLOPPY, HDD, NETWORK, NORMAL");
  return *device;
}

rest::Result<bool> parse_host_power(std::string_view reply) {
  std::optional<std::string> value;
  auto ok = walk(reply, [&value](const pugi::xml_node& node) {
    if (std::string_view(node.name()) == "GET_HOST_POWER" && !value)
      value = node.attribute("HOST_POWER").value();
  });
  if (!ok) return ok.failure();
  if (!value) return failure(RibclError::missing_element, "RIBCL reply has no GET_HOST_POWER");
  if (*value == "ON") return true;
  if (*value == "OFF") return false;
  return failure(RibclError::bad_value, "RIBCL HOST_POWER is neither ON nor OFF");
}

std::string build_reply(const std::vector<ReplyDocument>& documents) {
  std::string out;
  for (const auto& d : documents) {
    pugi::xml_document doc;
    auto root = append_ribcl_root(doc, "2.23");
    auto response = root.append_child("RESPONSE");
    response.append_attribute("STATUS") = status_hex(d.status).c_str();
    response.append_attribute("MESSAGE") = d.message.c_str();
    if (d.payload) add(root, *d.payload);
    StringWriter writer;
    doc.save(writer, "    ", pugi::format_indent, pugi::encoding_utf8);
    out += writer.out;
  }
  return out;
}

}  // namespace ilo::ribcl

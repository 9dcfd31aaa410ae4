// Reply::set_inline(), reply_data(), finish_reply() and medium_error_reply() (see reply.hpp).
#include "vm/reply.hpp"

#include <algorithm>

#include "vm/vm_error.hpp"

namespace ilo::vm {

void Reply::set_inline(std::span<const std::uint8_t> data) noexcept {
  const std::size_t n = std::min(data.size(), inline_data.size());
  std::copy_n(data.begin(), n, inline_data.begin());
  data_length = static_cast<std::uint32_t>(n);
  from_medium = false;
}

std::error_code reply_data(const Reply& reply, std::span<std::uint8_t> out) noexcept {
  if (out.size() != reply.data_length) return VmError::medium_io;
  if (!reply.from_medium) {
    const auto in = reply.inline_bytes();
    std::copy(in.begin(), in.end(), out.begin());
    return {};
  }
  if (!reply.medium) return VmError::medium_io;
  return read_padded(*reply.medium, reply.extent.offset, out);
}

ReplyHeader finish_reply(Reply& reply, ReplyHeader header, Sense status) noexcept {
  if (!status.good()) {  // failures carry no data
    reply.data_length = 0;
    reply.from_medium = false;
    reply.medium.reset();
  }
  header.sense = status;
  header.length = reply.data_length;
  reply.header = encode_reply_header(header);
  return header;
}

Reply medium_error_reply(const Reply& failed) noexcept {
  std::error_code ec;
  ReplyHeader h = parse_reply_header(failed.header, ec).value_or(ReplyHeader{});
  h.sense = sense::kIdCrcOrEccError;
  h.length = 0;
  Reply out;
  out.header = encode_reply_header(h);
  return out;
}

}  // namespace ilo::vm

// The reply side both simulator initiators (CD, floppy/USB key) share: cutting the client's
// bytes into 16-byte reply headers and the data after each, sorting a header by its flags
// (docs/virtual-media.md#reply-header), and the log of rule violations. What a reply means for
// a job, and which lengths a request allows, stay with each initiator.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "vm/wire.hpp"

namespace ilo::vm {

// Replies that broke a rule of docs/virtual-media.md: how many, and a fixed text naming the last.
struct ViolationLog {
  std::uint64_t count = 0;
  std::string_view last;
  void add(std::string_view what) noexcept {
    ++count;
    last = what;
  }
};

enum class ReplyKind : std::uint8_t {
  bad_magic,   // no 0x0BADC0DE: framing is lost (logged)
  disconnect,  // the client unmounts; no data follows
  keep_alive,  // media, sense and length are not to be trusted (#keep-alive)
  reply,       // an answer to a request
};

// Parses `bytes` into `header` and sorts it by its flags; unknown flag bits are logged.
ReplyKind sort_reply_header(const ReplyHeaderBytes& bytes, ReplyHeader& header,
                            ViolationLog& log);

// Headers, then the data each announces. The owner says after each header how much data follows
// (expect()); the data goes to its sink, and a reply's end is reported once its data is through.
class ReplyStream {
 public:
  // `length` data bytes follow the header just handed out; `reply`: report their end.
  void expect(std::uint32_t length, bool reply) noexcept {
    data_left_ = length;
    in_reply_ = reply && length != 0;
  }

  // Uses bytes of `in` until `stopped()`: on_header(bytes) for each complete header,
  // on_data(span) for data, on_reply() when an expected reply's data is through.
  template <class Stopped, class OnHeader, class OnData, class OnReply>
  std::size_t feed(std::span<const std::uint8_t> in, Stopped stopped, OnHeader on_header,
                   OnData on_data, OnReply on_reply) {
    std::size_t used = 0;
    while (used < in.size() && !stopped()) {
      if (data_left_ == 0) {
        used += header_reader_.feed(in.subspan(used));
        if (!header_reader_.complete()) break;
        const ReplyHeaderBytes bytes = header_reader_.bytes();
        header_reader_.clear();
        on_header(bytes);
        continue;
      }
      const std::size_t n = std::min<std::size_t>(data_left_, in.size() - used);
      on_data(in.subspan(used, n));
      used += n;
      data_left_ -= static_cast<std::uint32_t>(n);
      if (data_left_ == 0 && in_reply_) {
        in_reply_ = false;
        on_reply();
      }
    }
    return used;
  }

 private:
  ReplyHeaderReader header_reader_;
  std::uint32_t data_left_ = 0;
  bool in_reply_ = false;  // the data being received belongs to the outstanding request
};

// A READ(10) 0x28 or WRITE(10) 0x2A CDB of `blocks` (at most 0xFFFF) blocks from `lba`.
Request transfer10_cdb(std::uint8_t opcode, std::uint32_t lba, std::uint16_t blocks) noexcept;

}  // namespace ilo::vm

// One packet at a time over the companion's SOCK_SEQPACKET socket, optionally carrying a file
// descriptor (SCM_RIGHTS). Plain syscalls with bounded waits; it knows nothing of what the
// packets mean (companion_protocol.hpp) and never logs.
#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <system_error>
#include <vector>

namespace ilo::rcd {

// Sends one packet (and `pass_fd` if >= 0, which stays the caller's). Waits at most `wait` for
// room in the socket buffer; std::errc::timed_out if there was none. On a stream socket a packet
// the socket took only part of is std::errc::message_size (the stream is then unusable).
std::error_code send_packet(int fd, std::span<const std::uint8_t> packet, int pass_fd = -1,
                            std::chrono::milliseconds wait = std::chrono::milliseconds{1000});

// Receives one packet into `packet` (at most `limit` bytes; a longer one is an error,
// std::errc::message_size, and is consumed). A passed descriptor lands in `received_fd`
// (close-on-exec; -1 if none; extra ones are closed). Blocks unless the socket is non-blocking.
// End of stream: an empty packet and no error, `eof` set.
std::error_code receive_packet(int fd, std::vector<std::uint8_t>& packet, std::size_t limit,
                               int& received_fd, bool& eof);

}  // namespace ilo::rcd

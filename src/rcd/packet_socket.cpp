// SCM_RIGHTS send and receive on a SOCK_SEQPACKET socket (see packet_socket.hpp). MSG_TRUNC and
// MSG_CTRUNC make a packet an error, so a peer cannot slip a half-read packet or a leaked
// descriptor past us.
#include "rcd/packet_socket.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace ilo::rcd {
namespace {

std::error_code errno_code(int e) { return {e, std::generic_category()}; }

// Closes every descriptor of a received control message after the first, which is returned.
int take_fds(msghdr& msg) {
  int first = -1;
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    const std::size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (std::size_t i = 0; i < n; ++i) {
      int fd = -1;
      std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
      if (first < 0) {
        first = fd;
      } else if (fd >= 0) {
        ::close(fd);
      }
    }
  }
  return first;
}

}  // namespace

std::error_code send_packet(int fd, std::span<const std::uint8_t> packet, int pass_fd,
                            std::chrono::milliseconds wait) {
  iovec iov{const_cast<std::uint8_t*>(packet.data()), packet.size()};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  if (pass_fd >= 0) {
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(c), &pass_fd, sizeof(int));
  }
  const auto deadline = std::chrono::steady_clock::now() + wait;
  for (;;) {
    const ssize_t n = ::sendmsg(fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
    // A packet socket sends all or nothing; a stream socket (QEMU's QMP) may take a part.
    if (n >= 0)
      return static_cast<std::size_t>(n) == packet.size()
                 ? std::error_code{}
                 : std::make_error_code(std::errc::message_size);
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) return errno_code(errno);
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::make_error_code(std::errc::timed_out);
    pollfd p{fd, POLLOUT, 0};
    ::poll(&p, 1, static_cast<int>(left.count()));
  }
}

std::error_code receive_packet(int fd, std::vector<std::uint8_t>& packet, std::size_t limit,
                               int& received_fd, bool& eof) {
  received_fd = -1;
  eof = false;
  packet.resize(limit);
  iovec iov{packet.data(), packet.size()};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * 4)] = {};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ssize_t n = 0;
  do {
    n = ::recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    packet.clear();
    return errno_code(errno);
  }
  const int passed = take_fds(msg);
  if ((msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) != 0) {
    if (passed >= 0) ::close(passed);
    packet.clear();
    return std::make_error_code(std::errc::message_size);
  }
  packet.resize(static_cast<std::size_t>(n));
  // A zero-length read on a SEQPACKET socket is the end of the stream; our packets are never
  // empty (they have at least a type and an id).
  if (n == 0) {
    if (passed >= 0) ::close(passed);
    eof = true;
    return {};
  }
  received_fd = passed;
  return {};
}

}  // namespace ilo::rcd

// The descriptor calls both file media make: open() and pread() retried on EINTR, short reads
// continued, the size from fstat(). It owns no descriptor and knows nothing of write policy.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <system_error>

#include "vm/medium.hpp"

namespace ilo::media {

// open(2) of `path` with `flags | O_CLOEXEC`, retried on EINTR. -1 with errno set on failure.
int open_retrying(const std::string& path, int flags) noexcept;

// fstat(2)'s st_size of `fd`, negative sizes as 0. Sets `ec` to the errno on failure.
std::uint64_t file_size(int fd, std::error_code& ec) noexcept;

// Reads up to out.size() bytes at `offset` from `fd`, never past `size`: pread retried on EINTR
// and continued after short reads. Stops early at end of file (a file shorter than `size`);
// an errno failure is reported in the result's ec with the bytes read before it.
vm::MediumRead pread_within(int fd, std::uint64_t size, std::span<std::uint8_t> out,
                            std::uint64_t offset) noexcept;

}  // namespace ilo::media

// Helpers shared by the vm unit tests: hex requests, a reply's full wire bytes, and disc images
// built at test time (a minimal ISO 9660 primary volume descriptor at block 16).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "bytes/hex.hpp"
#include "vm/cdrom_target.hpp"
#include "vm/memory_medium.hpp"
#include "vm/reply.hpp"
#include "vm/wire.hpp"

namespace ilo::vm::test {

inline Bytes hex(std::string_view text) {
  auto b = parse_hex(text);
  EXPECT_TRUE(b.has_value()) << text;
  return b.value_or(Bytes{});
}

inline Request req(std::string_view text) { return make_request(hex(text)); }

// Header followed by the data, as the network layer would send it.
inline Bytes wire(const Reply& r) {
  Bytes out(r.header.begin(), r.header.end());
  Bytes data(r.data_length);
  EXPECT_FALSE(reply_data(r, data));
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

inline std::string header_hex(const Reply& r) { return to_hex(r.header); }

inline std::string data_hex(const Reply& r) {
  Bytes data(r.data_length);
  EXPECT_FALSE(reply_data(r, data));
  return to_hex(data);
}

// A disc of `blocks` 2048-byte blocks: zeros in the system area (blocks 0-15), a primary
// volume descriptor at 16 with `volume_id`, a terminator at 17 and a pseudo-random pattern
// (from `seed`) in every later block. `extra` bytes of pattern follow the last whole block.
inline std::vector<std::uint8_t> make_iso(std::size_t blocks, std::string_view volume_id,
                                          std::uint32_t seed, std::size_t extra = 0) {
  std::vector<std::uint8_t> img(blocks * 2048 + extra, 0);
  std::uint32_t x = seed | 1;
  for (std::size_t i = 18 * 2048; i < img.size(); ++i) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    img[i] = static_cast<std::uint8_t>(x);
  }
  if (blocks > 17) {
    std::uint8_t* pvd = img.data() + 16 * 2048;
    pvd[0] = 1;                                  // type: primary
    std::copy_n("CD001", 5, pvd + 1);            // standard identifier
    pvd[6] = 1;                                  // version
    std::fill_n(pvd + 8, 64, ' ');               // system and volume identifiers
    std::copy_n(volume_id.data(), std::min<std::size_t>(volume_id.size(), 32), pvd + 40);
    const auto n = static_cast<std::uint32_t>(blocks);
    for (int i = 0; i < 4; ++i) {                // volume space size, LE then BE
      pvd[80 + i] = static_cast<std::uint8_t>(n >> (8 * i));
      pvd[87 - i] = static_cast<std::uint8_t>(n >> (8 * i));
    }
    std::uint8_t* term = img.data() + 17 * 2048;
    term[0] = 255;                               // volume descriptor set terminator
    std::copy_n("CD001", 5, term + 1);
    term[6] = 1;
  }
  return img;
}

inline std::shared_ptr<const Medium> medium_of(std::vector<std::uint8_t> bytes) {
  return std::make_shared<MemoryMedium>(std::move(bytes));
}

}  // namespace ilo::vm::test

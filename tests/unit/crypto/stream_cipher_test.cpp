// Stream ciphers against published vectors (RFC 6229 for RC4, NIST SP 800-38A F.4.1 for
// AES-128-OFB) and the captured session key's keystream from docs/rc-transport.md#rc4 and #aes-ofb.
#include "crypto/stream_cipher.hpp"

#include <array>
#include <vector>

#include <gtest/gtest.h>

#include "bytes/hex.hpp"

namespace ilo::crypto {
namespace {

std::array<std::uint8_t, 16> key16(const char* hex) {
  auto b = parse_hex(hex);
  std::array<std::uint8_t, 16> k{};
  EXPECT_TRUE(b && b->size() == 16);
  if (b && b->size() == 16) std::copy(b->begin(), b->end(), k.begin());
  return k;
}

Bytes keystream(StreamCipher& c, std::size_t n) {
  Bytes z(n, 0);
  c.apply(z);
  return z;
}

StreamCipher make(CipherId id, const std::array<std::uint8_t, 16>& k,
                  Cipher3Reading r = Cipher3Reading::java_aes128) {
  std::error_code ec;
  auto c = StreamCipher::create(id, k, r, ec);
  EXPECT_FALSE(ec) << ec.message();
  return c;
}

TEST(StreamCipher, Rc4Rfc6229Key128) {
  // RFC 6229, 128-bit key 0x0102...10: offsets 0 and 16.
  auto c = make(CipherId::rc4, key16("0102030405060708090a0b0c0d0e0f10"));
  EXPECT_EQ(to_hex(keystream(c, 32)),
            "9ac7cc9a609d1ef7b2932899cde41b97"
            "5248c4959014126a6e8a84f11d1a9e1c");
}

TEST(StreamCipher, Rc4CapturedKey) {
  auto c = make(CipherId::rc4, key16("bbAcD834680DDca9DE65269512BDdEC2"));
  EXPECT_EQ(to_hex(keystream(c, 16)), "e035b0b9e4f110dc806458f363c27318");
}

TEST(StreamCipher, AesOfbNistSp800_38a) {
  // SP 800-38A F.4.1 OFB-AES128.Encrypt: ciphertext = plaintext XOR keystream.
  const auto k = key16("2b7e151628aed2a6abf7158809cf4f3c");
  const auto iv = key16("000102030405060708090a0b0c0d0e0f");
  std::error_code ec;
  auto c = StreamCipher::create_aes128_ofb(k, iv, ec);
  ASSERT_FALSE(ec);
  auto data = *parse_hex(
      "6bc1bee22e409f96e93d7e117393172a" "ae2d8a571e03ac9c9eb76fac45af8e51"
      "30c81c46a35ce411e5fbc1191a0a52ef" "f69f2445df4f9b17ad2b417be66c3710");
  c.apply(data);
  EXPECT_EQ(to_hex(data),
            "3b3fd92eb72dad20333449f8e83cfb4a" "7789508d16918f03f53c52dac54ed825"
            "9740051e9c5fecf64344f7a82260edcc" "304c6528f659c77866a510d9c1d6ae5e");
}

TEST(StreamCipher, AesOfbZeroIvIsIteratedEncryptionOfZero) {
  // FIPS-197 style: AES-128(key=2b7e...3c, 0^128) = 7df76b0c1ab899b33e42f047b91b546f.
  auto c = make(CipherId::aes128, key16("2b7e151628aed2a6abf7158809cf4f3c"));
  EXPECT_EQ(to_hex(keystream(c, 16)), "7df76b0c1ab899b33e42f047b91b546f");
}

TEST(StreamCipher, AesOfbCapturedKeyAndJavaCipher3) {
  const auto k = key16("bbAcD834680DDca9DE65269512BDdEC2");
  auto a = make(CipherId::aes128, k);
  EXPECT_EQ(to_hex(keystream(a, 20)), "7b30bc25cfd3741b8145d71f5fede15c86e6252e");
  auto j = make(CipherId::aes256, k, Cipher3Reading::java_aes128);
  EXPECT_EQ(to_hex(keystream(j, 20)), "7b30bc25cfd3741b8145d71f5fede15c86e6252e");
}

TEST(StreamCipher, KeystreamResumesAcrossCallsAndSplits) {
  const auto k = key16("bbAcD834680DDca9DE65269512BDdEC2");
  for (CipherId id : {CipherId::rc4, CipherId::aes128}) {
    auto whole = make(id, k);
    auto ref = keystream(whole, 100);
    auto parts = make(id, k);
    Bytes got;
    for (std::size_t n : {1u, 15u, 16u, 17u, 3u, 48u}) {
      auto p = keystream(parts, n);
      got.insert(got.end(), p.begin(), p.end());
    }
    EXPECT_EQ(got, ref);
  }
}

TEST(StreamCipher, CloneContinuesIndependently) {
  auto a = make(CipherId::rc4, key16("bbAcD834680DDca9DE65269512BDdEC2"));
  keystream(a, 5);
  auto b = a.clone();
  EXPECT_EQ(keystream(a, 11), keystream(b, 11));
  EXPECT_EQ(to_hex(keystream(b, 0)), "");
}

TEST(StreamCipher, Cipher3TypeScriptReadingIsAes256WithPaddedKey) {
  // Known answer from `openssl enc -aes-256-ofb -K <enc_key || 0^128> -iv 0` on 32 zero bytes.
  auto t = make(CipherId::aes256, key16("bbAcD834680DDca9DE65269512BDdEC2"),
                Cipher3Reading::ts_aes256_padded);
  EXPECT_EQ(to_hex(keystream(t, 32)),
            "33df72e702edb775cb5c28a87b1d56691c28b5f50913c0748d9979cbcfe9cd2f");
}

TEST(StreamCipher, NoneIsIdentity) {
  std::error_code ec;
  auto n = StreamCipher::create(CipherId::none, key16("00000000000000000000000000000000"),
                                Cipher3Reading::java_aes128, ec);
  EXPECT_FALSE(ec);
  EXPECT_TRUE(n.is_identity());
  Bytes d{1, 2, 3};
  n.apply(d);
  EXPECT_EQ(d, (Bytes{1, 2, 3}));
}

}  // namespace
}  // namespace ilo::crypto

// Console and command handshakes (docs/rc-handshake.md): the connect request against the captured
// bytes, the client state machine for every status byte and the busy dialogue, the server
// state machine's validation, and client against server. Every input is fed whole, one byte
// at a time and split at every offset.
#include <algorithm>
#include <functional>
#include <optional>

#include <gtest/gtest.h>

#include "bytes/hex.hpp"
#include "rc/client_handshake.hpp"
#include "rc/connect_request.hpp"
#include "rc/handshake_codes.hpp"
#include "rc/key_encoding.hpp"
#include "rc/optional_features.hpp"
#include "rc/rc_error.hpp"
#include "rc/server_handshake.hpp"
#include "session_test_support.hpp"

namespace ilo::rc {
namespace {

using test::all_schedules;
using test::bytes_of;
using test::Cuts;
using test::describe;
using test::fixture;
using test::kEncKey;
using test::kSessionKey;
using test::pieces;

ConnectRequestBytes request(ConnectionType type, std::string_view enc_key = kEncKey,
                            OptionalFeatures features = test::captured_features()) {
  std::error_code ec;
  auto r = build_connect_request(type, kSessionKey, enc_key, features, ec);
  EXPECT_FALSE(ec) << ec.message();
  return r;
}

std::vector<std::uint8_t> as_vector(const ConnectRequestBytes& r) { return {r.begin(), r.end()}; }

// ---- connect request -------------------------------------------------------------------

TEST(OptionalFeatures, ParsesCapturedList) {
  const auto f = parse_optional_features("ENCRYPT_KEY;ENCRYPT_VMKEY;ENCRYPT_CMD");
  EXPECT_TRUE(f.encrypt_key);
  EXPECT_TRUE(f.encrypt_vmkey);
  EXPECT_TRUE(f.encrypt_cmd);
  EXPECT_EQ(format_optional_features(f), "ENCRYPT_KEY;ENCRYPT_VMKEY;ENCRYPT_CMD");
}

TEST(OptionalFeatures, ItemsAreExactNamesTrimmed) {
  EXPECT_EQ(parse_optional_features(""), OptionalFeatures{});
  EXPECT_EQ(parse_optional_features("encrypt_key;ENCRYPT_KEYS;XENCRYPT_KEY"), OptionalFeatures{});
  const auto f = parse_optional_features(" ENCRYPT_VMKEY ;; FOO;ENCRYPT_KEY");
  EXPECT_TRUE(f.encrypt_key);
  EXPECT_TRUE(f.encrypt_vmkey);
  EXPECT_FALSE(f.encrypt_cmd);
  EXPECT_EQ(parse_optional_features(format_optional_features(f)), f);
}

TEST(ConnectRequest, FlagsFollowFeatures) {
  EXPECT_EQ(connect_flags(parse_optional_features("")), 0x20);
  EXPECT_EQ(connect_flags(parse_optional_features("ENCRYPT_VMKEY")), 0x20);
  EXPECT_EQ(connect_flags(parse_optional_features("ENCRYPT_KEY")), 0xA0);
  EXPECT_EQ(connect_flags(parse_optional_features("ENCRYPT_KEY;ENCRYPT_VMKEY")), 0x60);
}

TEST(ConnectRequest, ConsoleRequestMatchesCapture) {
  EXPECT_EQ(as_vector(request(ConnectionType::console)), fixture("rc-client.bin"));
  EXPECT_EQ(to_hex(as_vector(request(ConnectionType::console))),
            "0160515b7650220c020d005d0521735403" "5f22725503"
            "56555a040453207d53277a00");
}

TEST(ConnectRequest, CommandRequestMatchesCapture) {
  EXPECT_EQ(as_vector(request(ConnectionType::command)), fixture("cmd-client.bin"));
}

TEST(ConnectRequest, PlainKeyWithoutEncryptKey) {
  const auto r = request(ConnectionType::console, kEncKey, parse_optional_features("ENCRYPT_CMD"));
  EXPECT_EQ(r[0], 0x01);
  EXPECT_EQ(r[1], 0x20);
  EXPECT_EQ(std::string(r.begin() + 2, r.end()), kSessionKey);
}

TEST(ConnectRequest, EncryptKeyAloneUsesFlag80) {
  const auto r = request(ConnectionType::console, kEncKey, parse_optional_features("ENCRYPT_KEY"));
  auto captured = fixture("rc-client.bin");
  captured[1] = 0xA0;
  EXPECT_EQ(as_vector(r), captured);
}

TEST(KeyEncoding, RejectsMalformedKeyTexts) {
  std::error_code ec;
  encode_session_key(kSessionKey.substr(1), kEncKey, true, ec);
  EXPECT_EQ(ec, RcError::bad_key_text);
  encode_session_key(kSessionKey, kEncKey.substr(0, 31), true, ec);
  EXPECT_EQ(ec, RcError::bad_key_text);
  encode_session_key("3973f4196e5e77bff7c6dcc15ab97bzz", kEncKey, true, ec);
  EXPECT_EQ(ec, RcError::bad_key_text);
  encode_session_key(kSessionKey, "", false, ec);  // enc_key unused without XOR
  EXPECT_FALSE(ec);
  build_connect_request(ConnectionType::console, "short", kEncKey, test::captured_features(), ec);
  EXPECT_EQ(ec, RcError::bad_key_text);
  // The error text never carries key material.
  EXPECT_EQ(ec.message().find("3973"), std::string::npos);
}

TEST(KeyEncoding, StreamKeyIsEncKeyHexDecoded) {
  std::error_code ec;
  const auto k = stream_key_from_enc_key(kEncKey, ec);
  ASSERT_FALSE(ec);
  EXPECT_EQ(to_hex(k), "bbacd834680ddca9de65269512bddec2");
  stream_key_from_enc_key("bbAcD834680DDca9DE65269512BDdEC", ec);
  EXPECT_EQ(ec, RcError::bad_key_text);
  stream_key_from_enc_key("gbAcD834680DDca9DE65269512BDdEC2", ec);
  EXPECT_EQ(ec, RcError::bad_key_text);
}

TEST(ConnectRequest, ParseAcceptsCapturedRequests) {
  std::error_code ec;
  auto rc = parse_connect_request(fixture("rc-client.bin"), ec);
  ASSERT_TRUE(rc) << ec.message();
  EXPECT_EQ(rc->type, ConnectionType::console);
  EXPECT_EQ(rc->flags, 0x60);
  EXPECT_FALSE(validate_connect_request(*rc, kSessionKey, kEncKey, test::captured_features()));
  auto cmd = parse_connect_request(fixture("cmd-client.bin"), ec);
  ASSERT_TRUE(cmd);
  EXPECT_EQ(cmd->type, ConnectionType::command);
  EXPECT_EQ(encode_connect_request(*cmd), request(ConnectionType::command));
}

TEST(ConnectRequest, ParseRejectsMalformed) {
  std::error_code ec;
  auto bytes = fixture("rc-client.bin");
  EXPECT_FALSE(parse_connect_request(std::span(bytes).first(33), ec));
  EXPECT_EQ(ec, RcError::bad_connect_request);
  for (std::uint8_t type : std::initializer_list<std::uint8_t>{0x00, 0x03, 0x10, 0xFF}) {
    auto b = bytes;
    b[0] = type;
    EXPECT_FALSE(parse_connect_request(b, ec)) << int(type);
    EXPECT_EQ(ec, RcError::bad_connect_request);
  }
  for (std::uint8_t flags :
       std::initializer_list<std::uint8_t>{0x00, 0x21, 0x40, 0x61, 0xA1, 0x10}) {
    auto b = bytes;
    b[1] = flags;
    EXPECT_FALSE(parse_connect_request(b, ec)) << int(flags);
  }
}

// ---- client handshake ------------------------------------------------------------------

enum class Decision { seize, share, cancel };

struct ClientRun {
  std::vector<std::uint8_t> sent;
  std::size_t consumed = 0;
  HandshakeStatus status = HandshakeStatus::need_more;
  std::error_code error;
  int busy_seen = 0;
};

// Feeds `input` in the pieces of `cuts`, answering busy with `decision`, until the handshake
// ends or the input runs out.
ClientRun run_client(ClientHandshake& hs, std::span<const std::uint8_t> input, const Cuts& cuts,
                     Decision decision = Decision::seize) {
  ClientRun run;
  auto take = [&run](const ClientHandshakeResult& r) {
    run.sent.insert(run.sent.end(), r.send.begin(), r.send.end());
    run.status = r.status;
    run.error = r.error;
  };
  for (auto piece : pieces(input, cuts)) {
    std::size_t off = 0;
    while (true) {
      auto r = hs.feed(piece.subspan(off));
      off += r.consumed;
      run.consumed += r.consumed;
      take(r);
      if (r.status == HandshakeStatus::busy) {
        ++run.busy_seen;
        take(decision == Decision::seize   ? hs.seize()
             : decision == Decision::share ? hs.share()
                                           : hs.cancel());
      }
      if (run.status == HandshakeStatus::granted || run.status == HandshakeStatus::failed)
        return run;
      if (off == piece.size()) break;
    }
  }
  return run;
}

struct StatusCase {
  std::string server;  // bytes from the server
  Decision decision;
  HandshakeStatus status;
  std::error_code error;
  std::size_t consumed;
  std::vector<std::uint8_t> extra_sent;  // after the request
};

void check_client(ConnectionType type, const StatusCase& c, ClientHandshakeOptions options = {}) {
  const auto req = request(type);
  auto input = bytes_of(c.server);
  input.push_back(0xEE);  // a stream byte that must not be consumed
  input.push_back(0x11);
  for (const auto& cuts : all_schedules(input.size())) {
    SCOPED_TRACE(describe(cuts) + " server=" + to_hex(bytes_of(c.server)));
    ClientHandshake hs(req, options);
    const auto run = run_client(hs, input, cuts, c.decision);
    EXPECT_EQ(run.status, c.status);
    EXPECT_EQ(run.error, c.error) << run.error.message();
    EXPECT_EQ(run.consumed, c.consumed);
    auto expected_sent = as_vector(req);
    expected_sent.insert(expected_sent.end(), c.extra_sent.begin(), c.extra_sent.end());
    EXPECT_EQ(run.sent, expected_sent);
    EXPECT_EQ(hs.status(), c.status);
    // A final state consumes nothing more.
    if (c.status != HandshakeStatus::need_more) {
      EXPECT_EQ(hs.feed(input).consumed, 0u);
    }
  }
}

const std::vector<std::uint8_t> kSeize{0x55, 0x00};
const std::vector<std::uint8_t> kShare{0x56, 0x00};

TEST(ClientHandshake, CapturedConsoleAndCommandHandshakes) {
  for (auto [type, name] : {std::pair{ConnectionType::console, "rc"},
                            std::pair{ConnectionType::command, "cmd"}}) {
    const auto server = fixture(std::string(name) + "-server.bin");
    const auto client = fixture(std::string(name) + "-client.bin");
    // Byte by byte, whole, and at each split of the first 40 bytes (the rest is stream).
    const std::size_t n = std::min<std::size_t>(server.size(), 40);
    for (const auto& cuts : all_schedules(n)) {
      SCOPED_TRACE(std::string(name) + " " + describe(cuts));
      ClientHandshake hs(request(type));
      const auto run = run_client(hs, std::span(server).first(n), cuts);
      EXPECT_EQ(run.status, HandshakeStatus::granted);
      EXPECT_EQ(run.consumed, 2u);  // 'P', 'R'; the stream starts right after
      EXPECT_EQ(run.sent, client);
      EXPECT_EQ(hs.status_byte(), 'R');
      EXPECT_EQ(hs.type(), type);
    }
  }
}

TEST(ClientHandshake, ConsoleStatusBytes) {
  const std::vector<StatusCase> cases = {
      {"PR", Decision::seize, HandshakeStatus::granted, {}, 2, {}},
      {"PQ", Decision::seize, HandshakeStatus::failed, RcError::access_denied, 2, {}},
      {"PW", Decision::seize, HandshakeStatus::failed, RcError::no_licence, 2, {}},
      {"PX", Decision::seize, HandshakeStatus::failed, RcError::no_free_sessions, 2, {}},
      // Java reads undocumented bytes (T, U, V, anything) as success.
      {"PT", Decision::seize, HandshakeStatus::granted, {}, 2, {}},
      {"PU", Decision::seize, HandshakeStatus::granted, {}, 2, {}},
      {"PV", Decision::seize, HandshakeStatus::granted, {}, 2, {}},
      {"PP", Decision::seize, HandshakeStatus::granted, {}, 2, {}},
      {std::string("P\0", 2), Decision::seize, HandshakeStatus::granted, {}, 2, {}},
      // Busy: seize then R or Q; anything else after a seize fails.
      {"PSR", Decision::seize, HandshakeStatus::granted, {}, 3, kSeize},
      {"PYR", Decision::seize, HandshakeStatus::granted, {}, 3, kSeize},
      {"PSQ", Decision::seize, HandshakeStatus::failed, RcError::seize_refused, 3, kSeize},
      {"PYQ", Decision::seize, HandshakeStatus::failed, RcError::seize_refused, 3, kSeize},
      {"PST", Decision::seize, HandshakeStatus::failed, RcError::unexpected_status, 3, kSeize},
      {"PSS", Decision::seize, HandshakeStatus::failed, RcError::unexpected_status, 3, kSeize},
      // Share: Java counts the connection as failed right after sending 56 00.
      {"PS", Decision::share, HandshakeStatus::failed, RcError::share_unsupported, 2, kShare},
      {"PY", Decision::share, HandshakeStatus::failed, RcError::share_unsupported, 2, kShare},
      // Cancel: nothing is sent.
      {"PS", Decision::cancel, HandshakeStatus::failed, RcError::cancelled, 2, {}},
      // Not a hello: give up without sending anything.
      {"R", Decision::seize, HandshakeStatus::failed, RcError::bad_hello, 1, {}},
  };
  for (const auto& c : cases) {
    if (c.error == RcError::bad_hello) {
      // Nothing is sent at all: check by hand (check_client expects the request).
      for (const auto& cuts : all_schedules(3)) {
        ClientHandshake hs(request(ConnectionType::console));
        const std::vector<std::uint8_t> in{'R', 'P', 'R'};
        const auto run = run_client(hs, in, cuts);
        EXPECT_EQ(run.status, HandshakeStatus::failed);
        EXPECT_EQ(run.error, RcError::bad_hello);
        EXPECT_EQ(run.consumed, 1u);
        EXPECT_TRUE(run.sent.empty());
      }
      continue;
    }
    check_client(ConnectionType::console, c);
  }
}

TEST(ClientHandshake, StrictReadingRejectsUndocumentedBytes) {
  ClientHandshakeOptions strict;
  strict.unknown_status = UnknownStatusReading::strict_error;
  for (const char* s : {"PT", "PU", "PV", "PP", "PA"})
    check_client(ConnectionType::console,
                 {s, Decision::seize, HandshakeStatus::failed, RcError::unexpected_status, 2, {}},
                 strict);
  check_client(ConnectionType::console, {"PR", Decision::seize, HandshakeStatus::granted, {}, 2, {}},
               strict);
}

TEST(ClientHandshake, ShareReadings) {
  ClientHandshakeOptions ts;
  ts.share = ShareReading::ts_assume_granted;
  check_client(ConnectionType::console,
               {"PS", Decision::share, HandshakeStatus::granted, {}, 2, kShare}, ts);
  ClientHandshakeOptions await;
  await.share = ShareReading::await_status;
  check_client(ConnectionType::console,
               {"PYR", Decision::share, HandshakeStatus::granted, {}, 3, kShare}, await);
  check_client(ConnectionType::console,
               {"PSQ", Decision::share, HandshakeStatus::failed, RcError::access_denied, 3, kShare},
               await);
  check_client(ConnectionType::console,
               {"PSX", Decision::share, HandshakeStatus::failed, RcError::unexpected_status, 3,
                kShare},
               await);
}

TEST(ClientHandshake, CommandConnectionAcceptsOnlyR) {
  const std::vector<StatusCase> cases = {
      {"PR", Decision::seize, HandshakeStatus::granted, {}, 2, {}},
      {"PQ", Decision::seize, HandshakeStatus::failed, RcError::access_denied, 2, {}},
      {"PS", Decision::seize, HandshakeStatus::failed, RcError::busy, 2, {}},
      {"PY", Decision::seize, HandshakeStatus::failed, RcError::busy, 2, {}},
      {"PW", Decision::seize, HandshakeStatus::failed, RcError::no_licence, 2, {}},
      {"PX", Decision::seize, HandshakeStatus::failed, RcError::no_free_sessions, 2, {}},
      {"PT", Decision::seize, HandshakeStatus::failed, RcError::unexpected_status, 2, {}},
  };
  for (const auto& c : cases) check_client(ConnectionType::command, c);
}

TEST(ClientHandshake, BusyDecisionsOnlyWhenBusy) {
  ClientHandshake hs(request(ConnectionType::console));
  EXPECT_EQ(hs.seize().error, RcError::bad_state);
  EXPECT_EQ(hs.share().error, RcError::bad_state);
  EXPECT_EQ(hs.cancel().error, RcError::bad_state);
  EXPECT_EQ(hs.status(), HandshakeStatus::need_more);  // unchanged
  const std::vector<std::uint8_t> in{'P', 'S'};
  EXPECT_EQ(hs.feed(in).consumed, 1u);
  auto busy = hs.feed(std::span(in).subspan(1));
  EXPECT_EQ(busy.status, HandshakeStatus::busy);
  EXPECT_EQ(hs.status_byte(), 'S');
  EXPECT_EQ(hs.feed(in).consumed, 0u);  // waits for the decision
  auto s = hs.seize();
  EXPECT_EQ(s.send, kSeize);
  EXPECT_EQ(hs.seize().error, RcError::bad_state);  // only once
  EXPECT_EQ(hs.status(), HandshakeStatus::need_more);
}

// ---- server handshake ------------------------------------------------------------------

ServerHandshakeConfig server_config() {
  ServerHandshakeConfig c;
  c.session_key = std::string(kSessionKey);
  c.enc_key = std::string(kEncKey);
  c.features = test::captured_features();
  return c;
}

struct ServerRun {
  std::size_t consumed = 0;
  ServerHandshakeResult last;
};

ServerRun run_server(ServerHandshake& hs, std::span<const std::uint8_t> input, const Cuts& cuts) {
  ServerRun run;
  for (auto piece : pieces(input, cuts)) {
    std::size_t off = 0;
    do {
      run.last = hs.feed(piece.subspan(off));
      off += run.last.consumed;
      run.consumed += run.last.consumed;
      if (run.last.status != ServerHandshakeStatus::need_more) return run;
    } while (off < piece.size());
  }
  return run;
}

TEST(ServerHandshake, AcceptsCapturedRequests) {
  for (auto [name, type] : {std::pair{"rc-client.bin", ConnectionType::console},
                            std::pair{"cmd-client.bin", ConnectionType::command}}) {
    auto input = fixture(name);
    input.push_back(0x05);  // a byte beyond the request is not consumed
    for (const auto& cuts : all_schedules(input.size())) {
      SCOPED_TRACE(std::string(name) + " " + describe(cuts));
      ServerHandshake hs(server_config());
      EXPECT_EQ(hs.start().send, std::vector<std::uint8_t>{'P'});
      EXPECT_TRUE(hs.start().send.empty());
      const auto run = run_server(hs, input, cuts);
      EXPECT_EQ(run.last.status, ServerHandshakeStatus::request_received);
      EXPECT_EQ(run.consumed, kConnectRequestSize);
      EXPECT_FALSE(hs.validation());
      EXPECT_EQ(hs.request().type, type);
      const auto r = hs.respond('R');
      EXPECT_EQ(r.send, std::vector<std::uint8_t>{'R'});
      EXPECT_EQ(r.status, ServerHandshakeStatus::granted);
      EXPECT_EQ(hs.feed(input).consumed, 0u);
      EXPECT_EQ(hs.respond('R').error, RcError::bad_state);
    }
  }
}

void expect_rejected(std::vector<std::uint8_t> bytes, std::error_code why) {
  for (const auto& cuts : all_schedules(bytes.size())) {
    SCOPED_TRACE(describe(cuts));
    ServerHandshake hs(server_config());
    hs.start();
    const auto run = run_server(hs, bytes, cuts);
    EXPECT_EQ(run.last.status, ServerHandshakeStatus::refused);
    EXPECT_EQ(run.last.send, std::vector<std::uint8_t>{'Q'});
    EXPECT_EQ(run.last.error, why) << run.last.error.message();
    EXPECT_EQ(hs.validation(), why);
    EXPECT_EQ(run.consumed, kConnectRequestSize);
  }
}

TEST(ServerHandshake, RejectsWrongKey) {
  auto b = fixture("rc-client.bin");
  b[20] ^= 0x01;
  expect_rejected(b, RcError::bad_key);
  // Another session's key.
  std::error_code ec;
  auto other = build_connect_request(ConnectionType::console, "0000f4196e5e77bff7c6dcc15ab97b92",
                                     kEncKey, test::captured_features(), ec);
  expect_rejected(as_vector(other), RcError::bad_key);
}

TEST(ServerHandshake, RejectsWrongCaseOfEncKey) {
  std::string lower(kEncKey);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](char c) { return static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c); });
  expect_rejected(as_vector(request(ConnectionType::console, lower)), RcError::bad_key);
  std::string upper(kEncKey);
  std::transform(upper.begin(), upper.end(), upper.begin(),
                 [](char c) { return static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c); });
  expect_rejected(as_vector(request(ConnectionType::command, upper)), RcError::bad_key);
}

TEST(ServerHandshake, RejectsWrongFlags) {
  auto b = fixture("rc-client.bin");
  b[1] = 0xA0;  // claims ENCRYPT_KEY without ENCRYPT_VMKEY
  expect_rejected(b, RcError::bad_flags);
  b[1] = 0x20;  // claims a plain key
  expect_rejected(b, RcError::bad_flags);
  // A plain key where the server advertised ENCRYPT_KEY.
  expect_rejected(as_vector(request(ConnectionType::console, kEncKey, OptionalFeatures{})),
                  RcError::bad_flags);
}

TEST(ServerHandshake, RejectsWrongTypeByte) {
  for (std::uint8_t type : std::initializer_list<std::uint8_t>{0x00, 0x03, 0x10, 0x50}) {
    auto b = fixture("rc-client.bin");
    b[0] = type;
    expect_rejected(b, RcError::bad_connect_request);
  }
  auto b = fixture("cmd-client.bin");
  b[1] = 0x61;
  expect_rejected(b, RcError::bad_connect_request);
}

TEST(ServerHandshake, ServerWithoutEncryptKeyExpectsPlainKey) {
  auto config = server_config();
  config.features = parse_optional_features("ENCRYPT_CMD");
  ServerHandshake hs(config);
  hs.start();
  const auto req = request(ConnectionType::console, kEncKey, config.features);
  const auto r = hs.feed(req);
  EXPECT_EQ(r.status, ServerHandshakeStatus::request_received);
  EXPECT_FALSE(hs.validation());
}

TEST(ServerHandshake, CallerMayAnswerAnInvalidRequest) {
  auto config = server_config();
  config.reject_invalid = false;
  ServerHandshake hs(config);
  hs.start();
  auto b = fixture("rc-client.bin");
  b[5] ^= 0x40;
  const auto r = hs.feed(b);
  EXPECT_EQ(r.status, ServerHandshakeStatus::request_received);
  EXPECT_TRUE(r.send.empty());
  EXPECT_EQ(hs.validation(), RcError::bad_key);
  EXPECT_EQ(hs.respond('R').status, ServerHandshakeStatus::granted);  // fault injection
}

TEST(ServerHandshake, RefusalsAndBusyDialogue) {
  for (char status : {'Q', 'W', 'X'}) {
    ServerHandshake hs(server_config());
    hs.start();
    hs.feed(fixture("rc-client.bin"));
    const auto r = hs.respond(static_cast<std::uint8_t>(status));
    EXPECT_EQ(r.status, ServerHandshakeStatus::refused);
    EXPECT_EQ(r.send, std::vector<std::uint8_t>{static_cast<std::uint8_t>(status)});
  }
  struct Case {
    std::vector<std::uint8_t> answer;
    ServerHandshakeStatus status;
  };
  for (char busy : {'S', 'Y'}) {
    for (const auto& c : {Case{{0x55, 0x00}, ServerHandshakeStatus::seize_requested},
                          Case{{0x56, 0x00}, ServerHandshakeStatus::share_requested},
                          Case{{0x55, 0x01}, ServerHandshakeStatus::failed},
                          Case{{0x05, 0x00}, ServerHandshakeStatus::failed}}) {
      auto input = c.answer;
      input.push_back(0x01);  // not consumed
      for (const auto& cuts : all_schedules(input.size())) {
        ServerHandshake hs(server_config());
        hs.start();
        hs.feed(fixture("rc-client.bin"));
        const auto b = hs.respond(static_cast<std::uint8_t>(busy));
        EXPECT_EQ(b.send, std::vector<std::uint8_t>{static_cast<std::uint8_t>(busy)});
        EXPECT_EQ(b.status, ServerHandshakeStatus::need_more);
        const auto run = run_server(hs, input, cuts);
        EXPECT_EQ(run.last.status, c.status);
        EXPECT_EQ(run.consumed, 2u);
        if (c.status == ServerHandshakeStatus::failed) {
          EXPECT_EQ(run.last.error, RcError::bad_busy_answer);
          continue;
        }
        EXPECT_EQ(hs.respond('S').error, RcError::bad_state);  // busy only once
        EXPECT_EQ(hs.respond('R').status, ServerHandshakeStatus::granted);
      }
    }
  }
}

// Client and server state machines talking to each other through byte queues.
struct Pair {
  ClientHandshake client;
  ServerHandshake server;
  std::vector<std::uint8_t> to_client, to_server;

  Pair() : client(request(ConnectionType::console)), server(server_config()) {}

  void pump_client() {
    auto r = client.feed(to_client);
    to_client.erase(to_client.begin(), to_client.begin() + static_cast<std::ptrdiff_t>(r.consumed));
    to_server.insert(to_server.end(), r.send.begin(), r.send.end());
  }
  void pump_server() {
    auto r = server.feed(to_server);
    to_server.erase(to_server.begin(), to_server.begin() + static_cast<std::ptrdiff_t>(r.consumed));
    to_client.insert(to_client.end(), r.send.begin(), r.send.end());
  }
  void server_says(std::uint8_t status) {
    auto r = server.respond(status);
    to_client.insert(to_client.end(), r.send.begin(), r.send.end());
  }
};

TEST(Handshakes, ClientAgainstServerSeize) {
  for (std::uint8_t verdict : {std::uint8_t{'R'}, std::uint8_t{'Q'}}) {
    Pair p;
    p.to_client = p.server.start().send;
    p.pump_client();
    p.pump_server();
    ASSERT_EQ(p.server.status(), ServerHandshakeStatus::request_received);
    p.server_says('Y');
    p.pump_client();
    p.pump_client();
    ASSERT_EQ(p.client.status(), HandshakeStatus::busy);
    auto s = p.client.seize();
    p.to_server.insert(p.to_server.end(), s.send.begin(), s.send.end());
    p.pump_server();
    ASSERT_EQ(p.server.status(), ServerHandshakeStatus::seize_requested);
    p.server_says(verdict);
    p.pump_client();
    if (verdict == 'R') {
      EXPECT_EQ(p.client.status(), HandshakeStatus::granted);
      EXPECT_EQ(p.server.status(), ServerHandshakeStatus::granted);
    } else {
      EXPECT_EQ(p.client.error(), RcError::seize_refused);
      EXPECT_EQ(p.server.status(), ServerHandshakeStatus::refused);
    }
    EXPECT_TRUE(p.to_client.empty());
    EXPECT_TRUE(p.to_server.empty());
  }
}

}  // namespace
}  // namespace ilo::rc

// The NBD server core (see nbd_server.hpp). Input is buffered until one whole unit (client
// flags, an option with its data, a request with its WRITE data) is there, then parsed with
// the bounds-checked ByteReader; lengths are checked before anything is buffered for them.
#include "sim/nbd_server.hpp"

#include <algorithm>

#include "bytes/byte_reader.hpp"

namespace ilo::sim {
namespace {

void put_be(std::vector<std::uint8_t>& out, std::uint64_t v, int n) {
  for (int i = n - 1; i >= 0; --i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

constexpr std::size_t kOptionHeader = 16;   // magic, option, length
constexpr std::size_t kRequestHeader = 28;  // magic, flags, type, handle, offset, length

}  // namespace

NbdServer::NbdServer(NbdExport exp) : export_(exp) {
  put_be(out_, nbd::kInitMagic, 8);
  put_be(out_, nbd::kOptionMagic, 8);
  put_be(out_, nbd::kFlagFixedNewstyle | nbd::kFlagNoZeroes, 2);  // handshake flags
}

std::size_t NbdServer::feed(std::span<const std::uint8_t> in) {
  std::size_t used = 0;
  while (used < in.size() && phase_ != Phase::closed && phase_ != Phase::broken) {
    if (discard_ > 0) {  // the data of a refused WRITE
      const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(discard_, in.size() - used));
      discard_ -= n;
      used += n;
      continue;
    }
    const std::size_t want = need();
    const std::size_t n = std::min(want - in_.size(), in.size() - used);
    const auto first = in.begin() + static_cast<std::ptrdiff_t>(used);
    in_.insert(in_.end(), first, first + static_cast<std::ptrdiff_t>(n));
    used += n;
    if (in_.size() == want) step();  // may find it needs the data that follows a header
  }
  return used;
}

std::size_t NbdServer::need() const {
  switch (phase_) {
    case Phase::client_flags: return 4;
    case Phase::options: {
      if (in_.size() < kOptionHeader) return kOptionHeader;
      ByteReader r{in_};
      r.skip(12);
      const std::uint32_t length = r.u32be();
      return length > nbd::kMaxOptionLength ? kOptionHeader : kOptionHeader + length;
    }
    case Phase::transmission: {
      if (in_.size() < kRequestHeader) return kRequestHeader;
      ByteReader r{in_};
      r.skip(6);
      const std::uint16_t type = r.u16be();
      r.skip(8);
      const std::uint64_t offset = r.u64be();
      const std::uint32_t length = r.u32be();
      const bool write = type == static_cast<std::uint16_t>(nbd::Command::write);
      return write && accepts_write(offset, length) ? kRequestHeader + length : kRequestHeader;
    }
    case Phase::closed:
    case Phase::broken: return 0;
  }
  return 0;
}

bool NbdServer::in_range(std::uint64_t offset, std::uint32_t length) const noexcept {
  return length <= nbd::kMaxPayload && offset <= export_.size &&
         length <= export_.size - offset;
}

bool NbdServer::step() {
  switch (phase_) {
    case Phase::client_flags: return on_client_flags();
    case Phase::options: return on_option();
    case Phase::transmission: return on_request();
    case Phase::closed:
    case Phase::broken: return false;
  }
  return false;
}

bool NbdServer::on_client_flags() {
  if (in_.size() < 4) return false;
  ByteReader r{in_};
  const std::uint32_t flags = r.u32be();
  in_.clear();
  if ((flags & nbd::kFlagFixedNewstyle) == 0 ||
      (flags & ~std::uint32_t{nbd::kFlagFixedNewstyle | nbd::kFlagNoZeroes}) != 0) {
    fail("client flags are not fixed newstyle");
    return false;
  }
  no_zeroes_ = (flags & nbd::kFlagNoZeroes) != 0;
  phase_ = Phase::options;
  return true;
}

bool NbdServer::on_option() {
  if (in_.size() < kOptionHeader) return false;
  ByteReader r{in_};
  const std::uint64_t magic = r.u64be();
  const std::uint32_t option = r.u32be();
  const std::uint32_t length = r.u32be();
  if (magic != nbd::kOptionMagic) {
    fail("option without IHAVEOPT");
    return false;
  }
  if (length > nbd::kMaxOptionLength) {
    fail("option data too long");
    return false;
  }
  if (in_.size() < kOptionHeader + length) return false;
  const std::vector<std::uint8_t> data(in_.begin() + kOptionHeader, in_.end());
  in_.clear();
  switch (option) {
    case nbd::kOptExportName: {
      // The old way in: size, transmission flags, 124 zeros unless NO_ZEROES; no reply header.
      put_be(out_, export_.size, 8);
      put_be(out_, nbd::kFlagHasFlags | nbd::kFlagSendFlush |
                       (export_.read_only ? nbd::kFlagReadOnly : 0), 2);
      if (!no_zeroes_) out_.insert(out_.end(), 124, 0);
      phase_ = Phase::transmission;
      return true;
    }
    case nbd::kOptAbort:
      option_reply(option, nbd::kRepAck, {});
      phase_ = Phase::closed;
      return false;
    case nbd::kOptInfo:
    case nbd::kOptGo: {
      // Data: name length, name, number of info requests, the requests (2 bytes each). Any
      // name is this one export; the export information is sent whatever was asked.
      ByteReader d{data};
      const std::uint32_t name_length = d.u32be();
      d.skip(name_length);
      const std::uint16_t infos = d.u16be();
      d.skip(std::size_t{infos} * 2);
      if (!d.ok() || d.remaining() != 0) {
        option_reply(option, nbd::kRepErrInvalid, {});
        return true;
      }
      export_info(option);
      option_reply(option, nbd::kRepAck, {});
      if (option == nbd::kOptGo) phase_ = Phase::transmission;
      return true;
    }
    default:  // structured replies, meta contexts, TLS, lists: not offered
      option_reply(option, nbd::kRepErrUnsupported, {});
      return true;
  }
}

bool NbdServer::on_request() {
  if (in_.size() < kRequestHeader) return false;
  ByteReader r{in_};
  const std::uint32_t magic = r.u32be();
  r.skip(2);  // command flags (FUA and friends: every write here is synchronous)
  const std::uint16_t type = r.u16be();
  const std::uint64_t handle = r.u64be();
  const std::uint64_t offset = r.u64be();
  const std::uint32_t length = r.u32be();
  if (magic != nbd::kRequestMagic) {
    fail("request magic wrong");
    return false;
  }
  if (type == static_cast<std::uint16_t>(nbd::Command::write)) {
    if (!accepts_write(offset, length)) {
      in_.clear();
      discard_ = length;
      ++rejected_;
      simple_reply(handle, in_range(offset, length) ? nbd::kEperm : nbd::kEinval);
      return true;
    }
    if (in_.size() < kRequestHeader + length) return false;
  }
  NbdRequest request{static_cast<nbd::Command>(type), handle, offset, length, {}};
  if (request.type == nbd::Command::write)
    request.data.assign(in_.begin() + kRequestHeader, in_.end());
  in_.clear();
  switch (request.type) {
    case nbd::Command::disconnect:
      phase_ = Phase::closed;
      return false;
    case nbd::Command::read:
      if (!in_range(offset, length)) {
        ++rejected_;
        simple_reply(handle, nbd::kEinval);
        return true;
      }
      break;
    case nbd::Command::write:
    case nbd::Command::flush: break;
    default:  // TRIM, WRITE_ZEROES, CACHE, BLOCK_STATUS, ...: not offered
      ++rejected_;
      simple_reply(handle, nbd::kEinval);
      return true;
  }
  requests_.push_back(std::move(request));
  return true;
}

NbdRequest NbdServer::take_request() {
  NbdRequest r = std::move(requests_.front());
  requests_.pop_front();
  return r;
}

void NbdServer::reply(std::uint64_t handle, std::uint32_t error,
                      std::span<const std::uint8_t> data) {
  if (phase_ != Phase::transmission) return;
  simple_reply(handle, error);
  if (error == nbd::kOk) out_.insert(out_.end(), data.begin(), data.end());
}

std::vector<std::uint8_t> NbdServer::take_output() {
  std::vector<std::uint8_t> out;
  out.swap(out_);
  return out;
}

void NbdServer::option_reply(std::uint32_t option, std::uint32_t type,
                             std::span<const std::uint8_t> data) {
  put_be(out_, nbd::kReplyMagic, 8);
  put_be(out_, option, 4);
  put_be(out_, type, 4);
  put_be(out_, data.size(), 4);
  out_.insert(out_.end(), data.begin(), data.end());
}

void NbdServer::export_info(std::uint32_t option) {
  std::vector<std::uint8_t> info;
  put_be(info, nbd::kInfoExport, 2);  // NBD_INFO_EXPORT
  put_be(info, export_.size, 8);      // export size
  put_be(info, nbd::kFlagHasFlags | nbd::kFlagSendFlush |
                   (export_.read_only ? nbd::kFlagReadOnly : 0), 2);  // transmission flags
  option_reply(option, nbd::kRepInfo, info);
}

void NbdServer::simple_reply(std::uint64_t handle, std::uint32_t error) {
  put_be(out_, nbd::kSimpleReplyMagic, 4);
  put_be(out_, error, 4);
  put_be(out_, handle, 8);
}

void NbdServer::fail(std::string why) {
  phase_ = Phase::broken;
  error_ = std::move(why);
}

}  // namespace ilo::sim

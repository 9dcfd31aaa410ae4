// Parsing and applying simulator faults (see fault_plan.hpp).
#include "sim/fault_plan.hpp"

#include <charconv>

namespace ilo::sim {
namespace {

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  for (;;) {
    const auto p = s.find(sep);
    out.push_back(s.substr(0, p));
    if (p == std::string_view::npos) return out;
    s.remove_prefix(p + 1);
  }
}

bool parse_u64(std::string_view s, std::uint64_t& v) {
  if (s.empty()) return false;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

std::optional<Channel> parse_channel(std::string_view s) {
  if (s == "rc") return Channel::rc;
  if (s == "cmd") return Channel::cmd;
  if (s == "vm") return Channel::vm;
  if (s == "usb") return Channel::usb;
  return std::nullopt;
}

// splitmix64: a small deterministic generator for corruption masks.
std::uint64_t next(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

}  // namespace

bool FaultPlan::add(std::string_view spec, std::string& error) {
  if (spec == "refuse-login") return refuse_login_ = true;
  if (spec == "busy") return busy_ = true;
  if (spec == "no-licence" || spec == "no-license") return no_licence_ = true;

  auto parts = split(spec, ':');
  ConnectionFault f;
  if (!parts.empty() && parts.back() == "always") {
    f.always = true;
    parts.pop_back();
  }
  const auto usage = [&](const char* why) {
    error = std::string("bad --fault '") + std::string(spec) + "': " + why;
    return false;
  };
  if (parts.size() < 3) return usage("expected KIND:CHANNEL:N (see --help)");
  if (parts[0] == "drop") {
    f.kind = ConnectionFault::Kind::drop;
  } else if (parts[0] == "stall") {
    f.kind = ConnectionFault::Kind::stall;
  } else if (parts[0] == "corrupt") {
    f.kind = ConnectionFault::Kind::corrupt;
  } else if (parts[0] == "garbage") {
    f.kind = ConnectionFault::Kind::garbage;
  } else {
    return usage("unknown kind (drop, stall, corrupt, garbage, refuse-login, busy, no-licence)");
  }
  if (f.kind == ConnectionFault::Kind::garbage && parts[1] == "web") {
    std::uint64_t from = 0;
    if (parts.size() != 3 || f.always || !parse_u64(parts[2], from) || from > (1ull << 40))
      return usage("expected garbage:web:N (N: the first reply that is garbage)");
    web_garbage_from_.store(static_cast<std::int64_t>(from));
    return true;
  }
  const auto channel = parse_channel(parts[1]);
  if (!channel) return usage("channel must be rc, cmd, vm or usb (or web, for garbage)");
  f.channel = *channel;
  if (!parse_u64(parts[2], f.offset)) return usage("N must be a byte count");
  if (f.kind == ConnectionFault::Kind::garbage && parts.size() == 4 && !f.always) {
    std::uint64_t k = 0;
    if (!parse_u64(parts[3], k) || k < 1 || k > 1'000'000)
      return usage("expected garbage:CHANNEL:N:K (K: 1..1000000 connections) or :always");
    f.connections = static_cast<std::uint32_t>(k);
    parts.pop_back();
  }
  const std::size_t want = f.kind == ConnectionFault::Kind::stall ? 4 : 3;
  if (parts.size() != want) return usage(want == 4 ? "expected stall:CHANNEL:N:MS" : "too many fields");
  if (f.kind == ConnectionFault::Kind::stall) {
    std::uint64_t ms = 0;
    if (!parse_u64(parts[3], ms) || ms > 3'600'000) return usage("MS must be 0..3600000");
    f.stall = std::chrono::milliseconds(ms);
  }
  faults_.push_back(f);
  fired_->push_back(0);
  return true;
}

bool FaultPlan::garble_web_reply(std::string& body) noexcept {
  const std::uint64_t index = web_replies_.fetch_add(1);
  const std::int64_t from = web_garbage_from_.load();
  if (from < 0 || index < static_cast<std::uint64_t>(from)) return false;
  std::uint64_t state = seed_ ^ (index * 0x9E3779B97F4A7C15ull);  // per reply: no shared state
  for (char& c : body) c = static_cast<char>(next(state));
  return true;
}

FaultInjector FaultPlan::open(Channel channel) {
  FaultInjector inj;
  inj.rng_ = seed_ ^ (++connections_ * 0xD1B54A32D192ED03ull);
  inj.fired_ = fired_;
  for (std::size_t i = 0; i < faults_.size(); ++i) {
    const bool used_up = !faults_[i].always && (*fired_)[i] >= faults_[i].connections;
    if (faults_[i].channel != channel || used_up) continue;
    inj.faults_.push_back(faults_[i]);
    inj.plan_index_.push_back(i);
    inj.done_.push_back(false);
  }
  return inj;
}

FaultInjector::Decision FaultInjector::before_send(std::span<std::uint8_t> data) {
  // A fault fires when its offset falls inside the offered bytes; one at the very end of them
  // fires on the next call, at offset 0 of that data.
  Decision d{data.size(), false, {}};
  std::optional<std::size_t> stop;  // the drop or stall that cuts this write (fired below)
  const std::uint64_t end = offset_ + data.size();
  for (std::size_t i = 0; i < faults_.size(); ++i) {
    const auto& f = faults_[i];
    if (f.kind == ConnectionFault::Kind::garbage) {
      // Once it fired here: every byte from the offset on, in this call and all later ones.
      if (f.offset >= end || (!done_[i] && used_up(i))) continue;
      if (!done_[i]) fire(i);
      const auto from = static_cast<std::size_t>(f.offset > offset_ ? f.offset - offset_ : 0);
      for (std::size_t j = from; j < data.size(); ++j)
        data[j] = static_cast<std::uint8_t>(next(rng_));
      continue;
    }
    // A one-shot fault another connection fired meanwhile is gone.
    if (done_[i] || used_up(i)) continue;
    if (f.offset < offset_ || f.offset >= end) continue;
    const auto at = static_cast<std::size_t>(f.offset - offset_);
    if (f.kind == ConnectionFault::Kind::corrupt) {
      std::uint8_t mask = 0;
      while (mask == 0) mask = static_cast<std::uint8_t>(next(rng_));
      data[at] ^= mask;
      fire(i);
    } else if (at < d.send || (at == d.send && !d.drop)) {
      // The earliest stop wins; a drop at the same offset as a stall wins over it.
      d.send = at;
      d.drop = f.kind == ConnectionFault::Kind::drop;
      d.stall = d.drop ? std::chrono::milliseconds{0} : f.stall;
      stop = i;  // a later stop is offered again with the rest of the data
    }
  }
  if (stop) fire(*stop);
  return d;
}

void FaultInjector::fire(std::size_t i) {
  done_[i] = true;
  if (!faults_[i].always) ++(*fired_)[plan_index_[i]];
}

bool FaultInjector::used_up(std::size_t i) const noexcept {
  return !faults_[i].always && (*fired_)[plan_index_[i]] >= faults_[i].connections;
}

}  // namespace ilo::sim

// ilo-sim as a child process (see sim_process.hpp).
#include "sim_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <thread>

#include <httplib.h>

namespace ilo::test {

using namespace std::chrono_literals;

SimProcess::SimProcess(const std::vector<std::string>& extra, std::string exe) {
  if (exe.empty()) {
    const char* env = std::getenv("ILO_SIM_EXE");
    exe = env ? env : "";
  }
  if (exe.empty()) {
    error_ = "ILO_SIM_EXE is not set";
    return;
  }
  std::vector<std::string> args = {exe, "--address", "127.0.0.1", "--https-port", "0",
                                   "--rc-port", "0", "--vm-port", "0"};
  args.insert(args.end(), extra.begin(), extra.end());
  char err_template[] = "/tmp/ilo-sim-stderr-XXXXXX";
  const int err_fd = ::mkstemp(err_template);
  if (err_fd < 0) {
    error_ = "mkstemp failed";
    return;
  }
  err_path_ = err_template;
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) {
    ::close(err_fd);
    error_ = "pipe failed";
    return;
  }
  pid_ = ::fork();
  if (pid_ == 0) {
    ::dup2(out[1], STDOUT_FILENO);
    ::dup2(err_fd, STDERR_FILENO);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(err_fd);
  ::close(out[1]);
  out_ = out[0];
  if (pid_ < 0) {
    error_ = "fork failed";
    return;
  }
  std::string line;
  const auto end = std::chrono::steady_clock::now() + 10s;
  while (line.find('\n') == std::string::npos && std::chrono::steady_clock::now() < end) {
    pollfd p{out_, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    char buf[512];
    const auto n = ::read(out_, buf, sizeof buf);
    if (n <= 0) break;
    line.append(buf, std::size_t(n));
  }
  const auto j = nlohmann::json::parse(line.substr(0, line.find('\n')), nullptr, false);
  if (j.is_discarded() || !j.contains("rc_port")) {
    error_ = "no ready line from ilo-sim: " + line + stderr_text();
    return;
  }
  https_port_ = j["https_port"].get<std::uint16_t>();
  rc_port_ = j["rc_port"].get<std::uint16_t>();
  vm_port_ = j["vm_port"].get<std::uint16_t>();
  fingerprint_ = j["fingerprint"].get<std::string>();
}

SimProcess::~SimProcess() {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    int status = 0;
    const auto end = std::chrono::steady_clock::now() + 3s;
    while (::waitpid(pid_, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > end) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &status, 0);
        break;
      }
      std::this_thread::sleep_for(10ms);
    }
  }
  if (out_ >= 0) ::close(out_);
  if (!err_path_.empty()) ::unlink(err_path_.c_str());
}

std::string SimProcess::base_url() const {
  return "https://127.0.0.1:" + std::to_string(https_port_);
}

std::string SimProcess::stderr_text() const {
  // read(2), not istreambuf_iterator: GCC 12 sees a null dereference inside <streambuf>.
  std::string text;
  const int fd = ::open(err_path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return text;
  char buf[4096];
  for (;;) {
    const auto n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    text.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return text;
}

namespace {
// httplib's clients cannot be copied or moved: configure one in place.
void configure(httplib::SSLClient& client) {
  client.enable_server_certificate_verification(false);
  client.set_connection_timeout(2, 0);
  client.set_read_timeout(5, 0);
}
}  // namespace

nlohmann::json SimProcess::state() const {
  std::string body;
  if (get("/sim/state", &body) != 200) return nullptr;
  return nlohmann::json::parse(body, nullptr, false);
}

int SimProcess::get(const std::string& path, std::string* body) const {
  httplib::SSLClient client("127.0.0.1", https_port_);
  configure(client);
  const auto res = client.Get(path);
  if (!res) return 0;
  if (body) *body = res->body;
  return res->status;
}

int SimProcess::post(const std::string& path, const std::string& json_body,
                     std::string* body) const {
  httplib::SSLClient client("127.0.0.1", https_port_);
  configure(client);
  const auto res = client.Post(path, json_body, "application/json");
  if (!res) return 0;
  if (body) *body = res->body;
  return res->status;
}

std::string state_text(const nlohmann::json& state) {
  std::string all;
  if (!state.is_object()) return all;
  for (const auto& row : state["screen"]["rows"]) all += row.get<std::string>() + "\n";
  return all;
}

bool wait_until(const std::function<bool()>& pred, std::chrono::milliseconds limit) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return pred();
}

}  // namespace ilo::test

// The job bookkeeping both simulator initiators share (initiator.hpp for the CD,
// floppy_initiator.hpp for the floppy / USB key): the connection's phase, the job that runs and
// how the last one ended. No requests, replies or sense policy: each initiator has its own jobs.
#pragma once

#include <cstdint>

namespace ilo::vm {

enum class InitiatorPhase : std::uint8_t {
  idle,          // no job; the initiator sends nothing
  busy,          // a job runs: a request is pending or outstanding
  disconnected,  // the client sent a DISCONNECT header
  broken,        // framing lost (bad magic, absurd length): close the connection
};

// `Job` and `JobResult` are enums with a `none` value.
template <class Job, class JobResult>
class JobTracker {
 public:
  // Starts `job`; false (and nothing changes) unless the phase is idle.
  bool start(Job job) noexcept {
    if (phase_ != InitiatorPhase::idle) return false;
    job_ = job;
    phase_ = InitiatorPhase::busy;
    return true;
  }
  // The running job ended with `result`: back to idle, unless the connection ended meanwhile.
  void finish(JobResult result) noexcept {
    last_job_ = job_;
    last_result_ = result;
    job_ = Job::none;
    if (phase_ == InitiatorPhase::busy) phase_ = InitiatorPhase::idle;
  }
  // The client sent DISCONNECT: a running job ends with `result`, and no job starts again.
  void disconnect(JobResult result) noexcept {
    if (job_ != Job::none) {
      last_job_ = job_;
      last_result_ = result;
    }
    job_ = Job::none;
    phase_ = InitiatorPhase::disconnected;
  }
  // The reply stream cannot be trusted any more.
  void break_stream() noexcept { phase_ = InitiatorPhase::broken; }

  [[nodiscard]] InitiatorPhase phase() const noexcept { return phase_; }
  // Disconnected or broken: the initiator reads no further byte.
  [[nodiscard]] bool ended() const noexcept {
    return phase_ == InitiatorPhase::disconnected || phase_ == InitiatorPhase::broken;
  }
  [[nodiscard]] Job job() const noexcept { return job_; }
  [[nodiscard]] Job last_job() const noexcept { return last_job_; }
  [[nodiscard]] JobResult last_result() const noexcept { return last_result_; }

 private:
  InitiatorPhase phase_ = InitiatorPhase::idle;
  Job job_ = Job::none;
  Job last_job_ = Job::none;
  JobResult last_result_ = JobResult::none;
};

}  // namespace ilo::vm

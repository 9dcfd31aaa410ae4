// The screen published across processes (docs/architecture.md#the-published-frame): one memfd
// holding a header and the pixels (RGB888, rows packed), written by the companion at each frame end
// under a seqlock and copied by readers in other processes without locks or system calls. The
// writer never waits for a reader; a reader retries while the sequence is odd or moved during its
// copy. The mapping is sized for the largest screen the protocol can describe, so a resize is only
// a change of the header's width and height (pages beyond the current screen are never touched and
// cost no memory).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <system_error>
#include <vector>

namespace ilo::rcd {

// A complete frame as a reader copied it.
struct FrameSnapshot {
  std::uint64_t sequence = 0;  // even; grows by 2 per published frame; 0 = nothing published
  int width = 0, height = 0;   // 0x0: no video (power off, not connected)
  std::vector<std::uint8_t> pixels;  // width * height * 3 bytes
};

// Writer side (the companion). Creates the memfd.
class SharedFrameWriter {
 public:
  static SharedFrameWriter create(std::error_code& ec);
  SharedFrameWriter() = default;
  SharedFrameWriter(SharedFrameWriter&&) noexcept;
  SharedFrameWriter& operator=(SharedFrameWriter&&) noexcept;
  ~SharedFrameWriter();

  [[nodiscard]] int fd() const noexcept { return fd_; }  // to pass over SCM_RIGHTS
  // Publishes one complete frame (width*height*3 bytes, or empty with 0x0 for "no video").
  // Returns false (nothing published) for a size beyond the mapping.
  bool publish(int width, int height, std::span<const std::uint8_t> pixels) noexcept;
  // As publish(), copying only rows [first_row, first_row + rows) of `pixels` when the size is
  // the one last published (the caller vouches that the other rows are unchanged since then);
  // a whole copy otherwise. The readers still get whole frames.
  bool publish_rows(int width, int height, std::span<const std::uint8_t> pixels, int first_row,
                    int rows) noexcept;
  [[nodiscard]] std::uint64_t sequence() const noexcept;

 private:
  int fd_ = -1;
  void* map_ = nullptr;
  std::size_t map_size_ = 0;
  int last_width_ = -1, last_height_ = -1;  // size of the last publish (-1: none yet)
};

// Reader side (the mount, the VNC server, tests). Maps a received memfd read-only.
class SharedFrameReader {
 public:
  // Takes ownership of `fd`. Fails if it is not a frame memfd of the expected layout.
  static SharedFrameReader open(int fd, std::error_code& ec);
  SharedFrameReader() = default;
  SharedFrameReader(SharedFrameReader&&) noexcept;
  SharedFrameReader& operator=(SharedFrameReader&&) noexcept;
  ~SharedFrameReader();

  [[nodiscard]] bool valid() const noexcept { return map_ != nullptr; }
  // The sequence of the latest published frame (0 if none); cheap, for "did it change?".
  [[nodiscard]] std::uint64_t sequence() const noexcept;
  // Copies the latest complete frame into `out` (reusing its buffer). False if nothing was
  // published yet or no consistent copy was had after many retries (a writer stuck mid-frame).
  bool snapshot(FrameSnapshot& out) const;

 private:
  int fd_ = -1;
  const void* map_ = nullptr;
  std::size_t map_size_ = 0;
};

}  // namespace ilo::rcd

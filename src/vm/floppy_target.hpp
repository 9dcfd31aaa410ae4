// The floppy / USB-key device of the virtual-media connection
// (docs/virtual-media.md#floppy-and-usb-key-model): a SCSI target over a Medium with 512-byte
// blocks that the server may write to. Input is a byte stream (a 12-byte request, then the data-out
// of writes and FORMAT UNIT), cut anywhere; each complete command yields one Reply. Sans-I/O:
// writes and flushes go through the WritableMedium interface, READ data is described, not read. Not
// the CD-ROM model (#cd-image-model).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <system_error>
#include <vector>

#include "vm/medium.hpp"
#include "vm/reply.hpp"
#include "vm/target_table.hpp"
#include "vm/wire.hpp"
#include "vm/writable_medium.hpp"

namespace ilo::vm {

inline constexpr std::uint32_t kFloppyBlockSize = 512;
// Media byte of the floppy/USB-key model: 0x24 with a medium, 0 without (#reply-header).
inline constexpr std::uint8_t kMediaFloppyPresent = 0x24;
// The largest image HP's client offers as a floppy (device 1); larger ones are USB keys (3).
inline constexpr std::uint64_t kLargestFloppyImage = 2'949'120;
inline constexpr std::size_t kReadFormatCapacitiesSize = 20;

// Device 1 (floppy) up to 2.88 MB, device 3 (USB key) above, as HP's client chooses
// (#connect-request).
[[nodiscard]] constexpr DeviceType floppy_device_for(std::uint64_t image_size) noexcept {
  return image_size <= kLargestFloppyImage ? DeviceType::floppy : DeviceType::usb_key;
}

struct FloppyTargetOptions {
  // Largest READ or WRITE, in 512-byte blocks: 256 = Java's 131072-byte buffer
  // (#floppy-and-usb-key-model).
  std::uint32_t max_transfer_blocks = 256;
  // Present every medium write-protected (the mount's `ro` option).
  bool write_protect = false;
};

// Not thread-safe: the connection that owns it calls everything from one strand.
class FloppyTarget {
 public:
  using Options = FloppyTargetOptions;
  using MediaState = vm::MediaState;

  FloppyTarget() : FloppyTarget(Options{}) {}
  explicit FloppyTarget(Options options);
  // Connecting with a medium counts as its insertion (unit attention on the first request).
  FloppyTarget(std::shared_ptr<const Medium> medium, Options options = {});

  // Puts a medium in (or replaces it) on a live connection (#changing-the-medium). It is written to
  // only if it is a WritableMedium that is not read-only and options.write_protect is off;
  // otherwise every reply carries the WP flag and writes get 7/27/00. Null or empty: eject().
  void insert(std::shared_ptr<const Medium> medium);
  void eject();

  // Takes bytes from the server up to the end of one command (request + data-out) and
  // returns how many it used; then it takes nothing until take_reply() is called.
  std::size_t feed(std::span<const std::uint8_t> in);
  // The reply to the command feed() completed, once.
  std::optional<Reply> take_reply();

  // Bytes of data-out that follow `request` on the wire (0 for commands without).
  [[nodiscard]] static std::uint64_t data_out_length(const Request& request) noexcept;
  // Answers one whole command. `data_out` must hold data_out_length(request) bytes, else the
  // command fails 5/24/00 (feed() passes nothing for a data-out it had to discard).
  Reply handle(const Request& request, std::span<const std::uint8_t> data_out = {});

  // Flushes the medium if anything was written since the last flush (eject, DISCONNECT,
  // unmount). The medium's error, if any; writes stay pending then.
  std::error_code flush();

  [[nodiscard]] bool medium_present() const noexcept { return slot_.present(); }
  [[nodiscard]] const std::shared_ptr<const Medium>& medium() const noexcept {
    return slot_.medium();
  }
  [[nodiscard]] bool write_protected() const noexcept { return writer_ == nullptr; }
  [[nodiscard]] std::uint64_t blocks() const noexcept { return slot_.blocks(); }
  [[nodiscard]] MediaState media_state() const noexcept { return slot_.state(); }
  [[nodiscard]] std::uint64_t bytes_written() const noexcept { return bytes_written_; }
  [[nodiscard]] std::uint64_t write_errors() const noexcept { return write_errors_; }
  [[nodiscard]] bool dirty() const noexcept { return dirty_; }

  // Headers the connection sends on its own (#keep-alive, #disconnect), built from the last reply.
  [[nodiscard]] ReplyHeaderBytes keep_alive() const noexcept { return build_keep_alive(last_); }
  [[nodiscard]] ReplyHeaderBytes disconnect() const noexcept { return build_disconnect(last_); }

 private:
  using Handler = Sense (FloppyTarget::*)(const Request&, std::span<const std::uint8_t>,
                                          Reply&);
  struct Command {
    std::uint8_t opcode;
    bool needs_medium;       // NOT READY 2/3A/00 without a medium
    bool reports_attention;  // UNIT ATTENTION 6/28/00 on the first request after insertion
    Handler handler;
  };
  static const Command* find_command(std::uint8_t opcode) noexcept;
  static std::uint32_t transfer_blocks(const Request& cdb) noexcept;

  [[nodiscard]] std::uint32_t flags() const noexcept;
  bool transfer_fits(std::uint32_t lba, std::uint32_t count) const noexcept;

  Sense test_unit_ready(const Request&, std::span<const std::uint8_t>, Reply&);
  Sense format_unit(const Request&, std::span<const std::uint8_t>, Reply&);
  Sense start_stop_unit(const Request&, std::span<const std::uint8_t>, Reply&);
  Sense send_diagnostic(const Request&, std::span<const std::uint8_t>, Reply&);
  Sense prevent_allow_medium_removal(const Request&, std::span<const std::uint8_t>, Reply&);
  Sense read_format_capacities(const Request&, std::span<const std::uint8_t>, Reply&);
  Sense read_capacity10(const Request&, std::span<const std::uint8_t>, Reply&);
  Sense read(const Request&, std::span<const std::uint8_t>, Reply&);
  Sense write(const Request&, std::span<const std::uint8_t>, Reply&);

  static const Command kCommands[];

  Options options_;
  MediumSlot slot_{kFloppyBlockSize};
  const WritableMedium* writer_ = nullptr;  // the medium as writable, null if write-protected
  ReplyHeader last_{};
  bool dirty_ = false;
  std::uint64_t bytes_written_ = 0;
  std::uint64_t write_errors_ = 0;

  // feed(): the request being framed, then its data-out (kept up to the transfer limit,
  // longer ones counted off and discarded).
  RequestReader framer_;
  std::vector<std::uint8_t> data_out_;
  std::uint64_t data_out_left_ = 0;
  bool discarding_ = false;
  std::optional<Reply> reply_;
};

}  // namespace ilo::vm

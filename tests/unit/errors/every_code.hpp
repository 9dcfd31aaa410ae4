// Every code of every product error category, with the errno a FUSE reply must carry for it:
// the one table the condition and to_errno tests walk. A new code without a row fails
// EveryCategory.TableCoversEveryCode.
#pragma once

#include <cerrno>
#include <string>
#include <system_error>
#include <vector>

#include "crypto/stream_cipher.hpp"
#include "http/http_error.hpp"
#include "image/image_error.hpp"
#include "net/net_error.hpp"
#include "rc/rc_error.hpp"
#include "rest/rest_error.hpp"
#include "ribcl/ribcl_error.hpp"
#include "session/session_owner.hpp"
#include "sim/replay_error.hpp"
#include "sim/tls_identity.hpp"
#include "text/font_error.hpp"
#include "vm/vm_error.hpp"

namespace ilo::test {

struct CodeRow {
  std::error_code code;
  int errno_value;  // what to_errno() returns; EIO where no portable condition fits
};

struct CategoryRow {
  const std::error_category* category;
  int last;  // the highest value of its enum (values run 1..last)
};

inline std::vector<CategoryRow> every_category() {
  return {
      {&rc::rc_category(), static_cast<int>(rc::RcError::no_mode)},
      {&net::net_category(), static_cast<int>(net::NetError::internal)},
      {&rest::rest_category(), static_cast<int>(rest::RestError::not_utf8)},
      {&http::http_category(), static_cast<int>(http::HttpError::not_logged_in)},
      {&image::image_category(), static_cast<int>(image::ImageError::truncated)},
      {&vm::vm_category(), static_cast<int>(vm::VmError::medium_write)},
      {&ribcl::ribcl_category(), static_cast<int>(ribcl::RibclError::bad_request)},
      {&crypto::cipher_category(), static_cast<int>(crypto::CipherError::bad_cipher_id)},
      {&session::session_category(), static_cast<int>(session::SessionError::stopped)},
      {&sim::tls_identity_category(), static_cast<int>(sim::TlsIdentityError::bad_address)},
      {&sim::replay_category(), static_cast<int>(sim::ReplayError::not_a_recording)},
      {&text::font_category(), static_cast<int>(text::FontError::decompress_failed)},
  };
}

inline std::vector<CodeRow> every_code() {
  using rc::RcError;
  using net::NetError;
  using rest::RestError;
  using http::HttpError;
  using image::ImageError;
  using vm::VmError;
  using crypto::CipherError;
  using session::SessionError;
  using sim::TlsIdentityError;
  using sim::ReplayError;
  return {
      {RcError::bad_hello, EPROTO},
      {RcError::access_denied, EACCES},
      {RcError::busy, EBUSY},
      {RcError::no_licence, EACCES},
      {RcError::no_free_sessions, EBUSY},
      {RcError::unexpected_status, EPROTO},
      {RcError::seize_refused, EACCES},
      {RcError::share_unsupported, ENOTSUP},
      {RcError::cancelled, ECANCELED},
      {RcError::bad_connect_request, EPROTO},
      {RcError::bad_flags, EPROTO},
      {RcError::bad_key, EACCES},
      {RcError::bad_busy_answer, EPROTO},
      {RcError::bad_key_text, EINVAL},
      {RcError::bad_state, EIO},
      {RcError::protocol_error, EPROTO},
      {RcError::unknown_input_message, EBADMSG},
      {RcError::record_too_large, EMSGSIZE},
      {RcError::malformed_record, EBADMSG},
      {RcError::decoder_stalled, EPROTO},
      {RcError::bad_screen_size, EINVAL},
      {RcError::bad_bits_per_colour, EINVAL},
      {RcError::bad_text, EINVAL},
      {RcError::no_mode, EIO},
      {NetError::handshake_timeout, ETIMEDOUT},
      {NetError::seize_timeout, ETIMEDOUT},
      {NetError::link_silent, ETIMEDOUT},
      {NetError::closed_by_peer, ECONNRESET},
      {NetError::seized, ECONNABORTED},
      {NetError::firmware_upgrade, EAGAIN},
      {NetError::unauthorised, EACCES},
      {NetError::not_licensed, EACCES},
      {NetError::ilo_reset, EAGAIN},
      {NetError::stopped, ECANCELED},
      {NetError::input_queue_full, EAGAIN},
      {NetError::not_connected, ENOTCONN},
      {NetError::internal, EIO},
      {RestError::body_too_large, EMSGSIZE},
      {RestError::not_json, EBADMSG},
      {RestError::missing_field, EBADMSG},
      {RestError::wrong_type, EBADMSG},
      {RestError::bad_value, EBADMSG},
      {RestError::not_utf8, EILSEQ},
      {HttpError::bad_options, EINVAL},
      {HttpError::connect_failed, EHOSTUNREACH},
      {HttpError::timeout, ETIMEDOUT},
      {HttpError::tls_failed, EIO},
      {HttpError::fingerprint_mismatch, EIO},
      {HttpError::transport_failed, EIO},
      {HttpError::reply_too_large, EMSGSIZE},
      {HttpError::http_status, EPROTO},
      {HttpError::ilo_error, EIO},
      {HttpError::login_refused, EACCES},
      {HttpError::session_lost, ENOTCONN},
      {HttpError::not_logged_in, ENOTCONN},
      {ImageError::bad_dimensions, EINVAL},
      {ImageError::buffer_too_small, EINVAL},
      {ImageError::png_unavailable, ENOTSUP},
      {ImageError::png_failed, EIO},
      {ImageError::bad_header, EINVAL},
      {ImageError::too_large, EFBIG},
      {ImageError::truncated, EIO},
      {VmError::bad_connect_request, EPROTO},
      {VmError::bad_device_type, EPROTO},
      {VmError::bad_key, EACCES},
      {VmError::bad_key_text, EINVAL},
      {VmError::device_busy, EBUSY},
      {VmError::auth_failed, EACCES},
      {VmError::not_licensed, EACCES},
      {VmError::wrong_device_type, ENODEV},
      {VmError::no_privilege, EACCES},
      {VmError::unexpected_response, EPROTO},
      {VmError::bad_magic, EPROTO},
      {VmError::reply_too_large, EMSGSIZE},
      {VmError::read_past_end, EINVAL},
      {VmError::medium_io, EIO},
      {VmError::write_past_end, EINVAL},
      {VmError::medium_write, EIO},
      {ribcl::RibclError::too_large, EMSGSIZE},
      {ribcl::RibclError::malformed, EBADMSG},
      {ribcl::RibclError::no_documents, EBADMSG},
      {ribcl::RibclError::login_failed, EACCES},
      {ribcl::RibclError::ilo_status, EIO},
      {ribcl::RibclError::missing_element, EBADMSG},
      {ribcl::RibclError::bad_value, EBADMSG},
      {ribcl::RibclError::bad_request, EINVAL},
      {text::FontError::bad_magic, EINVAL},
      {text::FontError::truncated, EINVAL},
      {text::FontError::bad_size, ENOTSUP},
      {text::FontError::bad_unicode_table, EINVAL},
      {text::FontError::decompress_failed, EINVAL},
      {CipherError::unavailable, ENOTSUP},
      {CipherError::bad_cipher_id, EINVAL},
      {SessionError::unreachable, ENOTCONN},
      {SessionError::tls_failed, ENOTCONN},
      {SessionError::tls_mismatch, ENOTCONN},
      {SessionError::wrong_credentials, EACCES},
      {SessionError::locked_out, EAGAIN},
      {SessionError::no_console_privilege, EACCES},
      {SessionError::no_licence, EACCES},
      {SessionError::protocol, ENOTCONN},
      {SessionError::stopped, ESHUTDOWN},
      {TlsIdentityError::certificate_unreadable, EIO},
      {TlsIdentityError::key_unreadable, EIO},
      {TlsIdentityError::key_mismatch, EINVAL},
      {TlsIdentityError::generation_failed, EIO},
      {TlsIdentityError::bad_address, EINVAL},
      {ReplayError::bad_key, EINVAL},
      {ReplayError::unreadable, EIO},
      {ReplayError::too_large, EFBIG},
      {ReplayError::not_a_recording, EINVAL},
  };
}

}  // namespace ilo::test

// The iLO's JSON error body, e.g. {"message":"JS_ERR_LOST_SESSION","details":null} with HTTP
// 403 (docs/rest-api.md#errors). Parser and simulator serialiser; the HTTP status is the network
// layer's business.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "rest/rest_error.hpp"

namespace ilo::rest {

// Message names known (docs/rest-api.md#errors).
inline constexpr std::string_view kLostSession = "JS_ERR_LOST_SESSION";  // bad or expired key
inline constexpr std::string_view kNoPrivilege = "JS_ERR_NO_PRIV";       // bad credentials
inline constexpr std::string_view kNoLicense = "SCSI_ERR_NO_LICENSE";    // scripted VM unlicensed

struct IloErrorBody {
  std::string message;
  std::optional<std::string> details;  // null in every known body
  bool operator==(const IloErrorBody&) const = default;
};

Result<IloErrorBody> parse_ilo_error_body(std::string_view body);
// Compact JSON; details written as null if unset.
std::string serialise(const IloErrorBody& error);

}  // namespace ilo::rest

// How this tree writes an error category: a layer gives each code of its enum a message and,
// where one fits, the errno condition it is (so `ec == std::errc::...` and fs::to_errno() work
// for every layer). It holds no codes; each layer's *_error.hpp declares its own enum.
#pragma once

#include <string>
#include <system_error>

namespace ilo {

// What a layer says about one of its codes.
struct ErrorInfo {
  const char* message = nullptr;  // nullptr: not a code of this enum
  int condition = 0;              // an errno value (generic category); 0: none fits
};

template <class Enum>
class EnumCategory final : public std::error_category {
 public:
  using Describe = ErrorInfo (*)(Enum) noexcept;

  EnumCategory(const char* name, Describe describe, const char* unknown) noexcept
      : name_(name), describe_(describe), unknown_(unknown) {}

  [[nodiscard]] const char* name() const noexcept override { return name_; }
  [[nodiscard]] std::string message(int value) const override {
    const char* text = describe_(static_cast<Enum>(value)).message;
    return text != nullptr ? text : unknown_;
  }
  // The generic (errno) condition the layer named for the code, else the code itself.
  [[nodiscard]] std::error_condition default_error_condition(int value) const noexcept override {
    const int condition = describe_(static_cast<Enum>(value)).condition;
    if (condition == 0) return {value, *this};
    return {condition, std::generic_category()};
  }

 private:
  const char* name_;
  Describe describe_;
  const char* unknown_;
};

// The one category of Enum, described by Describe (name and unknown are read on first use).
template <class Enum, ErrorInfo (*Describe)(Enum) noexcept>
const std::error_category& enum_category(const char* name, const char* unknown) noexcept {
  static const EnumCategory<Enum> category(name, Describe, unknown);
  return category;
}

}  // namespace ilo

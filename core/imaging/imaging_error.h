#pragma once
#include <stdexcept>
#include <string>

namespace vitcop::imaging {

// Every imaging failure (unreadable file, bad parameter, broken video): a one-line message that
// names the file or the parameter at fault.
struct ImagingError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace vitcop::imaging

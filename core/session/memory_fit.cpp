#include "core/session/memory_fit.h"

#include <cstdio>
#include <stdexcept>

#include "gpu/device.h"

namespace vitcop::session {

namespace {

int64_t bytesOf(int64_t parameters, c10::ScalarType dtype) {
  return parameters * static_cast<int64_t>(c10::elementSize(dtype));
}

std::string gb(int64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f GB", static_cast<double>(bytes) / 1e9);
  return buf;
}

}  // namespace

DtypeChoice fitDtype(const std::string& request, const c10::Device& device, int64_t parameters,
                     int64_t availableBytes, bool nativeBf16, const std::string& source) {
  DtypeChoice choice{gpu::chooseDtype(request, device), {}};
  if (availableBytes < 0) return choice;
  const auto budget = static_cast<int64_t>(kWeightShareOfAvailable * availableBytes);
  auto fits = [&](c10::ScalarType t) { return bytesOf(parameters, t) <= budget; };
  if (fits(choice.dtype)) return choice;
  const bool automatic = request.empty() || request == "auto";
  const c10::ScalarType half = c10::ScalarType::BFloat16;
  const bool halfUsable = device.is_cpu() && nativeBf16 && choice.dtype == c10::ScalarType::Float;
  if (automatic && halfUsable && fits(half)) {
    choice.note = "dtype auto: bf16, because the weights would need " +
                  gb(bytesOf(parameters, choice.dtype)) + " in f32 and " + gb(availableBytes) +
                  " of memory are available";
    choice.dtype = half;
    return choice;
  }
  std::string message = source + ": the weights need " + gb(bytesOf(parameters, choice.dtype)) +
                        " in " + gpu::dtypeName(choice.dtype) + ", more than " +
                        std::to_string(static_cast<int>(kWeightShareOfAvailable * 100)) +
                        " % of the " + gb(availableBytes) + " of memory available";
  if (halfUsable && fits(half)) message += "; --dtype bf16 needs " + gb(bytesOf(parameters, half));
  throw std::runtime_error(message);
}

}  // namespace vitcop::session

#pragma once
// Does a model fit in memory in the dtype asked for? A real llava-1.5-7b checkpoint loaded in
// float32 (the exact "auto" dtype on CPU) needs 28 GB, more than the 24 GiB machines this
// project runs on: building it would end in the kernel's OOM killer, taking the inspector and
// everything the user had open with it. So the loader checks first:
// - "auto" on CPU stays float32 when it fits, and falls back to bfloat16 on CPUs with native
//   bf16 when only that fits (with a note saying so);
// - any dtype that does not fit is a one-line error naming the model, the bytes needed and the
//   bytes available, and the smaller dtype that would fit.
#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>

#include <cstdint>
#include <string>

namespace vitcop::session {

struct DtypeChoice {
  c10::ScalarType dtype = c10::ScalarType::Float;
  std::string note;  // why "auto" did not take its usual dtype; empty otherwise
};

// Share of the available memory the weights may take: the rest is for activations, the KV
// cache, the image pipeline and the program itself.
inline constexpr double kWeightShareOfAvailable = 0.9;

// `request` as gpu::chooseDtype takes it (throws std::invalid_argument for an unknown one);
// `parameters` the model's parameter count; `availableBytes` < 0 means unknown (no check).
// Throws std::runtime_error starting with `source` when no acceptable dtype fits.
DtypeChoice fitDtype(const std::string& request, const c10::Device& device, int64_t parameters,
                     int64_t availableBytes, bool nativeBf16, const std::string& source);

}  // namespace vitcop::session

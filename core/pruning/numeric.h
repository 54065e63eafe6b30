#pragma once
// The numeric functions of method-spec 0.4, bit-compatible with the Python expressions upstream
// evaluates in float64.
#include <cfenv>
#include <cmath>
#include <cstdint>
#include <sstream>
#include <string>

namespace vitcop::pruning {

// Python int(x) on a float64: rounds toward zero. The product must be formed in double exactly
// as upstream writes it (0.3 * 576 = 172.79999999999998 -> 172).
inline int64_t pyTrunc(double x) {
  return static_cast<int64_t>(x);
}

// Python round(x) / torch.round: half to even. std::round rounds half away from zero, so it is
// not used; nearbyint follows the current rounding mode, which we pin to FE_TONEAREST.
inline double roundHalfEven(double x) {
  const int saved = std::fegetround();
  if (saved != FE_TONEAREST) std::fesetround(FE_TONEAREST);
  const double r = std::nearbyint(x);
  if (saved != FE_TONEAREST) std::fesetround(saved);
  return r;
}

inline int64_t pyRound(double x) {
  return static_cast<int64_t>(roundHalfEven(x));
}

// Shortest natural text of a parameter value for messages and traces (0.3, 1e-05, 192).
inline std::string formatNumber(double x) {
  std::ostringstream s;
  s << x;
  return s.str();
}

}  // namespace vitcop::pruning

#include "core/checkpoint/safetensors_dtype.h"

#include <array>
#include <utility>

namespace vitcop::checkpoint {
namespace {

struct DtypeRow {
  const char* name;
  size_t size;
  std::optional<c10::ScalarType> scalar;
};

// Every dtype of the safetensors format (so a valid file never fails on its header); the last
// rows have no LibTorch 1.13 type and fail only when such a tensor is loaded.
const std::array<DtypeRow, 15>& dtypeTable() {
  static const std::array<DtypeRow, 15> table = {{
      {"F64", 8, c10::ScalarType::Double},
      {"F32", 4, c10::ScalarType::Float},
      {"F16", 2, c10::ScalarType::Half},
      {"BF16", 2, c10::ScalarType::BFloat16},
      {"I64", 8, c10::ScalarType::Long},
      {"I32", 4, c10::ScalarType::Int},
      {"I16", 2, c10::ScalarType::Short},
      {"I8", 1, c10::ScalarType::Char},
      {"U8", 1, c10::ScalarType::Byte},
      {"BOOL", 1, c10::ScalarType::Bool},
      {"U16", 2, std::nullopt},
      {"U32", 4, std::nullopt},
      {"U64", 8, std::nullopt},
      {"F8_E4M3", 1, std::nullopt},
      {"F8_E5M2", 1, std::nullopt},
  }};
  return table;
}

}  // namespace

size_t safetensorsDtypeSize(const std::string& dtype) {
  for (const auto& row : dtypeTable()) {
    if (dtype == row.name) return row.size;
  }
  return 0;
}

std::optional<c10::ScalarType> safetensorsDtypeToScalar(const std::string& dtype) {
  for (const auto& row : dtypeTable()) {
    if (dtype == row.name) return row.scalar;
  }
  return std::nullopt;
}

std::optional<std::string> scalarToSafetensorsDtype(c10::ScalarType type) {
  for (const auto& row : dtypeTable()) {
    if (row.scalar && *row.scalar == type) return std::string(row.name);
  }
  return std::nullopt;
}

}  // namespace vitcop::checkpoint

#pragma once
// The safetensors dtype strings and their LibTorch counterparts, shared by reader and writer.
#include <c10/core/ScalarType.h>

#include <cstddef>
#include <optional>
#include <string>

namespace vitcop::checkpoint {

// Bytes per element of a safetensors dtype string, or 0 when the string is not a dtype the
// safetensors format defines.
size_t safetensorsDtypeSize(const std::string& dtype);

// The LibTorch type for a safetensors dtype string; nullopt when LibTorch 1.13 has none
// (U16/U32/U64, F8_*).
std::optional<c10::ScalarType> safetensorsDtypeToScalar(const std::string& dtype);

// The safetensors string for a LibTorch type; nullopt when the format has none (complex, ...).
std::optional<std::string> scalarToSafetensorsDtype(c10::ScalarType type);

}  // namespace vitcop::checkpoint

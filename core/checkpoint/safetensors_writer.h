#pragma once
// Writes a safetensors file (the format SafetensorsFile reads): used by `vitcop logits --out`
// and by tests that build sharded, renamed or converted copies of a checkpoint.
#include <ATen/core/Tensor.h>

#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace vitcop::checkpoint {

// Tensors are written in the given order, contiguous, as their CPU bytes in their own dtype
// (F64/F32/F16/BF16/I64/I32/I16/I8/U8/BOOL). The header is padded with spaces to a multiple of
// 8 bytes so every tensor of up to 8-byte elements maps aligned. Writes to a temporary file and
// renames it over `path`. Throws CheckpointError naming the path and the tensor on a duplicate
// name, an empty name, "__metadata__" as a name, an unsupported dtype, or an I/O failure.
void writeSafetensors(const std::filesystem::path& path,
                      const std::vector<std::pair<std::string, at::Tensor>>& tensors,
                      const std::map<std::string, std::string>& metadata = {});

}  // namespace vitcop::checkpoint

#pragma once
// Shared by the model and generation oracle tests: which fixture directories to check (env
// VITCOP_ORACLE_DIRS, colon-separated; default tests/data/llava-tiny-a) and reference access.
#include <ATen/core/Tensor.h>

#include <cstdlib>
#include <filesystem>
#include <limits>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "core/checkpoint/safetensors.h"
#include "tests/support/test_paths.h"

namespace vitcop::test {

inline std::vector<std::filesystem::path> oracleDirs() {
  std::vector<std::filesystem::path> dirs;
  const char* env = std::getenv("VITCOP_ORACLE_DIRS");
  if (env && *env) {
    std::stringstream ss(env);
    std::string item;
    while (std::getline(ss, item, ':'))
      if (!item.empty()) dirs.emplace_back(item);
  }
  if (dirs.empty()) dirs.push_back(dataDir() / "llava-tiny-a");
  return dirs;
}

// Max |a - b| in float64; +inf when the shapes differ (so a shape mismatch always fails).
inline double maxAbsDiff(const at::Tensor& a, const at::Tensor& b) {
  if (!a.defined() || !b.defined() || a.sizes() != b.sizes())
    return std::numeric_limits<double>::infinity();
  return a.to(at::kDouble).sub(b.to(at::kDouble)).abs().max().item<double>();
}

inline std::vector<int64_t> toIds(const at::Tensor& t) {
  const at::Tensor c = t.to(at::kLong).contiguous().view({-1});
  return std::vector<int64_t>(c.data_ptr<int64_t>(), c.data_ptr<int64_t>() + c.numel());
}

struct Reference {
  explicit Reference(const std::filesystem::path& dir)
      : file(checkpoint::SafetensorsFile::open(dir / "reference.safetensors")) {}
  bool has(const std::string& name) const { return file->find(name) != nullptr; }
  at::Tensor get(const std::string& name) const { return file->load(name); }
  std::shared_ptr<checkpoint::SafetensorsFile> file;
};

}  // namespace vitcop::test

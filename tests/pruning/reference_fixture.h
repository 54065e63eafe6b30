#pragma once
// Access to the reference-selection fixtures (tests/data/reference-selection, README.md there):
// the JSON side file of a check and its tensors, plus the comparison rules of README section 4.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/checkpoint/safetensors.h"
#include "tests/support/test_paths.h"

namespace vitcop::test {

// VITCOP_REFERENCE_SELECTION_DIR overrides the copy in tests/data (e.g. to check a regenerated
// set).
inline std::filesystem::path referenceSelectionDir() {
  const char* env = std::getenv("VITCOP_REFERENCE_SELECTION_DIR");
  return env && *env ? std::filesystem::path(env) : dataDir() / "reference-selection";
}

class ReferenceFixture {
 public:
  explicit ReferenceFixture(const std::string& check) : check_(check) {
    const auto dir = referenceSelectionDir();
    std::ifstream in(dir / (check + ".json"));
    if (!in) throw std::runtime_error("cannot open " + (dir / (check + ".json")).string());
    json_ = nlohmann::json::parse(in);
    file_ = checkpoint::SafetensorsFile::open(dir / (check + ".safetensors"));
  }
  const nlohmann::json& json() const { return json_; }
  const nlohmann::json& cases() const { return json_.at("params").at("cases"); }
  std::vector<std::string> caseNames() const {
    std::vector<std::string> names;
    for (auto it = cases().begin(); it != cases().end(); ++it)
      names.push_back(it.key());
    return names;
  }
  at::Tensor tensor(const std::string& name) const { return file_->load(name); }
  // Ragged list stored as <x>_flat / <x>_offsets (README 2.2).
  std::vector<std::vector<int64_t>> ragged(const std::string& base) const {
    const at::Tensor flat = tensor(base + "_flat").contiguous();
    const at::Tensor off = tensor(base + "_offsets").contiguous();
    std::vector<std::vector<int64_t>> out;
    const int64_t* f = flat.data_ptr<int64_t>();
    const int64_t* o = off.data_ptr<int64_t>();
    for (int64_t g = 0; g + 1 < off.numel(); ++g)
      out.emplace_back(f + o[g], f + o[g + 1]);
    return out;
  }
  // The line the brief asks for, so a run shows what was covered.
  void reportChecked(size_t cases) const {
    std::cout << "checked " << check_ << ": " << cases << " cases" << std::endl;
  }

 private:
  std::string check_;
  nlohmann::json json_;
  std::shared_ptr<checkpoint::SafetensorsFile> file_;
};

inline std::vector<int64_t> longs(const at::Tensor& t) {
  const at::Tensor c = t.to(at::kLong).contiguous().reshape({-1});
  return {c.data_ptr<int64_t>(), c.data_ptr<int64_t>() + c.numel()};
}

inline std::vector<int64_t> sorted(std::vector<int64_t> v) {
  std::sort(v.begin(), v.end());
  return v;
}

// README section 4, "other float32 results": |a - r| <= 1e-4 |r| + 1e-6 max|r|, and +inf at
// exactly the same positions. Reports the first offending element.
inline ::testing::AssertionResult closeToReference(const at::Tensor& actual,
                                                   const at::Tensor& reference, double rel = 1e-4,
                                                   double absOfMax = 1e-6) {
  const at::Tensor a = actual.to(at::kDouble).contiguous().reshape({-1});
  const at::Tensor r = reference.to(at::kDouble).contiguous().reshape({-1});
  if (a.numel() != r.numel()) {
    return ::testing::AssertionFailure() << "size " << a.numel() << " vs reference " << r.numel();
  }
  const double* pa = a.data_ptr<double>();
  const double* pr = r.data_ptr<double>();
  double maxAbs = 0;
  for (int64_t i = 0; i < r.numel(); ++i) {
    if (std::isfinite(pr[i])) maxAbs = std::max(maxAbs, std::abs(pr[i]));
  }
  for (int64_t i = 0; i < r.numel(); ++i) {
    if (std::isinf(pr[i]) || std::isinf(pa[i])) {
      if (pa[i] != pr[i]) {
        return ::testing::AssertionFailure() << "element " << i << ": " << pa[i] << " vs " << pr[i];
      }
      continue;
    }
    if (!(std::abs(pa[i] - pr[i]) <= rel * std::abs(pr[i]) + absOfMax * maxAbs)) {
      return ::testing::AssertionFailure() << "element " << i << ": " << pa[i] << " vs reference "
                                           << pr[i] << " (max|r| " << maxAbs << ")";
    }
  }
  return ::testing::AssertionSuccess();
}

inline ::testing::AssertionResult bitExact(const at::Tensor& actual, const at::Tensor& reference) {
  if (actual.sizes() != reference.sizes()) {
    return ::testing::AssertionFailure()
           << "shape " << actual.sizes() << " vs reference " << reference.sizes();
  }
  if (!at::equal(actual.contiguous(), reference.contiguous())) {
    const at::Tensor diff = (actual.to(at::kDouble) - reference.to(at::kDouble)).abs();
    return ::testing::AssertionFailure()
           << "not bit-exact; max |diff| " << diff.max().item<double>();
  }
  return ::testing::AssertionSuccess();
}

}  // namespace vitcop::test

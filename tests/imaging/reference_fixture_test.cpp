// tests/data/llava-tiny-a: Hugging Face CLIPImageProcessor output for image.png
// (reference.safetensors: image_preprocessed_u8 exact, pixel_values within 1e-6).
#include <gtest/gtest.h>

#include <ATen/core/Tensor.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/checkpoint/llava_config.h"
#include "core/checkpoint/safetensors.h"
#include "core/imaging/image_io.h"
#include "core/imaging/preprocess.h"
#include "tests/support/test_paths.h"

namespace vitcop::imaging {
namespace {

TEST(ImagingOracle, TinyLlavaPreprocessingMatchesTransformers) {
  const auto dir = test::dataDir() / "llava-tiny-a";
  const auto cfg = checkpoint::ImageProcessorConfig::load(dir / "preprocessor_config.json");
  ASSERT_EQ(cfg.shortestEdge, 56);
  const PreprocessedImage p = preprocessImage(loadImageRgb8(dir / "image.png"), cfg);

  const auto ref = checkpoint::SafetensorsFile::open(dir / "reference.safetensors");
  const at::Tensor u8 = ref->load("image_preprocessed_u8");
  ASSERT_EQ(u8.scalar_type(), at::kByte);
  ASSERT_EQ(u8.sizes(), (at::IntArrayRef{56, 56, 3}));
  ASSERT_TRUE(p.cropRgb.isContinuous());
  const at::Tensor u8c = u8.contiguous();
  EXPECT_EQ(std::memcmp(p.cropRgb.data, u8c.data_ptr<uint8_t>(), 56 * 56 * 3), 0);

  const at::Tensor pv = ref->load("pixel_values", at::kFloat).contiguous();
  ASSERT_EQ(pv.sizes(), p.pixelValues.sizes());
  const float* a = p.pixelValues.data_ptr<float>();
  const float* b = pv.data_ptr<float>();
  double maxDiff = 0;
  for (int64_t i = 0; i < pv.numel(); ++i)
    maxDiff = std::max(maxDiff, std::fabs(double(a[i]) - b[i]));
  EXPECT_LE(maxDiff, 1e-6);
  std::printf("pixel_values max |diff| vs transformers = %.3g\n", maxDiff);
}

}  // namespace
}  // namespace vitcop::imaging

#include "core/scenes/background.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <vector>

namespace vitcop::scenes {
namespace {

// Low-contrast structure as a signed brightness offset per pixel (roughly within +-20).
cv::Mat1f pattern(int size, Background kind, Rng& rng) {
  cv::Mat1f p(size, size);
  switch (kind) {
    case Background::Noise: {
      // Smooth blobs: a coarse random grid interpolated with smoothstep weights (own code rather
      // than cv::resize, whose SIMD paths may round differently on other CPUs).
      const int cells = rng.range(3, 8);
      const float amp = static_cast<float>(rng.uniform(12, 20));
      std::vector<float> coarse(static_cast<size_t>(cells + 1) * (cells + 1));
      for (auto& v : coarse)
        v = static_cast<float>(rng.uniform(-amp, amp));
      std::vector<int> cell(size);
      std::vector<float> weight(size);
      for (int i = 0; i < size; ++i) {
        const float t = (i + 0.5f) * cells / size;
        cell[i] = std::min(static_cast<int>(t), cells - 1);
        const float f = t - cell[i];
        weight[i] = f * f * (3 - 2 * f);
      }
      const int stride = cells + 1;
      for (int y = 0; y < size; ++y) {
        const float* top = &coarse[static_cast<size_t>(cell[y]) * stride];
        const float* bottom = top + stride;
        const float wy = weight[y];
        float* row = p[y];
        for (int x = 0; x < size; ++x) {
          const int cx = cell[x];
          const float wx = weight[x];
          const float a = top[cx] + wx * (top[cx + 1] - top[cx]);
          const float b = bottom[cx] + wx * (bottom[cx + 1] - bottom[cx]);
          row[x] = a + wy * (b - a);
        }
      }
      break;
    }
    case Background::Stripes: {
      // Triangle-wave stripes at any angle: soft, periodic and cheap (no per-pixel sin).
      const double angle = rng.uniform(0, 3.14159265358979);
      const float period = static_cast<float>(rng.uniform(0.03, 0.11) * size);
      const float amp = static_cast<float>(rng.uniform(9, 15));
      const float cx = static_cast<float>(std::cos(angle)) / period;
      const float sy = static_cast<float>(std::sin(angle)) / period;
      for (int y = 0; y < size; ++y) {
        float* row = p[y];
        for (int x = 0; x < size; ++x) {
          const float t = x * cx + y * sy;
          const float frac = t - std::floor(t);
          row[x] = amp * (std::fabs(2 * frac - 1) * 2 - 1);
        }
      }
      break;
    }
    case Background::Gradient: {
      const double angle = rng.uniform(0, 2 * 3.14159265358979);
      const float amp = static_cast<float>(rng.uniform(15, 24));
      const float gx = amp * static_cast<float>(std::cos(angle)) * 2 / size;
      const float gy = amp * static_cast<float>(std::sin(angle)) * 2 / size;
      const float half = size / 2.0f;
      for (int y = 0; y < size; ++y) {
        float* row = p[y];
        for (int x = 0; x < size; ++x)
          row[x] = (x - half) * gx + (y - half) * gy;
      }
      break;
    }
    case Background::Tiles: {
      // A checkerboard of two close tones with a random offset.
      const int tile = std::max(6, static_cast<int>(rng.uniform(0.035, 0.12) * size));
      const int ox = rng.range(0, tile - 1), oy = rng.range(0, tile - 1);
      const float amp = static_cast<float>(rng.uniform(6, 11));
      for (int y = 0; y < size; ++y) {
        float* row = p[y];
        const int ty = (y + oy) / tile;
        for (int x = 0; x < size; ++x)
          row[x] = (((x + ox) / tile + ty) & 1) ? amp : -amp;
      }
      break;
    }
  }
  return p;
}

}  // namespace

const char* name(Background b) {
  static const char* const kNames[] = {"noise", "stripes", "gradient", "tiles"};
  return kNames[static_cast<int>(b)];
}

cv::Mat paintBackground(int size, Background kind, Rng& rng, int pixelNoise, Rng& noiseRng) {
  // Base: a mid grey with a faint tint (low saturation keeps it apart from the object colours).
  const int grey = rng.range(100, 140);
  int base[3];
  for (int& b : base)
    b = grey + rng.range(-10, 10);
  cv::Mat1s offset;
  pattern(size, kind, rng).convertTo(offset, CV_16S);  // rounds to nearest
  // Faint per-pixel noise in [-pixelNoise, pixelNoise] per channel, eight samples per 64-bit
  // draw (byte % (2a + 1) through a table: integer-only, so identical everywhere).
  std::array<int8_t, 256> table{};
  for (int i = 0; i < 256; ++i)
    table[i] = static_cast<int8_t>(i % (2 * pixelNoise + 1) - pixelNoise);
  std::vector<int8_t> noise(static_cast<size_t>(size) * size * 3, 0);
  if (pixelNoise > 0) {
    for (size_t i = 0; i < noise.size(); i += 8) {
      uint64_t r = noiseRng.next();
      for (size_t j = i; j < std::min(i + 8, noise.size()); ++j, r >>= 8)
        noise[j] = table[r & 0xFF];
    }
  }
  cv::Mat image(size, size, CV_8UC3);
  const int8_t* n = noise.data();
  for (int y = 0; y < size; ++y) {
    const int16_t* o = offset[y];
    uint8_t* px = image.ptr<uint8_t>(y);
    for (int x = 0; x < size; ++x, px += 3, n += 3)
      for (int c = 0; c < 3; ++c)
        px[c] = static_cast<uint8_t>(std::clamp(base[c] + o[x] + n[c], 0, 255));
  }
  return image;
}

}  // namespace vitcop::scenes

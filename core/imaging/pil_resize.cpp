#include "core/imaging/pil_resize.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define VITCOP_PIL_RESIZE_AVX2 1
#endif

#include <algorithm>
#include <atomic>
#include <cmath>
#include <string>

#include <opencv2/core.hpp>

#include "core/imaging/imaging_error.h"

// Layout of the work: each needed source row is split into per-channel planar rows (with the
// canvas fill around the image), each plane row is filtered horizontally into an 8-bit
// intermediate plane, the intermediate planes are filtered vertically, and the planes are
// interleaved again. Everything is integer arithmetic, so the order of the additions (and the
// AVX2 versus portable kernels) cannot change a single output byte.

namespace vitcop::imaging {
namespace {

// Pillow: 8 bits of result, 2 bits of headroom for negative lobes and overshoot.
constexpr int kPrecisionBits = 32 - 8 - 2;
constexpr int32_t kHalf = 1 << (kPrecisionBits - 1);

std::atomic<bool> g_simdEnabled{true};

bool useAvx2() {
#ifdef VITCOP_PIL_RESIZE_AVX2
  static const bool supported = __builtin_cpu_supports("avx2") != 0;
#else
  constexpr bool supported = false;
#endif
  return supported && g_simdEnabled.load(std::memory_order_relaxed);
}

// Pillow's bicubic_filter with a = -0.5, evaluated in the same order so the double weights (and
// hence the rounded fixed-point weights) are identical.
double bicubicKernel(double x) {
  constexpr double a = -0.5;
  if (x < 0.0) x = -x;
  if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
  if (x < 2.0) return (((x - 5) * x + 8) * x - 4) * a;
  return 0.0;
}

// Pillow's clip8: arithmetic shift, then clamp (its lookup table covers the same range).
inline uint8_t clip8(int32_t acc) {
  const int32_t v = acc >> kPrecisionBits;
  return static_cast<uint8_t>(v < 0 ? 0 : (v > 255 ? 255 : v));
}

// The horizontal weights re-laid for 8-wide dot products: output x reads exactly 8 * chunks
// samples from start[x] (shifted left near the end so the read stays inside the row), with
// zeros outside Pillow's window. Empty when the row is shorter than one window.
struct SimdWeights {
  int chunks = 0;
  std::vector<int> start;
  std::vector<int32_t> weights;  // [out][8 * chunks]
};

SimdWeights simdLayout(const PilAxisWeights& w, int inSize) {
  SimdWeights s;
  const int maxCount = *std::max_element(w.count.begin(), w.count.end());
  s.chunks = (maxCount + 7) / 8;
  const int span = 8 * s.chunks;
  if (span > inSize) return {};
  const size_t n = w.first.size();
  s.start.resize(n);
  s.weights.assign(n * static_cast<size_t>(span), 0);
  for (size_t x = 0; x < n; ++x) {
    const int start = std::min(w.first[x], inSize - span);
    s.start[x] = start;
    const int shift = w.first[x] - start;
    for (int i = 0; i < w.count[x]; ++i) {
      s.weights[x * span + static_cast<size_t>(shift + i)] = w.weights[x * w.taps + i];
    }
  }
  return s;
}

#ifdef VITCOP_PIL_RESIZE_AVX2
__attribute__((target("avx2"))) void horizontalRowAvx2(const uint8_t* src, const SimdWeights& s,
                                                       uint8_t* dst, int outSize) {
  const int span = 8 * s.chunks;
  for (int x = 0; x < outSize; ++x) {
    const uint8_t* p = src + s.start[x];
    const int32_t* k = &s.weights[static_cast<size_t>(x) * span];
    __m256i acc = _mm256_setzero_si256();
    for (int c = 0; c < s.chunks; ++c) {
      const __m256i v =
          _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p + 8 * c)));
      const __m256i kv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(k + 8 * c));
      acc = _mm256_add_epi32(acc, _mm256_mullo_epi32(v, kv));
    }
    __m128i sum = _mm_add_epi32(_mm256_castsi256_si128(acc), _mm256_extracti128_si256(acc, 1));
    sum = _mm_add_epi32(sum, _mm_shuffle_epi32(sum, _MM_SHUFFLE(1, 0, 3, 2)));
    sum = _mm_add_epi32(sum, _mm_shuffle_epi32(sum, _MM_SHUFFLE(2, 3, 0, 1)));
    dst[x] = clip8(kHalf + _mm_cvtsi128_si32(sum));
  }
}

#endif

void horizontalRowScalar(const uint8_t* src, const PilAxisWeights& w, uint8_t* dst, int outSize) {
  for (int x = 0; x < outSize; ++x) {
    const int32_t* k = &w.weights[static_cast<size_t>(x) * w.taps];
    const uint8_t* s = src + w.first[x];
    int32_t acc = kHalf;
    for (int i = 0; i < w.count[x]; ++i)
      acc += static_cast<int32_t>(s[i]) * k[i];
    dst[x] = clip8(acc);
  }
}

#ifdef VITCOP_PIL_RESIZE_AVX2
// acc[j] += src[j] * k for j < n.
__attribute__((target("avx2"))) void accumulateRowAvx2(int32_t* acc, const uint8_t* src, int32_t k,
                                                       int n) {
  const __m256i kv = _mm256_set1_epi32(k);
  int j = 0;
  for (; j + 8 <= n; j += 8) {
    const __m256i v =
        _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(src + j)));
    __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(acc + j));
    a = _mm256_add_epi32(a, _mm256_mullo_epi32(v, kv));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(acc + j), a);
  }
  for (; j < n; ++j)
    acc[j] += static_cast<int32_t>(src[j]) * k;
}

#endif

void accumulateRowScalar(int32_t* acc, const uint8_t* src, int32_t k, int n) {
  for (int j = 0; j < n; ++j)
    acc[j] += static_cast<int32_t>(src[j]) * k;
}

// Vertical pass over a plane (or an interleaved image: rows are just byte runs of `rowLen`).
// `rowOf(i)` gives input row i. Summing row by row equals Pillow's per-pixel order (integers).
template <typename RowOf>
void verticalPass(RowOf rowOf, int rowLen, const PilAxisWeights& w, uint8_t* out,
                  size_t outStride) {
  [[maybe_unused]] const bool avx2 = useAvx2();
  std::vector<int32_t> acc(static_cast<size_t>(rowLen));
  for (size_t y = 0; y < w.first.size(); ++y) {
    std::fill(acc.begin(), acc.end(), kHalf);
    const int32_t* k = &w.weights[y * w.taps];
    for (int i = 0; i < w.count[y]; ++i) {
      const uint8_t* src = rowOf(w.first[y] + i);
#ifdef VITCOP_PIL_RESIZE_AVX2
      if (avx2) {
        accumulateRowAvx2(acc.data(), src, k[i], rowLen);
        continue;
      }
#endif
      accumulateRowScalar(acc.data(), src, k[i], rowLen);
    }
    uint8_t* dst = out + y * outStride;
    for (int j = 0; j < rowLen; ++j)
      dst[j] = clip8(acc[j]);
  }
}

// The source: an image pasted on a constant canvas (the canvas is the image when not padding).
struct Canvas {
  const cv::Mat& image;
  int width, height, offsetX, offsetY;
  std::array<uint8_t, 3> fill;
  int channels() const { return image.channels(); }
  bool imageRow(int r) const { return r >= offsetY && r < offsetY + image.rows; }
};

// Canvas row r split into one planar row of canvas.width bytes per channel.
void planarRows(const Canvas& canvas, int r, std::vector<std::vector<uint8_t>>& rows) {
  const int C = canvas.channels();
  for (int c = 0; c < C; ++c) {
    uint8_t* dst = rows[static_cast<size_t>(c)].data();
    if (!canvas.imageRow(r)) {
      std::fill(dst, dst + canvas.width, canvas.fill[c]);
      continue;
    }
    std::fill(dst, dst + canvas.offsetX, canvas.fill[c]);
    std::fill(dst + canvas.offsetX + canvas.image.cols, dst + canvas.width, canvas.fill[c]);
  }
  if (!canvas.imageRow(r)) return;
  const uint8_t* src = canvas.image.ptr<uint8_t>(r - canvas.offsetY);
  if (C == 1) {
    std::copy(src, src + canvas.image.cols, rows[0].data() + canvas.offsetX);
    return;
  }
  uint8_t* d0 = rows[0].data() + canvas.offsetX;
  uint8_t* d1 = rows[1].data() + canvas.offsetX;
  uint8_t* d2 = rows[2].data() + canvas.offsetX;
  for (int x = 0; x < canvas.image.cols; ++x) {
    d0[x] = src[3 * x];
    d1[x] = src[3 * x + 1];
    d2[x] = src[3 * x + 2];
  }
}

// Horizontal pass over canvas rows [rowBegin, rowEnd) into per-channel planes (rows x outW).
std::vector<cv::Mat> horizontalPass(const Canvas& canvas, int rowBegin, int rowEnd, int outW) {
  const PilAxisWeights w = pilBicubicWeights(canvas.width, outW);
  const bool avx2 = useAvx2();
  const SimdWeights s = avx2 ? simdLayout(w, canvas.width) : SimdWeights{};
  auto filterRow = [&](const uint8_t* src, uint8_t* dst) {
#ifdef VITCOP_PIL_RESIZE_AVX2
    if (!s.start.empty()) {
      horizontalRowAvx2(src, s, dst, outW);
      return;
    }
#endif
    horizontalRowScalar(src, w, dst, outW);
  };
  const size_t C = static_cast<size_t>(canvas.channels());
  std::vector<cv::Mat> planes(C);
  for (cv::Mat& plane : planes)
    plane.create(rowEnd - rowBegin, outW, CV_8UC1);
  std::vector<std::vector<uint8_t>> rows(C,
                                         std::vector<uint8_t>(static_cast<size_t>(canvas.width)));
  int fillDone = -1;  // an already filtered row of pure fill (all such rows are alike)
  for (int r = rowBegin; r < rowEnd; ++r) {
    const bool fillRow = !canvas.imageRow(r);
    if (fillRow && fillDone >= 0) {
      for (cv::Mat& plane : planes) {
        std::copy(plane.ptr<uint8_t>(fillDone - rowBegin),
                  plane.ptr<uint8_t>(fillDone - rowBegin) + outW, plane.ptr<uint8_t>(r - rowBegin));
      }
      continue;
    }
    planarRows(canvas, r, rows);
    for (size_t c = 0; c < C; ++c)
      filterRow(rows[c].data(), planes[c].ptr<uint8_t>(r - rowBegin));
    if (fillRow) fillDone = r;
  }
  return planes;
}

cv::Mat interleave(const std::vector<cv::Mat>& planes) {
  if (planes.size() == 1) return planes[0];
  cv::Mat out;
  cv::merge(planes, out);
  return out;
}

void checkImage(const cv::Mat& image, int outWidth, int outHeight) {
  if (image.empty()) throw ImagingError("resizeBicubicPil: input image is empty");
  if (image.type() != CV_8UC1 && image.type() != CV_8UC3) {
    throw ImagingError("resizeBicubicPil: input must be CV_8UC1 or CV_8UC3, got type " +
                       std::to_string(image.type()));
  }
  if (outWidth < 1 || outHeight < 1) {
    throw ImagingError("resizeBicubicPil: output size must be >= 1x1, got " +
                       std::to_string(outWidth) + "x" + std::to_string(outHeight));
  }
}

cv::Mat resizeCanvas(const Canvas& canvas, int outW, int outH) {
  const bool needH = outW != canvas.width;
  const bool needV = outH != canvas.height;
  const int C = canvas.channels();
  if (!needH) {
    // Vertical only: filter interleaved canvas rows directly (a row is width * C bytes).
    const int rowLen = canvas.width * C;
    cv::Mat out(needV ? outH : canvas.height, canvas.width, canvas.image.type());
    std::vector<uint8_t> fillRow(static_cast<size_t>(rowLen));
    for (int x = 0; x < canvas.width; ++x) {
      for (int c = 0; c < C; ++c)
        fillRow[static_cast<size_t>(x * C + c)] = canvas.fill[c];
    }
    const bool plain = canvas.offsetX == 0 && canvas.width == canvas.image.cols;
    std::vector<std::vector<uint8_t>> padded;  // image rows with the fill on both sides
    if (!plain) {
      padded.assign(static_cast<size_t>(canvas.image.rows), fillRow);
      for (int r = 0; r < canvas.image.rows; ++r) {
        std::copy(canvas.image.ptr<uint8_t>(r),
                  canvas.image.ptr<uint8_t>(r) + canvas.image.cols * C,
                  padded[static_cast<size_t>(r)].begin() + canvas.offsetX * C);
      }
    }
    auto rowOf = [&](int r) -> const uint8_t* {
      if (!canvas.imageRow(r)) return fillRow.data();
      return plain ? canvas.image.ptr<uint8_t>(r - canvas.offsetY)
                   : padded[static_cast<size_t>(r - canvas.offsetY)].data();
    };
    if (!needV) {
      for (int r = 0; r < canvas.height; ++r)
        std::copy(rowOf(r), rowOf(r) + rowLen, out.ptr<uint8_t>(r));
      return out;
    }
    verticalPass(rowOf, rowLen, pilBicubicWeights(canvas.height, outH), out.data, out.step[0]);
    return out;
  }
  if (!needV) return interleave(horizontalPass(canvas, 0, canvas.height, outW));

  const PilAxisWeights wv = pilBicubicWeights(canvas.height, outH);
  // Like Pillow, run the horizontal pass only over the rows the vertical pass reads.
  const int rowBegin = wv.first.front();
  const int rowEnd = wv.first.back() + wv.count.back();
  const std::vector<cv::Mat> mid = horizontalPass(canvas, rowBegin, rowEnd, outW);
  std::vector<cv::Mat> planes(mid.size());
  for (size_t c = 0; c < mid.size(); ++c) {
    planes[c].create(outH, outW, CV_8UC1);
    const cv::Mat& m = mid[c];
    verticalPass([&](int r) { return m.ptr<uint8_t>(r - rowBegin); }, outW, wv, planes[c].data,
                 planes[c].step[0]);
  }
  return interleave(planes);
}

}  // namespace

PilAxisWeights pilBicubicWeights(int inSize, int outSize) {
  if (inSize < 1 || outSize < 1) {
    throw ImagingError("resizeBicubicPil: axis lengths must be >= 1 (input " +
                       std::to_string(inSize) + ", output " + std::to_string(outSize) + ")");
  }
  // Pillow: scale = (double)(in1 - in0) / outSize with in0 = 0.f, in1 = (float)inSize (exact).
  const double scale = static_cast<double>(inSize) / outSize;
  const double filterscale = scale < 1.0 ? 1.0 : scale;
  const double support = 2.0 * filterscale;  // bicubic support 2
  const double ss = 1.0 / filterscale;

  PilAxisWeights w;
  w.taps = static_cast<int>(std::ceil(support)) * 2 + 1;
  w.first.resize(static_cast<size_t>(outSize));
  w.count.resize(static_cast<size_t>(outSize));
  w.weights.assign(static_cast<size_t>(outSize) * w.taps, 0);
  std::vector<double> k(static_cast<size_t>(w.taps));
  for (int xx = 0; xx < outSize; ++xx) {
    const double center = (xx + 0.5) * scale;
    int xmin = static_cast<int>(center - support + 0.5);
    if (xmin < 0) xmin = 0;
    int xmax = static_cast<int>(center + support + 0.5);
    if (xmax > inSize) xmax = inSize;
    xmax -= xmin;
    double ww = 0.0;
    for (int x = 0; x < xmax; ++x) {
      const double v = bicubicKernel((x + xmin - center + 0.5) * ss);
      k[x] = v;
      ww += v;
    }
    int32_t* out = &w.weights[static_cast<size_t>(xx) * w.taps];
    for (int x = 0; x < xmax; ++x) {
      const double v = ww != 0.0 ? k[x] / ww : k[x];
      // Pillow's normalize_coeffs_8bpc: round half away from zero via a truncating cast.
      out[x] = v < 0 ? static_cast<int32_t>(-0.5 + v * (1 << kPrecisionBits))
                     : static_cast<int32_t>(0.5 + v * (1 << kPrecisionBits));
    }
    w.first[xx] = xmin;
    w.count[xx] = xmax;
  }
  return w;
}

cv::Mat resizeBicubicPil(const cv::Mat& image, int outWidth, int outHeight) {
  checkImage(image, outWidth, outHeight);
  if (outWidth == image.cols && outHeight == image.rows) return image.clone();  // Pillow copies
  return resizeCanvas(Canvas{image, image.cols, image.rows, 0, 0, {0, 0, 0}}, outWidth, outHeight);
}

cv::Mat resizeBicubicPilOnCanvas(const cv::Mat& image, int canvasWidth, int canvasHeight,
                                 int offsetX, int offsetY, const std::array<uint8_t, 3>& fill,
                                 int outWidth, int outHeight) {
  checkImage(image, outWidth, outHeight);
  if (offsetX < 0 || offsetY < 0 || offsetX + image.cols > canvasWidth ||
      offsetY + image.rows > canvasHeight) {
    throw ImagingError("resizeBicubicPilOnCanvas: a " + std::to_string(image.cols) + "x" +
                       std::to_string(image.rows) + " image at (" + std::to_string(offsetX) + ", " +
                       std::to_string(offsetY) + ") does not fit a " + std::to_string(canvasWidth) +
                       "x" + std::to_string(canvasHeight) + " canvas");
  }
  return resizeCanvas(Canvas{image, canvasWidth, canvasHeight, offsetX, offsetY, fill}, outWidth,
                      outHeight);
}

namespace detail {
bool setPilResizeSimd(bool enabled) {
  return g_simdEnabled.exchange(enabled);
}
}  // namespace detail

}  // namespace vitcop::imaging

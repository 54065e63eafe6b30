#include "gpu/attention.h"

#include <ATen/ops/_softmax.h>
#include <ATen/ops/arange.h>
#include <ATen/ops/bmm.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/index_copy.h>
#include <ATen/ops/index_select.h>
#include <ATen/ops/masked_fill.h>
#include <ATen/ops/ones.h>
#include <ATen/ops/tensor.h>
#include <ATen/ops/triu.h>
#include <c10/util/irange.h>
// Four version macros and nothing else: the light way to learn which LibTorch we build against.
#include <torch/version.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <string>

#include "gpu/cpu_features.h"
#include "gpu/decode_attention.h"

#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 3)
// 2.3+: the public fused kernel takes `scale` and, on CPU, runs a flash-attention kernel for
// f32/bf16 with an explicit mask (2.1-2.2 fall back to the math path on CPU, which materialises
// and runs the softmax in the input dtype: our own blocked path below is better there).
#include <ATen/ops/scaled_dot_product_attention.h>
#define VITCOP_PUBLIC_SDPA 1
#endif

namespace vitcop::gpu {
namespace {

// Why not at::_scaled_dot_product_attention on LibTorch 1.13 (measured, 2 cores, Zen 4):
//  - on CPU it is the composite "math" path: it materialises the full [B,H,Tq,Tk] weights
//    (and returns them), so it is not a fused kernel at all;
//  - its is_causal is top-left aligned (tril of Tq x Tk): with a KV cache (Tq < Tk) query i
//    would see keys 0..i instead of 0..Tk-Tq+i, so it is wrong for decode/chunked prefill;
//  - it has no `scale` argument and runs the softmax in the input dtype.
// The blocked path below never holds more than one block of scores (a few MiB, so it stays in
// cache instead of round-tripping a 50 MiB matrix through DRAM and fresh mmap'd pages), skips
// the key columns a causal block cannot see (~40% fewer FLOPs for a 640-token prefill), and
// maps GQA onto one batched GEMM per KV head without repeating K/V. Decode (Tq = 1) in f32 is
// the same code with one block (two batched GEMVs over the cache); in bf16 it goes to
// decode_attention.cpp, because oneDNN rebuilds its bf16 primitive for every new key count.

// Score-buffer budget per block. The L2 is 2 x 2 MiB here. In the exploration runs (LLaMA
// prefill shape) 128-256-row blocks (5-10 MiB) beat 64-row blocks (per-op overhead) and the
// whole matrix (DRAM + page faults); 4 MiB keeps CLIP at ~113 rows and LLaMA at ~50 rows with
// causal skipping. attention_bench --block-kib sweeps it; re-tune on a quiet machine.
//
// The budget follows the last-level cache: an eighth of it, between 4 and 64 MiB. On the Zen 4
// (32 MiB L3) that is the 4 MiB above; on the Intel VM (480 MiB L3) 60 MiB, where LLaMA-7B's
// 640-token causal prefill took 40.5 ms per layer with 4 MiB blocks, 30.5 with 16 and 22.8 with
// 64 (one block: the whole score matrix stays in L3; docs/benchmarks.md, 2026-12-08).
int64_t blockScoreBytes() {
  constexpr int64_t kMin = int64_t{4} << 20, kMax = int64_t{64} << 20;
  return std::clamp<int64_t>(cpuFeatures().l3Bytes / 8, kMin, kMax);
}
constexpr int64_t kMinBlockRows = 16;

std::string shapeOf(const at::Tensor& t) {
  std::ostringstream s;
  s << '[';
  for (const auto i : c10::irange(t.dim()))
    s << (i ? ", " : "") << t.size(i);
  s << ']';
  return s.str();
}

[[noreturn]] void fail(const std::string& what) {
  throw std::invalid_argument("attention: " + what);
}

struct Dims {
  int64_t B, Hq, Hkv, G, Tq, Tk, D, Dv;
};

Dims validate(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
              const AttentionOptions& o) {
  const std::pair<const char*, const at::Tensor*> named[] = {{"q", &q}, {"k", &k}, {"v", &v}};
  for (const auto& [name, t] : named) {
    if (!t->defined()) fail(std::string(name) + " is undefined");
    if (t->dim() != 4) fail(std::string(name) + " must be 4-D [B, H, T, D], got " + shapeOf(*t));
    if (!at::isFloatingType(t->scalar_type()))
      fail(std::string(name) + " must be floating point, got " +
           std::string(c10::toString(t->scalar_type())));
  }
  if (k.scalar_type() != q.scalar_type() || v.scalar_type() != q.scalar_type())
    fail(std::string("k and v must have q's dtype ") + c10::toString(q.scalar_type()) + ", got k " +
         c10::toString(k.scalar_type()) + ", v " + c10::toString(v.scalar_type()));
  if (k.device() != q.device() || v.device() != q.device())
    fail("q, k and v must be on one device");
  Dims d{q.size(0), q.size(1), k.size(1), 0, q.size(2), k.size(2), q.size(3), v.size(3)};
  if (k.size(0) != d.B || v.size(0) != d.B)
    fail("batch mismatch: q " + shapeOf(q) + ", k " + shapeOf(k) + ", v " + shapeOf(v));
  if (k.size(3) != d.D)
    fail("k head dim must equal q's (" + std::to_string(d.D) + "), got k " + shapeOf(k));
  if (v.size(1) != d.Hkv || v.size(2) != d.Tk)
    fail("v must match k in heads and length: k " + shapeOf(k) + ", v " + shapeOf(v));
  if (d.Hkv == 0 || d.Hq % d.Hkv != 0)
    fail("q heads (" + std::to_string(d.Hq) + ") must be a multiple of k heads (" +
         std::to_string(d.Hkv) + "): q " + shapeOf(q) + ", k " + shapeOf(k));
  if (d.Tk == 0) fail("k has no keys: k " + shapeOf(k));
  if (o.causal && d.Tq > d.Tk)
    fail("causal attention needs q length <= k length: q " + shapeOf(q) + ", k " + shapeOf(k));
  if (o.scale && !std::isfinite(*o.scale)) fail("scale must be finite");
  for (const int64_t r : o.probRows)
    if (r < 0 || r >= d.Tq)
      fail("probRows entry " + std::to_string(r) + " is outside q's " + std::to_string(d.Tq) +
           " rows");
  d.G = d.Hq / d.Hkv;
  return d;
}

double lowestFinite(c10::ScalarType t) {
  switch (t) {
    case at::kBFloat16:
      return static_cast<double>(std::numeric_limits<c10::BFloat16>::lowest());
    case at::kHalf:
      return static_cast<double>(std::numeric_limits<c10::Half>::lowest());
    case at::kDouble:
      return std::numeric_limits<double>::lowest();
    default:
      return static_cast<double>(std::numeric_limits<float>::lowest());
  }
}

// Softmax over the last dim computed in fp32 (f64 stays f64), result in `outDtype`.
// LibTorch's CPU bf16 softmax already accumulates in fp32 and rounds once at the end: it is
// bit-identical to "convert, softmax, convert back" (asserted in attention_test) and 3x faster,
// so bf16 on CPU goes straight through; f16 and CUDA take the explicit conversion.
at::Tensor softmaxFp32(const at::Tensor& scores, c10::ScalarType outDtype) {
  const auto t = scores.scalar_type();
  if (t == at::kFloat || t == at::kDouble || (t == at::kBFloat16 && scores.is_cpu()))
    return at::_softmax(scores, -1, false).to(outDtype);
  return at::_softmax(scores.to(at::kFloat), -1, false).to(outDtype);
}

// scores = (q @ k^T) * scale, like the reference models (scale applied to the scores).
// Not baddbmm(beta=0, alpha=scale) into an uninitialised buffer: 1.13's small-matrix bmm
// kernel computes beta * old + ..., so NaN garbage in the buffer leaks into the result.
void scaledScores(at::Tensor& scores, const at::Tensor& q, const at::Tensor& k, double scale) {
  at::bmm_out(scores, q, k.transpose(1, 2));
  if (scale != 1.0) scores.mul_(scale);
}

// [rows, kl] bool, true where key j is after query row's slot firstSlot + i (i.e. masked).
at::Tensor causalMask(int64_t firstSlot, int64_t rows, int64_t kl, const at::TensorOptions& o) {
  return at::ones({rows, kl}, o.dtype(at::kBool)).triu(firstSlot + 1);
}

// Fast path: query-row blocks, batched over (B x KV head), group heads stacked as extra rows.
at::Tensor blockedAttention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                            const Dims& d, double scale, bool causal, int64_t blockBytes) {
  const int64_t BH = d.B * d.Hkv;
  const auto q4 = q.reshape({BH, d.G, d.Tq, d.D});
  const auto k3 = k.reshape({BH, d.Tk, d.D});
  const auto v3 = v.reshape({BH, d.Tk, d.Dv});
  auto out = at::empty({BH, d.G, d.Tq, d.Dv}, q.options());
  if (d.Tq == 0) return out.view({d.B, d.Hq, d.Tq, d.Dv});

  const int64_t rowBytes = BH * d.G * d.Tk * 4;
  const int64_t blockRows =
      std::min(d.Tq, std::max(kMinBlockRows, blockBytes / std::max<int64_t>(rowBytes, 1)));
  const double lowest = lowestFinite(q.scalar_type());
  // One mask per call, sliced per block (building it per block cost ~5 % of a prefill).
  const at::Tensor mask = causal ? causalMask(d.Tk - d.Tq, d.Tq, d.Tk, q.options()) : at::Tensor();
  for (int64_t r = 0; r < d.Tq; r += blockRows) {
    const int64_t n = std::min(blockRows, d.Tq - r);
    // Causal: row r+i sits at slot Tk-Tq+r+i, so this block never looks past slot Tk-Tq+r+n-1.
    const int64_t firstSlot = d.Tk - d.Tq + r;
    const int64_t kl = causal ? firstSlot + n : d.Tk;
    // [BH, G*n, D]: a view when G == 1 or the block spans all rows, else a small copy.
    const auto qb = q4.narrow(2, r, n).reshape({BH, d.G * n, d.D});
    auto scores = at::empty({BH, d.G * n, kl}, q.options());
    scaledScores(scores, qb, k3.narrow(1, 0, kl), scale);
    if (causal && firstSlot + 1 < kl)
      scores.view({BH, d.G, n, kl}).masked_fill_(mask.narrow(0, r, n).narrow(1, 0, kl), lowest);
    const auto p = softmaxFp32(scores, q.scalar_type());
    const auto ob = at::bmm(p, v3.narrow(1, 0, kl));
    out.narrow(2, r, n).copy_(ob.view({BH, d.G, n, d.Dv}));
  }
  return out.view({d.B, d.Hq, d.Tq, d.Dv});
}

#ifdef VITCOP_PUBLIC_SDPA
// LibTorch 2.3+: the public fused kernel. Untested on this project's machines (1.13 only).
at::Tensor publicSdpa(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const Dims& d,
                      double scale, bool causal) {
  at::Tensor kk = k, vv = v;
  if (d.G > 1) {
    // enable_gqa exists from 2.5; before that the kernel needs one K/V head per query head.
    kk = k.repeat_interleave(d.G, 1);
    vv = v.repeat_interleave(d.G, 1);
  }
  c10::optional<at::Tensor> mask;
  bool isCausal = false;
  if (causal && d.Tq == d.Tk) {
    isCausal = true;  // top-left == bottom-right when square
  } else if (causal && d.Tq > 1) {
    // The public is_causal is top-left aligned; ours is bottom-right (slot Tk-Tq+i).
    mask = causalMask(d.Tk - d.Tq, d.Tq, d.Tk, q.options()).logical_not();
  }  // causal with Tq == 1: the last slot sees every key, no mask.
  return at::scaled_dot_product_attention(q, kk, vv, mask, 0.0, isCausal, scale);
}
#endif

// The fused path for this call: the bf16 decode kernel where it applies (see
// decode_attention.h), the public fused kernel on LibTorch 2.3+, else the blocked path.
at::Tensor fastAttention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                         const Dims& d, double scale, bool causal, int64_t blockBytes) {
  if (detail::decodeAttentionBf16Applies(q, k, v))
    return detail::decodeAttentionBf16(q, k, v, scale);
#ifdef VITCOP_PUBLIC_SDPA
  if (q.scalar_type() != at::kDouble) return publicSdpa(q, k, v, d, scale, causal);
#endif
  return blockedAttention(q, k, v, d, scale, causal, blockBytes);
}

// Plain path for the requested rows only: [B, Hq, R, Tk] fp32 probabilities and their output.
struct RowsResult {
  at::Tensor probs;   // fp32
  at::Tensor output;  // [B, Hq, R, Dv] in q's dtype
};

RowsResult plainRows(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const Dims& d,
                     double scale, bool causal, const at::Tensor& rows) {
  const int64_t BH = d.B * d.Hkv;
  const int64_t R = rows.numel();
  const auto qr = q.index_select(2, rows).reshape({BH, d.G * R, d.D});
  // Same scaled GEMM as the fast path, so both paths round the scores identically.
  auto scores = at::empty({BH, d.G * R, d.Tk}, q.options());
  scaledScores(scores, qr, k.reshape({BH, d.Tk, d.D}), scale);
  if (causal) {
    // Row rows[i] sits at slot Tk-Tq+rows[i]; mask keys after it.
    const auto slots = rows.add(d.Tk - d.Tq);
    const auto keys = at::arange(d.Tk, rows.options().dtype(at::kLong));
    const auto mask = keys.unsqueeze(0).gt(slots.unsqueeze(1));  // [R, Tk]
    scores.view({BH, d.G, R, d.Tk}).masked_fill_(mask, lowestFinite(q.scalar_type()));
  }
  const auto probDtype = q.scalar_type() == at::kDouble ? at::kDouble : at::kFloat;
  const auto p = at::_softmax(scores.to(probDtype), -1, false);
  const auto out = at::bmm(p.to(q.scalar_type()), v.reshape({BH, d.Tk, d.Dv}));
  return {p.to(at::kFloat).view({d.B, d.Hq, R, d.Tk}), out.view({d.B, d.Hq, R, d.Dv})};
}

}  // namespace

AttentionResult attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                          const AttentionOptions& options) {
  const Dims d = validate(q, k, v, options);
  if (q.scalar_type() == at::kHalf && q.is_cpu()) {
    // LibTorch 1.13 has no f16 GEMM on CPU ("addmm_impl_cpu_" not implemented for 'Half'):
    // compute in fp32 and round the output once.
    auto r = attention(q.to(at::kFloat), k.to(at::kFloat), v.to(at::kFloat), options);
    r.output = r.output.to(at::kHalf);
    return r;
  }
  const double scale = options.scale ? *options.scale : 1.0 / std::sqrt(static_cast<double>(d.D));
  const bool wantAll = options.allProbRows;
  AttentionResult result;
  if (wantAll) {
    // Every row asked for: the plain path's own output is the answer, no fused pass needed.
    const auto rows = at::arange(d.Tq, q.options().dtype(at::kLong));
    auto pr = plainRows(q, k, v, d, scale, options.causal, rows);
    result.output = pr.output;
    result.probs = pr.probs;
    return result;
  }
  result.output =
      fastAttention(q, k, v, d, scale, options.causal,
                    options.blockScoreBytes > 0 ? options.blockScoreBytes : blockScoreBytes());
  if (!options.probRows.empty()) {
    const auto rows = at::tensor(options.probRows, q.options().dtype(at::kLong));
    auto pr = plainRows(q, k, v, d, scale, options.causal, rows);
    // The requested rows take the plain path's output so they agree exactly with their probs.
    result.output.index_copy_(2, rows, pr.output);
    result.probs = pr.probs;
  }
  return result;
}

}  // namespace vitcop::gpu

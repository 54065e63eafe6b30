#pragma once
// Attention of a single query row per head over bf16 keys/values (LLM decode), on CPUs with
// AVX512-BF16. Why a kernel of its own: oneDNN (LibTorch 1.13's bf16 bmm) builds a new primitive
// for every new shape, 15-45 ms each here, and decode grows the key count by one per token, so
// every decode step paid two primitive builds (tests/bench/attention_bench.cpp,
// docs/benchmarks.md). Internal to vitcop_gpu: gpu::attention() dispatches here.
#include <ATen/core/Tensor.h>

namespace vitcop::gpu::detail {

// True when decodeAttentionBf16 can run: bf16 CPU tensors, one query row, unit stride in the
// head dim, and a CPU with AVX512-BF16.
bool decodeAttentionBf16Applies(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v);

// q [B, Hq, 1, D], k [B, Hkv, Tk, D], v [B, Hkv, Tk, Dv] -> [B, Hq, 1, Dv] bf16. Every key is
// visible (the last slot sees all of them, causal or not). Numerics follow the fused path:
// scores rounded to bf16 and scaled, softmax in fp32, probabilities rounded to bf16, then
// P V accumulated in fp32 and rounded once.
at::Tensor decodeAttentionBf16(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                               double scale);

}  // namespace vitcop::gpu::detail

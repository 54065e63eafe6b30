#pragma once
// One attention entry point for both towers (CLIP and LLaMA). The fast path is a fused kernel
// that never materialises the attention matrix (LibTorch 1.13: the private
// at::_scaled_dot_product_attention; 2.x: the public scaled_dot_product_attention, chosen by
// TORCH_VERSION); the plain path (matmul, mask, fp32 softmax, matmul) runs only when a caller
// asks for probabilities, and then only for the query rows it asks about.
#include <ATen/core/Tensor.h>

#include <optional>
#include <vector>

namespace vitcop::gpu {

struct AttentionOptions {
  // Causal by slot order: query row i sits at key slot (Tk - Tq + i) and sees keys 0..slot.
  bool causal = false;
  // Default 1/sqrt(head_dim).
  std::optional<double> scale;
  // Return softmax probabilities (fp32) for these query rows (indices into Tq); empty = none.
  // All rows: pass every index, or set allProbRows.
  std::vector<int64_t> probRows;
  bool allProbRows = false;
  // Fast-path tuning (benchmarks): bytes of fp32 scores per query-row block; 0 = built-in default.
  int64_t blockScoreBytes = 0;
};

struct AttentionResult {
  at::Tensor output;  // [B, Hq, Tq, D] in q's dtype
  at::Tensor probs;   // [B, Hq, R, Tk] fp32 for the R requested rows, undefined when none asked
};

// q [B, Hq, Tq, D]; k, v [B, Hkv, Tk, D] with Hq a multiple of Hkv (grouped-query attention:
// query head h uses KV head h / (Hq / Hkv)).
AttentionResult attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                          const AttentionOptions& options = {});

}  // namespace vitcop::gpu

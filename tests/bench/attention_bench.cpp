// Attention timing on the two towers' real shapes: CLIP ViT-L/14-336 (16 heads x 64, 577 tokens,
// no mask), LLaMA-7B prefill (32 x 128, ~640 tokens, causal) and decode (1 query over a
// 640-token cache). Compares the fused path, the plain path (all probabilities), the
// probabilities of one row, and two baselines (whole-matrix matmul/softmax; 1.13's private
// at::_scaled_dot_product_attention where its semantics match). Usage:
//   attention_bench [--runs N] [--dtype f32|bf16|both] [--block-kib K]
#include <ATen/ATen.h>
#include <ATen/ops/_scaled_dot_product_attention.h>

#include <cmath>
#include <cstdio>
#include <exception>
#include <string>

#include "gpu/attention.h"
#include "gpu/cpu_features.h"
#include "gpu/runtime.h"
#include "tests/bench/bench_common.h"

namespace {

using vitcop::gpu::attention;
using vitcop::gpu::AttentionOptions;

struct Case {
  const char* name;
  int64_t Hq, Hkv, Tq, Tk, D;
  bool causal;
  int64_t probRow;  // the row a caller typically inspects ([CLS] / last text token)
};

// The textbook version the fused path replaces: one full score matrix, fp32 softmax.
at::Tensor wholeMatrix(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, bool causal) {
  const double scale = 1.0 / std::sqrt(static_cast<double>(q.size(-1)));
  const int64_t g = q.size(1) / k.size(1);  // GQA: the textbook way repeats K/V per query head
  const auto kk = g > 1 ? k.repeat_interleave(g, 1) : k;
  const auto vv = g > 1 ? v.repeat_interleave(g, 1) : v;
  auto s = at::matmul(q, kk.transpose(-2, -1)).mul_(scale);
  if (causal) {
    const int64_t Tq = q.size(-2), Tk = k.size(-2);
    s.masked_fill_(at::ones({Tq, Tk}, q.options().dtype(at::kBool)).triu(Tk - Tq + 1), -1e30);
  }
  return at::matmul(at::softmax(s, -1, at::kFloat).to(q.scalar_type()), vv);
}

void run(const Case& c, at::ScalarType dtype, int runs, int64_t blockBytes) {
  at::manual_seed(0);
  const auto q = at::randn({1, c.Hq, c.Tq, c.D}).to(dtype);
  const auto k = at::randn({1, c.Hkv, c.Tk, c.D}).to(dtype);
  const auto v = at::randn({1, c.Hkv, c.Tk, c.D}).to(dtype);
  // Useful FLOPs (QK^T and PV, the causal half skipped) for a comparable GFLOP/s.
  const double pairs = c.causal ? (c.Tq * (c.Tk - c.Tq) + c.Tq * (c.Tq + 1) / 2.0) : c.Tq * c.Tk;
  const double flops = 4.0 * c.Hq * pairs * c.D;
  AttentionOptions fused;
  fused.causal = c.causal;
  fused.blockScoreBytes = blockBytes;
  AttentionOptions plain = fused;
  plain.allProbRows = true;
  AttentionOptions oneRow = fused;
  oneRow.probRows = {c.probRow};
  const char* dt = dtype == at::kFloat ? "f32" : "bf16";
  auto report = [&](const char* variant, double ms) {
    std::printf("| %-14s | %-4s | %-26s | %9.3f | %7.1f |\n", c.name, dt, variant, ms,
                flops / ms / 1e6);
  };
  report("fused", vitcop::bench::medianMs(runs, [&] { attention(q, k, v, fused); }));
  report("plain (all probs)", vitcop::bench::medianMs(runs, [&] { attention(q, k, v, plain); }));
  report("fused + probs of 1 row",
         vitcop::bench::medianMs(runs, [&] { attention(q, k, v, oneRow); }));
  report("baseline whole matrix",
         vitcop::bench::medianMs(runs, [&] { wholeMatrix(q, k, v, c.causal); }));
  if (c.Hq == c.Hkv && (!c.causal || c.Tq == c.Tk))
    report("baseline private 1.13 sdpa", vitcop::bench::medianMs(runs, [&] {
             at::_scaled_dot_product_attention(q, k, v, {}, 0.0, false, c.causal);
           }));
}

}  // namespace

int main(int argc, char** argv) {
  vitcop::bench::ensureCleanBlasEnvironment(argv);
  try {
    const vitcop::bench::Args args(argc, argv);
    const int threads = vitcop::gpu::initRuntime();
    const int runs = args.getInt("--runs", 7, 1, 1000);
    const int blockKib = args.getInt("--block-kib", 0, 0, 1 << 20);
    const std::string dtypes = args.get("--dtype", "both");
    if (dtypes != "f32" && dtypes != "bf16" && dtypes != "both")
      throw std::invalid_argument("option --dtype: expected f32, bf16 or both, got '" + dtypes +
                                  "'");
    std::printf("threads %d, native bf16 %s, runs %d, block %s\n", threads,
                vitcop::gpu::cpuFeatures().nativeBf16() ? "yes" : "no", runs,
                blockKib ? (std::to_string(blockKib) + " KiB").c_str() : "default");
    std::printf("| case | dtype | variant | median ms | GFLOP/s |\n|---|---|---|---:|---:|\n");
    const Case cases[] = {
        {"CLIP-L 577", 16, 16, 577, 577, 64, false, 0},
        {"LLaMA prefill", 32, 32, 640, 640, 128, true, 639},
        {"LLaMA decode", 32, 32, 1, 640, 128, true, 0},
        {"GQA 32q/8kv pf", 32, 8, 640, 640, 128, true, 639},
    };
    for (const auto dtype : {at::kFloat, at::kBFloat16}) {
      if ((dtype == at::kFloat && dtypes == "bf16") || (dtype == at::kBFloat16 && dtypes == "f32"))
        continue;
      for (const Case& c : cases)
        run(c, dtype, runs, int64_t{blockKib} * 1024);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "attention_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}

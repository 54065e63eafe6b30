// End-to-end engine timing on a random-weight LLaVA-1.5 (no checkpoint needed): vision encode,
// prefill of 576 visual + ~60 text tokens, decode ms/token and peak memory, next to this
// machine's GEMM peak and memory bandwidth measured in the same process. Prints prefill FLOP/s
// as a share of the GEMM peak (targets: >= 70 %) and decode bytes/s as a share of the streaming
// bandwidth (target: >= 90 %). FLOPs are analytic: 2*m*n*k of every linear (and the patch
// conv) plus the attention matmuls over the keys each query really sees (causal: the lower
// triangle). Decode bytes: every weight the token touches (decoder layers, final norm, lm_head;
// one embedding row) plus the K/V cache read by each layer.
// Usage: engine_bench [--preset llava-1.5-7b] [--layers N] [--vision-layers N] [--decode N]
//                     [--text N] [--dtype auto|f32|bf16] [--runs N] [--no-probes] [--profile]
// --profile adds one profiled vision encode, prefill and decode step (top ops by self time).
// Unless --no-probes, --decode more steps follow, each paired with a 1 GiB streaming read; the
// median ratio of the pairs is the decode share of bandwidth least disturbed by other load.
// --layers cuts the LLM depth (and --vision-layers the CLIP depth) for quick runs; reported
// results use full depth. Needs ~13.5 GB free for llava-1.5-7b in bf16.
#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>
#include <torch/csrc/autograd/profiler_legacy.h>

#include <algorithm>
#include <cstdio>
#include <exception>
#include <fstream>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/generation/engine.h"
#include "core/model/llava_model.h"
#include "gpu/cpu_features.h"
#include "gpu/host_allocator.h"
#include "gpu/memory_probe.h"
#include "gpu/perf_probes.h"
#include "gpu/runtime.h"
#include "gpu/timer.h"
#include "tests/bench/bench_common.h"

namespace {

using vitcop::checkpoint::LlavaConfig;

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n == 0 ? 0.0 : n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// FLOPs of the vision blocks that run, the patch conv and the projector, for one image.
double visionFlops(const LlavaConfig& c, int64_t blocks) {
  const auto& v = c.vision;
  const double T = 1.0 + v.numPatches(), D = v.hiddenSize, I = v.intermediateSize;
  const double perBlock = 2 * T * D * D * 4 + 2 * T * D * I * 2 + 2 * 2 * T * T * D;
  const double conv = 2.0 * v.numPatches() * D * v.numChannels * v.patchSize * v.patchSize;
  const double d = c.text.hiddenSize;
  const double featIn = D * static_cast<double>(c.visionFeatureLayers.size());
  const double projector = 2.0 * c.imageSeqLength * (featIn * d + d * d);
  return blocks * perBlock + conv + projector;
}

// FLOPs of a prefill of n tokens starting at an empty cache (logits of the last token only).
double prefillFlops(const LlavaConfig& c, double n) {
  const auto& t = c.text;
  const double d = t.hiddenSize, I = t.intermediateSize;
  const double qo = t.numHeads * t.headDim, kv = t.numKvHeads * t.headDim;
  const double linears = 2 * n * d * (qo + 2 * kv) + 2 * n * qo * d + 2 * n * d * I * 3;
  const double attn = 2 * 2 * t.numHeads * t.headDim * (n * (n + 1) / 2);
  return t.numLayers * (linears + attn) + 2 * d * t.vocabSize;
}

// Bytes one decode step reads with a cache of `ctx` tokens (before the new one).
double decodeBytes(const LlavaConfig& c, double ctx, int64_t elt) {
  const auto& t = c.text;
  const double d = t.hiddenSize, I = t.intermediateSize;
  const double qo = t.numHeads * t.headDim, kv = t.numKvHeads * t.headDim;
  const double layerWeights = d * (qo + 2 * kv) + qo * d + 3 * d * I + 2 * d;
  const double kvRead = 2 * kv * (ctx + 1);
  return elt * (t.numLayers * (layerWeights + kvRead) + d + t.vocabSize * d + d);
}

// AnonHugePages of this process in GB (/proc/self/smaps_rollup), -1 if unreadable: shows whether
// the weights really got transparent huge pages (gpu/host_allocator.h).
double anonHugeGb() {
  std::ifstream in("/proc/self/smaps_rollup");
  std::string key;
  double kb = 0;
  while (in >> key) {
    if (key == "AnonHugePages:" && (in >> kb)) return kb * 1024 / 1e9;
    in.ignore(1 << 20, '\n');
  }
  return -1;
}

// Runs `body` under LibTorch's op profiler and prints the ops with the most self time (time in
// the op minus the ops it called), with their inclusive time: which kernels a phase is made of.
void profileOps(const char* phase, const std::function<void()>& body) {
  namespace prof = torch::autograd::profiler;
  prof::enableProfilerLegacy(
      torch::profiler::impl::ProfilerConfig(torch::profiler::impl::ProfilerState::CPU));
  vitcop::gpu::Timer timer;
  body();
  const double totalMs = timer.elapsedMs();
  const auto lists = prof::disableProfilerLegacy();
  struct Acc {
    double self = 0, incl = 0;
    int64_t calls = 0;
  };
  std::map<std::string, Acc> acc;
  for (const auto& events : lists) {
    struct Open {
      const prof::LegacyEvent* push;
      double children;
    };
    std::vector<Open> stack;
    for (const auto& e : events) {
      if (e.kind() == prof::EventKind::PushRange) {
        stack.push_back({&e, 0.0});
      } else if (e.kind() == prof::EventKind::PopRange && !stack.empty()) {
        const Open o = stack.back();
        stack.pop_back();
        const double us = o.push->cpuElapsedUs(e);
        Acc& a = acc[o.push->name()];
        a.self += us - o.children;
        a.incl += us;
        ++a.calls;
        if (!stack.empty()) stack.back().children += us;
      }
    }
  }
  std::vector<std::pair<std::string, Acc>> rows(acc.begin(), acc.end());
  std::sort(rows.begin(), rows.end(),
            [](const auto& a, const auto& b) { return a.second.self > b.second.self; });
  std::printf("\nprofile of %s (%.1f ms wall, under the profiler):\n", phase, totalMs);
  std::printf("| op | calls | self ms | self %% | incl ms |\n|---|---:|---:|---:|---:|\n");
  for (size_t i = 0; i < rows.size() && i < 14; ++i)
    std::printf("| %s | %lld | %.1f | %.1f | %.1f |\n", rows[i].first.c_str(),
                static_cast<long long>(rows[i].second.calls), rows[i].second.self / 1e3,
                100.0 * rows[i].second.self / 1e3 / totalMs, rows[i].second.incl / 1e3);
}

}  // namespace

int main(int argc, char** argv) {
  vitcop::bench::ensureCleanBlasEnvironment(argv);
  namespace gpu = vitcop::gpu;
  try {
    const vitcop::bench::Args args(argc, argv);
    const int threads = gpu::initRuntime();
    const std::string preset = args.get("--preset", "llava-1.5-7b");
    LlavaConfig cfg = vitcop::model::presetConfig(preset);
    const int layers = args.getInt("--layers", static_cast<int>(cfg.text.numLayers), 1, 1000);
    const int vLayers =
        args.getInt("--vision-layers", static_cast<int>(cfg.vision.numLayers), 2, 1000);
    const int decodeSteps = args.getInt("--decode", 16, 1, 4096);
    const int textTokens = args.getInt("--text", 60, 2, 4096);
    const int runs = args.getInt("--runs", 3, 1, 100);
    const std::string dtypeArg = args.get("--dtype", "auto");
    at::ScalarType dtype;
    if (dtypeArg == "auto")
      dtype = gpu::cpuFeatures().nativeBf16() ? at::kBFloat16 : at::kFloat;
    else if (dtypeArg == "bf16")
      dtype = at::kBFloat16;
    else if (dtypeArg == "f32")
      dtype = at::kFloat;
    else
      throw std::invalid_argument("option --dtype: expected auto, f32 or bf16, got '" + dtypeArg +
                                  "'");
    const bool fullDepth = layers == cfg.text.numLayers && vLayers == cfg.vision.numLayers;
    cfg.text.numLayers = layers;
    cfg.vision.numLayers = vLayers;
    const int64_t elt = dtype == at::kBFloat16 ? 2 : 4;

    const c10::Device cpu("cpu");
    gpu::resetPeakMemory(cpu);
    gpu::Timer loadTimer;
    const auto model = vitcop::model::LlavaModel::randomInit(cfg, dtype, 1234);
    std::printf("model %s, %d LLM layers, %d vision layers%s, dtype %s, threads %d\n",
                preset.c_str(), layers, vLayers, fullDepth ? " (full depth)" : " (CUT depth)",
                dtype == at::kBFloat16 ? "bf16" : "f32", threads);
    std::printf("parameters %.3f G, %.2f GB, random init %.1f s\n",
                static_cast<double>(model->parameterCount()) / 1e9,
                static_cast<double>(model->parameterBytes()) / 1e9, loadTimer.elapsedMs() / 1e3);

    vitcop::generation::Engine engine(model);
    at::manual_seed(0);
    const auto pixels =
        at::randn({1, cfg.vision.numChannels, cfg.vision.imageSize, cfg.vision.imageSize});
    // Legacy prompt form: BOS, some text, one image token (expanded to 576), more text.
    std::vector<int64_t> ids = {cfg.text.bosTokenId};
    for (int i = 0; i < textTokens; ++i) {
      if (i == 5) ids.push_back(cfg.imageTokenIndex);
      ids.push_back(100 + (i * 37) % 20000);
    }

    std::vector<double> visionMs, prefillMs, decodeMs;
    vitcop::generation::EncodedImages enc;
    int64_t promptLen = 0;
    vitcop::generation::InferenceState lastState;  // the last run's, for the paired steps below
    int64_t lastToken = 0;
    for (int r = 0; r < runs; ++r) {
      gpu::Timer t;
      enc = engine.encodeImages(pixels);
      visionMs.push_back(t.elapsedMs());
      vitcop::generation::InferenceState state;
      t.restart();
      // Room for the timed steps and the paired steps after the runs.
      const auto logits = engine.prefill(state, ids, enc.images, {}, false, 2 * decodeSteps);
      prefillMs.push_back(t.elapsedMs());
      promptLen = state.promptLength;
      int64_t token = logits.reshape({-1}).argmax().item<int64_t>();
      for (int s = 0; s < decodeSteps; ++s) {
        t.restart();
        token = engine.decode(state, token).argmax().item<int64_t>();
        decodeMs.push_back(t.elapsedMs());
      }
      lastState = std::move(state);
      lastToken = token;
    }
    const auto mem = gpu::sampleMemory(cpu);
    // More decode steps, each followed by one read of a 1 GiB f32 buffer (the streaming probe's
    // ATen sum). On a shared machine the load changes within a minute, and the probes below run
    // minutes after the timed steps: the ratio of adjacent pairs is the robust number. After
    // the memory sample, so the buffer does not count in the peak RSS.
    std::vector<double> pairDecode, pairRead, pairRatio;
    if (!args.has("--no-probes")) {
      const auto buf = at::ones({(int64_t{1} << 30) / 4}, at::kFloat);
      const double bufBytes = static_cast<double>(buf.numel()) * 4;
      (void)buf.sum().item<float>();
      for (int s = 0; s < decodeSteps; ++s) {
        const double stepBytes =
            decodeBytes(cfg, static_cast<double>(promptLen) + decodeSteps + s, elt);
        gpu::Timer t;
        lastToken = engine.decode(lastState, lastToken).argmax().item<int64_t>();
        pairDecode.push_back(stepBytes / t.elapsedMs() / 1e6);
        t.restart();
        (void)buf.sum().item<float>();
        pairRead.push_back(bufBytes / t.elapsedMs() / 1e6);
        pairRatio.push_back(pairDecode.back() / pairRead.back());
      }
    }
    if (args.has("--profile")) {
      vitcop::generation::InferenceState state;
      profileOps("vision encode", [&] { enc = engine.encodeImages(pixels); });
      at::Tensor logits;
      profileOps("prefill", [&] { logits = engine.prefill(state, ids, enc.images, {}, false, 4); });
      const int64_t token = logits.reshape({-1}).argmax().item<int64_t>();
      profileOps("one decode step", [&] { engine.decode(state, token); });
    }

    const double vMs = median(visionMs), pMs = median(prefillMs), dMs = median(decodeMs);
    const double vFlops = visionFlops(cfg, model->visionBlocksNeeded());
    const double pFlops = prefillFlops(cfg, static_cast<double>(promptLen));
    const double dBytes = decodeBytes(cfg, static_cast<double>(promptLen) + decodeSteps / 2.0, elt);
    std::printf("prompt %lld tokens (%zu ids, 1 image), %d decode steps x %d runs\n",
                static_cast<long long>(promptLen), ids.size(), decodeSteps, runs);
    std::printf("vision encode : %9.1f ms  %7.1f GFLOP/s\n", vMs, vFlops / vMs / 1e6);
    std::printf("prefill       : %9.1f ms  %7.1f GFLOP/s  (%.1f GFLOP)\n", pMs, pFlops / pMs / 1e6,
                pFlops / 1e9);
    std::printf("decode        : %9.2f ms/token  %6.2f GB/s  (%.2f GB/token)\n", dMs,
                dBytes / dMs / 1e6, dBytes / 1e9);
    std::printf("peak RSS      : %9.2f GB\n", static_cast<double>(mem.peakBytes) / 1e9);
    std::printf("huge pages    : allocator %s, %.2f GB of anonymous huge pages\n",
                gpu::hugePageAllocatorEnabled() ? "on" : "off (VITCOP_HUGEPAGES=0)", anonHugeGb());

    if (!args.has("--no-probes")) {
      const auto peak = gpu::gemmPeakProbe(dtype, 0, {2048, 5});
      const auto bw = gpu::memoryBandwidthProbe({int64_t{1} << 30, 5, gpu::BandwidthKind::Sum});
      const auto gemv = gpu::memoryBandwidthProbe({int64_t{1} << 30, 5, gpu::BandwidthKind::Gemv});
      std::printf(
          "GEMM peak (%s, 2048^3): %.1f GFLOP/s; streaming read: %.1f GB/s; bf16 GEMV: %.1f GB/s\n",
          dtype == at::kBFloat16 ? "bf16" : "f32", peak.median, bw.median, gemv.median);
      std::printf("prefill %.1f %% of GEMM peak (target >= 70 %%); vision %.1f %%\n",
                  100.0 * pFlops / pMs / 1e6 / peak.median,
                  100.0 * vFlops / vMs / 1e6 / peak.median);
      std::printf("decode  %.1f %% of streaming bandwidth (target >= 90 %%)\n",
                  100.0 * dBytes / dMs / 1e6 / bw.median);
      std::printf(
          "decode/read pairs (%d steps, each followed by a 1 GiB read): decode %.2f GB/s, read "
          "%.2f GB/s, median ratio %.1f %%\n",
          decodeSteps, median(pairDecode), median(pairRead), 100.0 * median(pairRatio));
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "engine_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}

// Pruned vs unpruned runs through the real pipeline (session::ask: preprocess, vision encode
// with the method's vision-side stage, pruned prefill, decode with per-layer cache lengths) on a
// random-initialised full-size model: TTFT, its ratio to the unpruned run, decode ms/token,
// KV-cache bytes, equivalent tokens, analytic prefill FLOPs, the method's selection time as a
// share of the pruned prefill, and whether the traced per-layer counts equal the plan.
//
//   pruning_bench [--preset llava-1.5-7b] [--layers N] [--methods vitcop,fastv,...]
//                 [--budgets 192,128,64] [--decode N] [--runs N] [--dtype auto|bf16|f32]
//
// Targets (issue 4, ViTCoP on llava-1.5-7b): TTFT ratio at 64 >= 3.3x, overhead <= 2 %.
#include <algorithm>
#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

#include "core/model/llava_model.h"
#include "core/session/ask.h"
#include "gpu/cpu_features.h"
#include "gpu/memory_probe.h"
#include "gpu/runtime.h"
#include "gpu/timer.h"
#include "tests/bench/bench_common.h"

namespace {

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string item; std::getline(in, item, ',');)
    if (!item.empty()) out.push_back(item);
  return out;
}

double median(std::vector<double> v) {
  if (v.empty()) return 0.0;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

struct Row {
  std::string method, budget;
  double visionMs = 0, prefillMs = 0, ttftMs = 0, decodeMs = 0, selectionMs = 0;
  double equivalent = 0, flops = 0;
  int64_t kvBytes = 0, probRows = 0;
  bool countsMatch = false;
};

// A question of about 60 LLaMA tokens, like the text part of a benchmark prompt.
const char* kQuestion =
    "Look carefully at every object in this picture, including the small ones near the edges, "
    "and describe which shapes and colours you can see, how many objects there are of each "
    "colour, and where each of them is placed relative to the others.";

}  // namespace

int main(int argc, char** argv) {
  vitcop::bench::ensureCleanBlasEnvironment(argv);
  namespace gpu = vitcop::gpu;
  namespace session = vitcop::session;
  try {
    const vitcop::bench::Args args(argc, argv);
    const int threads = gpu::initRuntime();
    const std::string preset = args.get("--preset", "llava-1.5-7b");
    auto cfg = vitcop::model::presetConfig(preset);
    const int layers = args.getInt("--layers", static_cast<int>(cfg.text.numLayers), 3, 1000);
    const int decode = args.getInt("--decode", 8, 1, 1024);
    const int runs = args.getInt("--runs", 1, 1, 100);
    const auto methods = split(args.get("--methods", "vitcop"));
    const auto budgets = split(args.get("--budgets", "192,128,64"));
    session::LoadOptions load;
    load.dtype = args.get("--dtype", "auto");
    if (load.dtype == "auto") load.dtype = gpu::cpuFeatures().nativeBf16() ? "bf16" : "f32";
    const bool fullDepth = layers == cfg.text.numLayers;
    cfg.text.numLayers = layers;

    gpu::Timer initTimer;
    const auto model = session::LoadedModel::randomInit(cfg, "random-init:" + preset, load);
    std::printf("# pruning_bench: %s, %d LLM layers%s, dtype %s, %d threads, init %.1f s\n",
                preset.c_str(), layers, fullDepth ? " (full depth)" : " (CUT depth)",
                load.dtype.c_str(), threads, initTimer.elapsedMs() / 1e3);

    const std::string image =
        std::string(VITCOP_SOURCE_DIR) + "/resources/samples/scene_2147483676.png";
    auto runOnce = [&](const std::string& method, const std::string& budget) {
      session::AskRequest r;
      r.image = image;
      r.question = kQuestion;
      r.maxNewTokens = decode + 1;  // decode steps after the first token
      r.pruning.method = method;
      if (method != "none") r.pruning.budget = budget;
      return session::ask(*model, r);
    };
    std::vector<std::pair<std::string, std::string>> configs = {{"none", "576"}};
    for (const auto& m : methods)
      for (const auto& b : budgets)
        configs.emplace_back(m, b);

    std::vector<Row> rows;
    int64_t promptTokens = 0;
    for (const auto& [method, budget] : configs) {
      Row row;
      row.method = method;
      row.budget = method == "none" ? "-" : budget;
      std::vector<double> vis, pre, dec, sel;
      for (int i = 0; i < runs; ++i) {
        const session::AskResult a = runOnce(method, budget);
        vis.push_back(a.timings.stageMs("vision encode"));
        pre.push_back(a.timings.stageMs("prefill"));
        dec.push_back(median(a.decodeMs));
        sel.push_back(a.selectionMs);
        row.kvBytes = a.kvCacheBytes;
        row.probRows = a.llmProbabilityRows;
        row.equivalent = a.trace.equivalentTokens;
        row.flops = a.trace.prefillFlops;
        row.countsMatch = a.trace.layerVisualCounts() == a.plan.layerVisualTokens;
        promptTokens = std::max(promptTokens, a.promptTokens);
      }
      row.visionMs = median(vis);
      row.prefillMs = median(pre);
      row.ttftMs = row.visionMs + row.prefillMs;
      row.decodeMs = median(dec);
      row.selectionMs = median(sel);
      rows.push_back(row);
      std::fprintf(stderr, "  done %s %s: TTFT %.0f ms\n", method.c_str(), row.budget.c_str(),
                   row.ttftMs);
    }

    std::printf(
        "# unpruned prompt %lld tokens (576 visual), %d decode steps, %d run(s) each, "
        "peak RSS %.1f GB\n",
        static_cast<long long>(promptTokens), decode, runs,
        static_cast<double>(gpu::sampleMemory(c10::Device("cpu")).peakBytes) / 1e9);
    std::printf(
        "| method | budget | eq. tokens | vision ms | prefill ms | TTFT ms | TTFT ratio | "
        "TFLOPs (spec 4.1) | FLOP ratio | decode ms/tok | KV MB | selection ms | sel. %% of "
        "prefill | LLM prob rows "
        "| counts = plan "
        "|\n|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
    const Row& dense = rows.front();
    for (const Row& r : rows)
      std::printf(
          "| %s | %s | %.2f | %.0f | %.0f | %.0f | %.2fx | %.3f | %.2fx | %.1f | %.1f | %.1f | "
          "%.2f %% | %lld | %s |\n",
          r.method.c_str(), r.budget.c_str(), r.equivalent, r.visionMs, r.prefillMs, r.ttftMs,
          dense.ttftMs / r.ttftMs, r.flops / 1e12, dense.flops / r.flops, r.decodeMs,
          static_cast<double>(r.kvBytes) / 1e6, r.selectionMs, 100.0 * r.selectionMs / r.prefillMs,
          static_cast<long long>(r.probRows), r.countsMatch ? "yes" : "NO");
    bool ok = true;
    for (const Row& r : rows)
      ok = ok && r.countsMatch;
    return ok ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "pruning_bench: %s\n", e.what());
    return 2;
  }
}

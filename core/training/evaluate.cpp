#include "core/training/evaluate.h"

#include <ATen/ops/zeros.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <optional>
#include <set>

#include "core/checkpoint/checkpoint.h"
#include "core/pruning/method_registry.h"
#include "core/scenes/patch_coverage.h"
#include "core/scenes/sample.h"
#include "core/scenes/seeds.h"
#include "core/session/loaded_model.h"
#include "core/text/prompt_template.h"
#include "core/training/batch.h"
#include "core/training/training_error.h"

namespace vitcop::training {

namespace {

// Records the class-token attention row of block b* and forwards everything to the method
// (first, so a method that prunes after b* cannot change what is measured).
class MeasuringHooks : public generation::InferenceHooks {
 public:
  MeasuringHooks(int64_t block, generation::InferenceHooks* inner) : block_(block), inner_(inner) {}
  bool wantsVisionClsAttention(int64_t layer) override {
    return layer == block_ || (inner_ && inner_->wantsVisionClsAttention(layer));
  }
  bool wantsVisionKeys(int64_t layer) override { return inner_ && inner_->wantsVisionKeys(layer); }
  void afterVisionLayer(generation::VisionLayerView& view) override {
    if (view.layer == block_ && view.clsAttention.defined()) cls = view.clsAttention.clone();
    if (inner_) inner_->afterVisionLayer(view);
  }
  void afterProjector(generation::ProjectorView& view) override {
    if (inner_) inner_->afterProjector(view);
  }
  void beforeDecoderLayer(generation::DecoderLayerView& view) override {
    if (inner_) inner_->beforeDecoderLayer(view);
  }
  std::vector<int64_t> attentionRows(const generation::DecoderLayerView& view) override {
    return inner_ ? inner_->attentionRows(view) : std::vector<int64_t>{};
  }
  generation::DecodePositions decodePositions() const override {
    return inner_ ? inner_->decodePositions() : generation::DecodePositions::PromptLength;
  }
  at::Tensor cls;  // [F, Hv, 1+P]

 private:
  int64_t block_;
  generation::InferenceHooks* inner_;
};

}  // namespace

scenes::QuestionType parseQuestionType(const std::string& text) {
  std::string known;
  for (int i = 0; i < scenes::kQuestionTypeCount; ++i) {
    const auto t = static_cast<scenes::QuestionType>(i);
    if (text == scenes::name(t)) return t;
    known += (i ? ", " : "") + std::string(scenes::name(t));
  }
  throw TrainingError("unknown question type '" + text + "' (known: " + known + ")");
}

std::string normaliseAnswer(const std::string& text) {
  std::string s;
  for (char c : text)
    s += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const auto b = s.find_first_not_of(" \t\n");
  if (b == std::string::npos) return "";
  s = s.substr(b, s.find_last_not_of(" \t\n") - b + 1);
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s;
}

EvalResult evaluate(const EvalOptions& o) {
  if (o.n < 1) throw TrainingError("--n must be at least 1");
  if (o.seed + static_cast<uint64_t>(o.n) > scenes::kEvalSeedEnd - scenes::kEvalSeedBegin)
    throw TrainingError("--seed " + std::to_string(o.seed) + " with --n " + std::to_string(o.n) +
                        " runs past the 2^31 evaluation seeds");
  if (o.clipFrames < 1 || o.clipFrames > 64)
    throw TrainingError("--frames " + std::to_string(o.clipFrames) + " is outside [1, 64]");
  const auto start = std::chrono::steady_clock::now();
  // The method, its budget and parameters, before any weight is read: the name first (it needs
  // no model), then the whole request against the checkpoint's geometry for stills and clips.
  pruning::createMethod(o.pruning.method);
  const checkpoint::LlavaConfig header = checkpoint::Checkpoint::open(o.model).config();
  const auto stillPlan = session::preparePruning(header, o.pruning, 1)->plan();
  session::preparePruning(header, o.pruning, o.clipFrames);
  session::LoadOptions load;
  load.dtype = o.dtype;
  const auto loaded = session::LoadedModel::load(o.model, load);
  const auto& cfg = loaded->config();
  const auto& tok = loaded->tokenizer();
  const auto& engine = loaded->engine();
  const int64_t block = loaded->model().featureHiddenIndices().front() - 1;
  const int64_t grid = cfg.vision.gridSide();
  const std::set<scenes::QuestionType> wanted(o.types.begin(), o.types.end());

  EvalResult r;
  r.stageIBlock = block;
  r.params = stillPlan.resolved;
  double equivalentSum = 0;
  int64_t stillRuns = 0;
  double massSum = 0, areaSum = 0;
  int64_t measured = 0;
  for (int64_t i = 0; i < o.n; ++i) {
    const uint64_t seed = scenes::evalSeed(o.seed + static_cast<uint64_t>(i));
    const bool isClip = i % 4 == 3;  // as the tokenizer corpus mixes them
    std::vector<scenes::Question> questions;
    std::vector<cv::Mat> frames;
    std::optional<scenes::SceneSample> still;
    if (isClip) {
      scenes::ClipOptions co;
      co.scene.size = static_cast<int>(cfg.vision.imageSize);
      auto c = scenes::makeClipSample(seed, co);
      frames = clipFrames(c.clip, o.clipFrames);
      questions = c.questions;
    } else {
      scenes::SceneOptions so;
      so.size = static_cast<int>(cfg.vision.imageSize);
      still = scenes::makeSceneSample(seed, so);
      frames = {still->scene.image};
      questions = still->questions;
    }
    const at::Tensor pixels = pixelValues(frames, loaded->imageProcessor());
    bool clsDone = isClip;  // the attention measure is over stills
    for (const auto& q : questions) {
      if (!wanted.empty() && !wanted.count(q.type)) continue;
      const auto method =
          session::preparePruning(cfg, o.pruning, static_cast<int64_t>(frames.size()));
      MeasuringHooks hooks(clsDone ? -1 : block, method.get());
      const text::PromptIds prompt = text::buildInputIds(
          tok, promptFor(q.text, static_cast<int>(frames.size())), cfg.imageTokenIndex,
          cfg.imageTokensPerImage(), text::ImageTokenForm::Expanded);
      generation::GenerationOptions go;
      go.maxNewTokens = 8;
      go.eosTokenId = tok.eosId();
      go.control.hooks = &hooks;
      const auto g = engine.generate(prompt.ids, pixels, go);
      if (!isClip) {
        equivalentSum += method->trace().equivalentTokens;
        ++stillRuns;
      }
      std::vector<int64_t> ids;
      for (int64_t id : g.tokens)
        if (id >= 0 && id < tok.vocabSize() && id != tok.eosId()) ids.push_back(id);
      const bool ok = normaliseAnswer(tok.decode(ids)) == normaliseAnswer(q.answer);
      auto& score = r.perType[scenes::name(q.type)];
      ++score.total;
      ++r.questions;
      if (ok) {
        ++score.correct;
        ++r.correct;
      }
      if (!clsDone && hooks.cls.defined()) {
        // Stage I's saliency: the class row summed over heads, over the patch keys.
        const at::Tensor sal = hooks.cls[0].sum(0).narrow(0, 1, grid * grid);
        const auto cov = scenes::patchCoverage(still->scene, static_cast<int>(grid));
        std::vector<float> isObj(static_cast<size_t>(grid * grid));
        double area = 0;
        for (size_t p = 0; p < isObj.size(); ++p) {
          isObj[p] = cov.objectFraction[p] >= 0.10f ? 1.0f : 0.0f;
          area += isObj[p];
        }
        auto s = sal.contiguous();
        const float* sp = s.data_ptr<float>();
        double total = 0, onObj = 0;
        for (size_t p = 0; p < isObj.size(); ++p) {
          total += sp[p];
          onObj += sp[p] * isObj[p];
        }
        massSum += total > 0 ? onObj / total : 0.0;
        areaSum += area / static_cast<double>(isObj.size());
        ++measured;
        clsDone = true;
      }
    }
    ++r.samples;
    if (o.log && ((i + 1) % 100 == 0 || i + 1 == o.n)) {
      char buf[160];
      std::snprintf(buf, sizeof buf, "%lld/%lld samples, accuracy %.4f",
                    static_cast<long long>(i + 1), static_cast<long long>(o.n), r.accuracy());
      o.log(buf);
    }
  }
  if (stillRuns) r.equivalentTokens = equivalentSum / static_cast<double>(stillRuns);
  if (measured) {
    r.clsObjectMass = massSum / static_cast<double>(measured);
    r.objectAreaShare = areaSum / static_cast<double>(measured);
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

std::string toJson(const EvalResult& r, const EvalOptions& o) {
  nlohmann::json perType = nlohmann::json::object(), counts = nlohmann::json::object();
  for (const auto& [type, s] : r.perType) {
    perType[type] = s.accuracy();
    counts[type] = s.total;
  }
  const nlohmann::json budget =
      o.pruning.budget.empty() ? nlohmann::json(nullptr) : nlohmann::json(o.pruning.budget);
  const nlohmann::json j = {
      {"accuracy", r.accuracy()},
      {"per_type", perType},
      {"per_type_count", counts},
      {"cls_object_mass", r.clsObjectMass},
      {"object_area_share", r.objectAreaShare},
      {"cls_object_ratio", r.objectAreaShare > 0 ? r.clsObjectMass / r.objectAreaShare : 0.0},
      {"stage1_block", r.stageIBlock},
      {"questions", r.questions},
      {"samples", r.samples},
      {"seed", o.seed},
      {"n", o.n},
      {"first_scene_seed", scenes::kEvalSeedBegin + o.seed},
      {"method", o.pruning.method},
      {"budget", budget},
      {"params", r.params},
      {"equivalent_tokens", r.equivalentTokens},
      {"seconds", r.seconds}};
  return j.dump(2);
}

}  // namespace vitcop::training

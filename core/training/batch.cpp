#include "core/training/batch.h"

#include <ATen/ops/cat.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/full.h>
#include <ATen/ops/zeros.h>

#include <algorithm>
#include <cstring>

#include "core/imaging/preprocess.h"
#include "core/imaging/video_frames.h"
#include "core/scenes/patch_coverage.h"
#include "core/scenes/rng.h"
#include "core/scenes/sample.h"
#include "core/scenes/seeds.h"
#include "core/text/prompt_template.h"
#include "core/text/tokenizer.h"
#include "core/training/token_dropout.h"
#include "core/training/training_error.h"

namespace vitcop::training {

namespace {

at::Tensor longTensor(const std::vector<int64_t>& v, at::IntArrayRef shape) {
  at::Tensor t = at::empty(shape, at::kLong);
  std::memcpy(t.data_ptr<int64_t>(), v.data(), v.size() * sizeof(int64_t));
  return t;
}

// Patches at least this much covered count as object patches for the attention measures;
// auxiliary labels use a stricter rule (below) so half-covered patches are not forced either way.
constexpr float kObjectPatchShare = 0.10f;
constexpr float kLabelShare = 0.30f;
constexpr float kBackgroundShare = 0.02f;

}  // namespace

uint64_t trainSeed(uint64_t runSeed, int64_t phase, int64_t step, int64_t item, int kind) {
  uint64_t h = scenes::mix64(runSeed ^ 0x7472616E5EEDull);
  h = scenes::mix64(h ^ static_cast<uint64_t>(phase));
  h = scenes::mix64(h ^ static_cast<uint64_t>(step));
  h = scenes::mix64(h ^ (static_cast<uint64_t>(item) << 1 | static_cast<uint64_t>(kind)));
  return h % scenes::kTrainSeedEnd;  // the held-out seeds [2^31, 2^32) are never drawn
}

std::vector<cv::Mat> clipFrames(const scenes::Clip& clip, int count) {
  std::vector<cv::Mat> out;
  for (int64_t i : imaging::uniformFrameIndices(static_cast<int64_t>(clip.frames.size()), count))
    out.push_back(clip.frames[static_cast<size_t>(i)].image);
  return out;
}

at::Tensor pixelValues(const std::vector<cv::Mat>& rgb,
                       const checkpoint::ImageProcessorConfig& processor) {
  std::vector<at::Tensor> parts;
  for (const auto& m : rgb)
    parts.push_back(imaging::preprocessImage(m, processor).pixelValues);
  return at::cat(parts, 0);
}

std::string promptFor(const std::string& question, int frames) {
  std::string prompt = text::buildPrompt(text::PromptTemplate::LlavaHf, question, true);
  if (frames <= 1) return prompt;
  std::string placeholders;
  for (int i = 0; i < frames; ++i)
    placeholders += text::kImagePlaceholder;
  const auto at = prompt.find(text::kImagePlaceholder);
  return prompt.replace(at, std::string(text::kImagePlaceholder).size(), placeholders);
}

AuxLabels auxLabels(const std::vector<const scenes::Scene*>& scenesIn, int64_t grid) {
  const int64_t n = static_cast<int64_t>(scenesIn.size()), p = grid * grid;
  std::vector<int64_t> colour(static_cast<size_t>(n * p)), shape(colour.size()),
      size(colour.size()), centre(colour.size(), 0), count(static_cast<size_t>(n));
  AuxLabels out;
  out.sceneHot = at::zeros({n, kSceneClasses}, at::kFloat);
  out.objectPatch = at::zeros({n, p}, at::kBool);
  out.objectWeights = at::zeros({n, kMaxCount, p}, at::kFloat);
  out.objectShape = at::full({n, kMaxCount}, kIgnore, at::kLong);
  auto weights = out.objectWeights.accessor<float, 3>();
  auto objShape = out.objectShape.accessor<int64_t, 2>();
  auto hot = out.sceneHot.accessor<float, 2>();
  auto obj = out.objectPatch.accessor<bool, 2>();
  for (int64_t i = 0; i < n; ++i) {
    const scenes::Scene& s = *scenesIn[static_cast<size_t>(i)];
    const scenes::PatchCoverage cov = scenes::patchCoverage(s, static_cast<int>(grid));
    for (int64_t q = 0; q < p; ++q) {
      const float share = cov.objectFraction[static_cast<size_t>(q)];
      const int dom = cov.dominantObject[static_cast<size_t>(q)];
      const size_t k = static_cast<size_t>(i * p + q);
      obj[i][q] = share >= kObjectPatchShare;
      if (share < kBackgroundShare || dom < 0) {
        colour[k] = shape[k] = size[k] = 0;
      } else if (cov.perObject[static_cast<size_t>(dom)][static_cast<size_t>(q)] >= kLabelShare) {
        const auto& o = s.objects[static_cast<size_t>(dom)];
        colour[k] = 1 + static_cast<int64_t>(o.colour);
        shape[k] = 1 + static_cast<int64_t>(o.shape);
        size[k] = 1 + static_cast<int64_t>(o.size);
      } else {
        colour[k] = shape[k] = size[k] = kIgnore;
      }
    }
    for (size_t k = 0; k < s.objects.size() && k < static_cast<size_t>(kMaxCount); ++k) {
      float total = 0;
      for (int64_t q = 0; q < p; ++q)
        total += cov.perObject[k][static_cast<size_t>(q)];
      if (total <= 0) continue;
      for (int64_t q = 0; q < p; ++q)
        weights[i][static_cast<int64_t>(k)][q] = cov.perObject[k][static_cast<size_t>(q)] / total;
      objShape[i][static_cast<int64_t>(k)] = static_cast<int64_t>(s.objects[k].shape);
    }
    for (const auto& o : s.objects) {
      hot[i][static_cast<int>(o.colour) * scenes::kShapeCount + static_cast<int>(o.shape)] = 1.0f;
      // One marked token per object: counting then sums marks instead of finding blobs.
      const auto cell = [&](float v, int side) {
        return std::clamp<int64_t>(
            static_cast<int64_t>(v * static_cast<float>(grid) / static_cast<float>(side)), 0,
            grid - 1);
      };
      centre[static_cast<size_t>(i * p + cell(o.centre.y, s.height()) * grid +
                                 cell(o.centre.x, s.width()))] = 1;
    }
    count[static_cast<size_t>(i)] =
        std::min<int64_t>(static_cast<int64_t>(s.objects.size()), kMaxCount);
  }
  out.patchColour = longTensor(colour, {n, p});
  out.patchShape = longTensor(shape, {n, p});
  out.patchSize = longTensor(size, {n, p});
  out.patchCentre = longTensor(centre, {n, p});
  out.count = longTensor(count, {n});
  return out;
}

TextBatch packSequences(const BatchContext& ctx, const std::vector<std::vector<Segment>>& items,
                        int frames) {
  const text::Tokenizer& tok = *ctx.tokenizer;
  const int64_t perImage = ctx.config.imageTokensPerImage();
  const int64_t visual = perImage * frames;
  const int64_t pad = ctx.config.padTokenId >= 0 ? ctx.config.padTokenId : 0;
  TextBatch b;
  b.sequences = static_cast<int64_t>(items.size());
  b.frames = frames;
  std::vector<int64_t> prefix;
  // Per sequence: suffix ids, the segment each suffix token belongs to, its offset inside the
  // segment, and its target.
  struct Seq {
    std::vector<int64_t> ids, segment, offset, target;
  };
  std::vector<Seq> seqs(items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    int64_t segIndex = 0;
    for (const Segment& sg : items[i]) {
      const text::PromptIds p =
          text::buildInputIds(tok, promptFor(sg.prompt, frames), ctx.config.imageTokenIndex,
                              perImage, text::ImageTokenForm::Expanded);
      if (static_cast<int64_t>(p.imagePositions.size()) != visual)
        throw TrainingError("prompt \"" + sg.prompt + "\": image tokens do not match the grid");
      std::vector<int64_t> pre(p.ids.begin(), p.ids.begin() + p.firstImagePosition);
      if (prefix.empty()) prefix = pre;
      if (pre != prefix)
        throw TrainingError("prompt \"" + sg.prompt + "\": the text before the image differs");
      const std::vector<int64_t> question(p.ids.begin() + p.imagePositions.back() + 1, p.ids.end());
      const std::vector<int64_t> answer = tok.encodePlain(sg.answer);
      // Inputs: question then answer; targets: each answer token from the token before it,
      // and EOS after the last (the EOS itself is never an input).
      std::vector<int64_t> ids = question;
      ids.insert(ids.end(), answer.begin(), answer.end());
      Seq& s = seqs[i];
      for (size_t j = 0; j < ids.size(); ++j) {
        s.ids.push_back(ids[j]);
        s.segment.push_back(segIndex);
        s.offset.push_back(static_cast<int64_t>(j));
        int64_t target = kIgnore;
        if (j + 1 >= question.size()) target = j + 1 < ids.size() ? ids[j + 1] : tok.eosId();
        s.target.push_back(target);
      }
      ++segIndex;
    }
  }
  const int64_t lp = static_cast<int64_t>(prefix.size());
  int64_t ls = 0;
  for (const auto& s : seqs)
    ls = std::max<int64_t>(ls, static_cast<int64_t>(s.ids.size()));
  const int64_t bsz = b.sequences, t = lp + visual + ls, head = lp + visual;
  std::vector<int64_t> prefixAll, suffix(static_cast<size_t>(bsz * ls), pad),
      positions(static_cast<size_t>(bsz * t)), targets(static_cast<size_t>(bsz * t), kIgnore);
  b.allowed = at::zeros({bsz, t, t}, at::kBool);
  auto allow = b.allowed.accessor<bool, 3>();
  for (int64_t i = 0; i < bsz; ++i) {
    prefixAll.insert(prefixAll.end(), prefix.begin(), prefix.end());
    const Seq& s = seqs[static_cast<size_t>(i)];
    for (int64_t q = 0; q < head; ++q) {
      positions[static_cast<size_t>(i * t + q)] = q;
      for (int64_t k = 0; k <= q; ++k)
        allow[i][q][k] = true;
    }
    for (int64_t j = 0; j < ls; ++j) {
      const int64_t q = head + j;
      if (j >= static_cast<int64_t>(s.ids.size())) {
        // Padding attends to itself only (a defined softmax) and carries no target.
        positions[static_cast<size_t>(i * t + q)] = head;
        allow[i][q][q] = true;
        continue;
      }
      suffix[static_cast<size_t>(i * ls + j)] = s.ids[static_cast<size_t>(j)];
      const int64_t off = s.offset[static_cast<size_t>(j)];
      positions[static_cast<size_t>(i * t + q)] = head + off;
      targets[static_cast<size_t>(i * t + q)] = s.target[static_cast<size_t>(j)];
      if (s.target[static_cast<size_t>(j)] != kIgnore) ++b.supervised;
      for (int64_t k = 0; k < head; ++k)
        allow[i][q][k] = true;
      for (int64_t k = j - off; k <= j; ++k)
        allow[i][q][head + k] = true;
    }
  }
  b.prefixIds = longTensor(prefixAll, {bsz, lp});
  b.suffixIds = longTensor(suffix, {bsz, ls});
  b.positions = longTensor(positions, {bsz, t});
  b.targets = longTensor(targets, {bsz, t});
  return b;
}

TrainBatch makeBatch(const BatchContext& ctx, const Phase& phase, int64_t phaseIndex,
                     int64_t step) {
  const scenes::SceneOptions& opts = step < phase.easySteps ? phase.easy : phase.scene;
  TrainBatch batch;
  batch.images = phase.images;
  std::vector<scenes::SceneSample> stills;
  const int questions = phase.task == Task::Qa ? phase.segments : 0;
  for (int i = 0; i < phase.images; ++i)
    stills.push_back(
        scenes::makeSceneSample(trainSeed(ctx.runSeed, phaseIndex, step, i, 0), opts, questions));
  std::vector<cv::Mat> rgb;
  std::vector<const scenes::Scene*> scenePtrs;
  for (const auto& s : stills) {
    rgb.push_back(s.scene.image);
    scenePtrs.push_back(&s.scene);
  }
  batch.aux = auxLabels(scenePtrs, ctx.config.vision.gridSide());
  if (phase.task != Task::VisionAux) {
    std::vector<std::vector<Segment>> items;
    for (const auto& s : stills) {
      std::vector<Segment> segs;
      if (phase.task == Task::Describe)
        segs.push_back({kDescribePrompt, s.positionalDescription});
      else
        for (const auto& q : s.questions)
          segs.push_back({q.text, q.answer});
      items.push_back(std::move(segs));
    }
    batch.stills = packSequences(ctx, items, 1);
    if (phase.task == Task::Qa)
      dropVisualTokens(*batch.stills, batch.aux, phase.tokenDropout,
                       trainSeed(ctx.runSeed, phaseIndex, step, 0, 0));
  }
  if (phase.task == Task::Qa && phase.clips > 0) {
    scenes::ClipOptions clipOpts;
    clipOpts.scene = phase.scene;
    std::vector<std::vector<Segment>> items;
    for (int i = 0; i < phase.clips; ++i) {
      const scenes::ClipSample c = scenes::makeClipSample(
          trainSeed(ctx.runSeed, phaseIndex, step, i, 1), clipOpts, phase.segments);
      for (auto& f : clipFrames(c.clip, ctx.clipFrames))
        rgb.push_back(f);
      std::vector<Segment> segs;
      for (const auto& q : c.questions)
        segs.push_back({q.text, q.answer});
      items.push_back(std::move(segs));
    }
    batch.clips = packSequences(ctx, items, ctx.clipFrames);
  }
  batch.pixels = pixelValues(rgb, ctx.processor);
  return batch;
}

}  // namespace vitcop::training

#pragma once
// Training inputs from the scene generator: pixels, the packed text sequences and the
// auxiliary per-patch / per-scene labels of one step, a pure function of (run seed, phase,
// step), so a resumed run sees exactly the data an uninterrupted one would.
//
// Packing (docs/training.md): after one image's prefix (BOS, "USER:", its visual tokens) come
// several question-answer segments. A block mask lets each segment see the prefix and itself
// only, and every segment's positions restart right after the prefix, so each segment is
// computed exactly as if it were the only one - the supervision of 8 sequences at about the
// cost of one.
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <opencv2/core/mat.hpp>

#include "core/checkpoint/llava_config.h"
#include "core/scenes/scene.h"
#include "core/training/recipe.h"

namespace vitcop::text {
class Tokenizer;
}

namespace vitcop::training {

// The instruction of the describe phase (answered by describeScene(scene, true)).
inline constexpr const char* kDescribePrompt = "describe the scene.";

// Auxiliary label classes: patch colour 0 = background, 1 + Colour; shape 0 = background,
// 1 + Shape; size 0 = background, 1 small, 2 large; -100 = not supervised (partly covered).
inline constexpr int64_t kIgnore = -100;
inline constexpr int kSceneClasses = scenes::kColourCount * scenes::kShapeCount;
inline constexpr int kMaxCount = 8;

struct AuxLabels {
  at::Tensor patchColour;  // [N, P] int64
  at::Tensor patchShape;   // [N, P] int64
  at::Tensor patchSize;    // [N, P] int64
  at::Tensor patchCentre;  // [N, P] int64: 1 for the patch holding an object's centre, else 0
  at::Tensor sceneHot;     // [N, 35] float: colour x shape present
  at::Tensor count;        // [N] int64 objects in the scene
  at::Tensor objectPatch;  // [N, P] bool: patch at least 10 % covered (attention measures)
  // Per object slot (kMaxCount per image; empty slots have all-zero weights and label kIgnore):
  // each patch's share of the object's pixels, so pooling with it averages the object's patches
  // by how much of the object they hold, and the object's shape.
  at::Tensor objectWeights;  // [N, kMaxCount, P] float
  at::Tensor objectShape;    // [N, kMaxCount] int64
};

// One question (or instruction) with its answer, what a segment holds.
struct Segment {
  std::string prompt;
  std::string answer;
};

// Sequences of one kind (stills, or clips of `frames` frames), padded to one length.
struct TextBatch {
  int64_t sequences = 0;
  int64_t frames = 1;
  at::Tensor prefixIds;  // [B, Lp] ids before the visual tokens (the same in every row)
  at::Tensor suffixIds;  // [B, Ls] ids after them (segments, then pad)
  at::Tensor positions;  // [B, T], T = Lp + frames * P + Ls
  at::Tensor allowed;    // [B, T, T] bool: query row may attend to key column
  at::Tensor targets;    // [B, T] int64: next-token target, kIgnore where unsupervised
  int64_t supervised = 0;
};

struct TrainBatch {
  at::Tensor pixels;  // [images + clips * frames, 3, S, S]; stills first
  int64_t images = 0;
  AuxLabels aux;  // of the stills
  std::optional<TextBatch> stills;
  std::optional<TextBatch> clips;
};

// What building a batch needs besides the phase.
struct BatchContext {
  const text::Tokenizer* tokenizer = nullptr;
  checkpoint::LlavaConfig config;
  checkpoint::ImageProcessorConfig processor;
  int clipFrames = 4;
  uint64_t runSeed = 0;
};

// The training seed (in [0, 2^31)) of item `item` of `kind` (0 still, 1 clip) at a step.
uint64_t trainSeed(uint64_t runSeed, int64_t phase, int64_t step, int64_t item, int kind);

TrainBatch makeBatch(const BatchContext& ctx, const Phase& phase, int64_t phaseIndex, int64_t step);

// Shared with the evaluator, so training and evaluation see inputs built the same way as
// `vitcop ask` builds them.
// The frames a clip is shown with: np.linspace(0, n - 1, count) as vitcop ask samples a video.
std::vector<cv::Mat> clipFrames(const scenes::Clip& clip, int count);
// [F, 3, S, S] CLIPImageProcessor output of RGB frames.
at::Tensor pixelValues(const std::vector<cv::Mat>& rgb,
                       const checkpoint::ImageProcessorConfig& processor);
// The llava-hf prompt of `question` with `frames` image placeholders (as session::ask builds it).
std::string promptFor(const std::string& question, int frames);
AuxLabels auxLabels(const std::vector<const scenes::Scene*>& scenes, int64_t grid);

// Packs segments per sequence (one entry per sequence) into a TextBatch.
TextBatch packSequences(const BatchContext& ctx, const std::vector<std::vector<Segment>>& items,
                        int frames);

}  // namespace vitcop::training

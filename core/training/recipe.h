#pragma once
// The training recipe of the embedded model: its architecture (a small LLaVA-1.5: CLIP-style
// ViT, two-layer GELU projector, LLaMA decoder) and a staged curriculum of phases, each a fixed
// number of steps (schedules by step count, so a run stopped and resumed follows the same path).
// docs/training.md explains the choices.
#include <cstdint>
#include <string>
#include <vector>

#include "core/checkpoint/llava_config.h"
#include "core/scenes/scene.h"

namespace vitcop::training {

enum class Task {
  VisionAux,  // vision tower alone on the auxiliary losses (no text)
  Describe,   // one "describe the scene" segment per image: every object with position words
  Qa,         // packed question-answer segments per image, plus clips
};
const char* name(Task t);

// Visual-token dropout in a language phase (token_dropout.h says why and how).
struct TokenDropout {
  double probability = 0;  // share of still images whose tokens are subsampled
  // Kept share of the image's tokens, uniform in [minKeep, maxKeep] (at least one per object).
  double minKeep = 0.05, maxKeep = 0.5;
  // Kept tokens are chosen by a random score in [0, 1) plus this bonus on object patches: a
  // selector that prefers objects without being perfect, like the attention-based methods.
  double objectBonus = 0.5;
};

struct Phase {
  std::string name;
  Task task = Task::Qa;
  int64_t steps = 0;
  int images = 8;              // still images per step
  int clips = 0;               // clips per step (Qa only)
  int segments = 8;            // question segments packed after one image (Qa)
  bool trainVision = false;    // tower (+ auxiliary heads) receives gradients
  bool trainLanguage = true;   // projector + decoder receive gradients
  double lr = 1e-3;            // peak, after `warmup` linear steps; cosine to lr * finalLrScale
  double visionLrScale = 1.0;  // the tower's LR relative to `lr` (joint fine-tuning: 0.1)
  double finalLrScale = 0.1;
  int64_t warmup = 100;
  double auxWeight = 1.0;  // weight of the auxiliary vision losses (0: off)
  // The language forward's matrix products in bfloat16 (CPU autocast around projector + decoder;
  // the tower, auxiliary heads, parameters, optimizer state and the loss stay float32). On CPUs
  // with AMX-BF16 a bf16 GEMM at these sizes runs ~7x faster than OpenBLAS's f32 one
  // (docs/training.md, "Cost").
  bool bf16Matmuls = false;
  // Curriculum inside the phase: the first `easySteps` steps draw scenes from `easy`.
  int64_t easySteps = 0;
  scenes::SceneOptions easy;
  scenes::SceneOptions scene;
  TokenDropout tokenDropout;  // Qa only: the stills' visual tokens
};

struct Recipe {
  std::string name;
  // Architecture.
  int64_t imageSize = 224;
  int64_t patchSize = 14;
  int64_t visionWidth = 192;
  int64_t visionLayers = 6;  // features from hidden_states[-2]: the last block is never run
  int64_t visionHeads = 4;
  int64_t visionMlp = 768;
  int64_t textWidth = 256;
  int64_t textLayers = 6;
  int64_t textHeads = 4;
  int64_t textMlp = 512;
  int64_t tokenizerPieces = 512;    // SentencePiece vocabulary at most (spm_train may stop
                                    // earlier when the corpus has no more merges)
  int64_t tokenizerCorpus = 20000;  // generated samples the tokenizer is trained on
  int clipFrames = 4;               // frames a clip is shown with (vitcop ask --video --frames 4)
  // Vision tower from scratch (docs/training.md, "Learning shapes"): the scale of a 2D sin-cos
  // initialisation of the position embeddings (0: randomInit's std-0.02 noise), and whether the
  // per-patch auxiliary losses weigh object and background patches equally.
  double sinCosPositions = 0.0;
  bool balancedPatchLoss = false;
  // Mimetic initialisation of the tower's attention (vision_init.h): without it shape, which
  // needs attention to a patch's neighbours, stayed at chance (docs/training.md).
  bool mimeticAttention = false;
  // Auxiliary row/column targets for every patch (aux_heads.h): keeps where an object is in its
  // tokens, which position and relation questions need.
  bool positionTargets = false;
  // Optimiser (AdamW; betas 0.9/0.98, weight decay on matrices only, gradient clip).
  double weightDecay = 0.05;
  double gradClip = 1.0;
  std::vector<Phase> phases;

  int64_t totalSteps() const;
};

// "default" (the embedded model, <= 4 h on 2 cores), "r4" (the first shipped model's) or "tiny"
// (seconds, for tests). Throws TrainingError naming the recipe and listing the known ones.
Recipe recipeByName(const std::string& name);
std::vector<std::string> recipeNames();

// The model's llava-hf config for a tokenizer of `pieces` SentencePiece pieces: image token =
// pieces, pad = pieces + 1, vocabulary rounded up to a multiple of 64 as llava-hf pads it.
checkpoint::LlavaConfig modelConfig(const Recipe& recipe, int64_t pieces);
checkpoint::ImageProcessorConfig imageProcessorConfig(const Recipe& recipe);

}  // namespace vitcop::training

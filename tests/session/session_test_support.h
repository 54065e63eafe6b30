#pragma once
// Shared pieces of the session tests: the tiny chat model (llava-tiny-a's weights with the
// 300-piece tiny tokenizer, assembled in the build tree), its image, the engine's inputs for a
// question about it, the check that a pruning request is rejected, and a small synthetic clip.
#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/imaging/image_io.h"
#include "core/imaging/preprocess.h"
#include "core/pruning/pruning_error.h"
#include "core/session/ask.h"
#include "core/session/loaded_model.h"
#include "core/text/prompt_template.h"
#include "tests/support/test_paths.h"

namespace vitcop::session::test_support {

inline const std::shared_ptr<const LoadedModel>& tinyModel() {
  static const auto m = LoadedModel::load(VITCOP_TINY_CHAT_DIR);
  return m;
}

inline std::filesystem::path tinyImagePath() {
  return test::dataDir() / "llava-tiny-a" / "image.png";
}

// What Engine::generate takes for "What color?" about the tiny image (expanded image tokens).
struct EngineRun {
  std::vector<int64_t> ids;
  at::Tensor pixels;
};

inline EngineRun engineInputs(const LoadedModel& m) {
  EngineRun run;
  run.pixels = imaging::preprocessImage(imaging::loadImageRgb8(tinyImagePath()), m.imageProcessor())
                   .pixelValues;
  run.ids = text::buildInputIds(m.tokenizer(),
                                text::buildPrompt(text::PromptTemplate::LlavaHf, "What color?"),
                                m.config().imageTokenIndex, m.config().imageTokensPerImage(),
                                text::ImageTokenForm::Expanded)
                .ids;
  return run;
}

// preparePruning must reject `request` for the tiny model (one frame) with a PruningError whose
// one line contains `needle`.
inline void expectPreparationError(const PruningRequest& request, const std::string& needle) {
  try {
    preparePruning(tinyModel()->config(), request, 1);
    ADD_FAILURE() << "no error for " << needle;
  } catch (const pruning::PruningError& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

// A 5-frame MJPG clip of a red square moving right over grey, written into the test output.
inline std::filesystem::path movingSquareClip(const std::string& name) {
  const auto clip = test::outputDir() / name;
  cv::VideoWriter w(clip.string(), cv::VideoWriter::fourcc('M', 'J', 'P', 'G'), 5.0,
                    cv::Size(64, 48));
  if (!w.isOpened()) throw std::runtime_error("cannot write " + clip.string());
  for (int i = 0; i < 5; ++i) {
    cv::Mat f(48, 64, CV_8UC3, cv::Scalar(30, 30, 30));
    cv::rectangle(f, cv::Rect(4 + 10 * i, 16, 12, 12), cv::Scalar(0, 0, 255), cv::FILLED);
    w.write(f);
  }
  return clip;
}

}  // namespace vitcop::session::test_support

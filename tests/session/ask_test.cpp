// End to end through the session layer: image/video -> preprocessing -> prompt -> engine ->
// answer, on llava-tiny-a's random weights with a tiny tokenizer (answers are meaningless;
// what is tested is that every stage is wired as the CLI and GUI rely on).
#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include <atomic>

#include "core/generation/cancellation.h"
#include "core/imaging/image_io.h"
#include "core/imaging/preprocess.h"
#include "core/session/ask.h"
#include "core/text/prompt_template.h"
#include "tests/session/session_test_support.h"
#include "tests/support/test_paths.h"

namespace vitcop::session {
namespace {

using test_support::tinyModel;

std::filesystem::path imagePath() {
  return test_support::tinyImagePath();
}

AskRequest imageRequest() {
  AskRequest r;
  r.image = imagePath();
  r.question = "What color is the circle?";
  r.maxNewTokens = 6;
  return r;
}

TEST(Ask, ImageAnswerMatchesGreedyDecodingOfTheSamePrompt) {
  const auto& m = *tinyModel();
  const AskResult r = ask(m, imageRequest());
  EXPECT_EQ(r.frames, 1);
  EXPECT_EQ(r.visualTokens, m.config().imageTokensPerImage());
  ASSERT_LE(r.answerIds.size(), 6u);

  // The same prompt built by hand, run token by token through the engine's prefill/decode.
  const auto prompt = text::buildInputIds(
      m.tokenizer(), text::buildPrompt(text::PromptTemplate::LlavaHf, "What color is the circle?"),
      m.config().imageTokenIndex, m.config().imageTokensPerImage(), text::ImageTokenForm::Expanded);
  EXPECT_EQ(r.promptTokens, static_cast<int64_t>(prompt.ids.size()));
  const auto pixels =
      imaging::preprocessImage(imaging::loadImageRgb8(imagePath()), m.imageProcessor()).pixelValues;
  generation::InferenceState state;
  const auto images = m.engine().encodeImages(pixels).images;
  at::Tensor logits = m.engine().prefill(state, prompt.ids, images, {});
  std::vector<int64_t> expected;
  for (int i = 0; i < 6; ++i) {
    const int64_t next = generation::greedyToken(logits.reshape({-1}));
    if (next == m.tokenizer().eosId()) break;
    expected.push_back(next);
    logits = m.engine().decode(state, next);
  }
  EXPECT_EQ(r.answerIds, expected);
  // Ids past the tokenizer (padded LM-head rows, LQ-08) carry no text.
  std::vector<int64_t> withText;
  for (int64_t id : expected)
    if (id < m.tokenizer().vocabSize()) withText.push_back(id);
  EXPECT_EQ(r.answer, m.tokenizer().decode(withText));
}

TEST(Ask, StreamedTextAddsUpToTheAnswerAndTimingsAreRecorded) {
  AskRequest req = imageRequest();
  std::string streamed;
  req.onText = [&](const std::string& piece) { streamed += piece; };
  const AskResult r = ask(*tinyModel(), req);
  EXPECT_EQ(streamed, r.answer);
  for (const char* stage : {"preprocess", "vision encode", "prefill", "decode"})
    EXPECT_GE(r.timings.stageMs(stage), 0.0) << stage;
  EXPECT_GT(r.timings.stageMs("prefill"), 0.0);
  EXPECT_GT(r.kvCacheBytes, 0);
  EXPECT_GT(r.peakRssBytes, 0);
}

TEST(Ask, VideoFramesFormOneVisualSequence) {
  // A 5-frame clip of a square moving right; 3 frames sampled -> 3 x 16 visual tokens.
  const auto clip = test_support::movingSquareClip("ask_clip.avi");
  AskRequest req;
  req.video = clip;
  req.frames = 3;
  req.question = "Where does the square move?";
  req.maxNewTokens = 2;
  const AskResult r = ask(*tinyModel(), req);
  EXPECT_EQ(r.frames, 3);
  EXPECT_EQ(r.visualTokens, 3 * tinyModel()->config().imageTokensPerImage());
}

TEST(Ask, BadRequestsNameTheCulprit) {
  const auto expectMessage = [](AskRequest req, const std::string& needle) {
    try {
      ask(*tinyModel(), req);
      ADD_FAILURE() << "no error for " << needle;
    } catch (const std::exception& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  AskRequest both = imageRequest();
  both.video = "clip.mp4";
  expectMessage(both, "not both");
  AskRequest none = imageRequest();
  none.image.reset();
  expectMessage(none, "--image");
  AskRequest empty = imageRequest();
  empty.question.clear();
  expectMessage(empty, "--question");
  AskRequest missing = imageRequest();
  missing.image = "/nonexistent/dog.png";
  expectMessage(missing, "/nonexistent/dog.png");
}

TEST(Ask, CancelledRunStopsWithoutAnAnswer) {
  std::atomic<bool> cancel{true};
  AskRequest req = imageRequest();
  req.cancel = &cancel;
  EXPECT_THROW(ask(*tinyModel(), req), generation::Cancelled);
}

}  // namespace
}  // namespace vitcop::session

// Files written for people and the GUI round-trip: PNGs reload to the generated pixels and
// labels, the JSONL carries the ground truth, the corpus has every answer word; bad output
// paths and counts raise one-line errors naming the culprit.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include "core/scenes/scene_export.h"
#include "core/scenes/scenes_error.h"
#include "tests/support/test_paths.h"

namespace vitcop::scenes {
namespace {

namespace fs = std::filesystem;

fs::path freshDir(const std::string& name) {
  const fs::path d = test::outputDir() / name;
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

std::string errorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const ScenesError& e) {
    return e.what();
  }
  return "";
}

TEST(ScenesExport, StillsRoundTrip) {
  const fs::path dir = freshDir("scenes-export");
  ExportRequest r;
  r.firstSeed = 10;
  r.count = 3;
  r.scene.size = 224;
  const fs::path jsonl = exportSamples(dir, r);
  std::ifstream in(jsonl);
  std::string line;
  int lines = 0;
  while (std::getline(in, line)) {
    const auto j = nlohmann::json::parse(line);
    const uint64_t seed = j.at("seed").get<uint64_t>();
    EXPECT_EQ(seed, 10u + lines);
    const SceneSample s = makeSceneSample(seed, r.scene);
    cv::Mat bgr = cv::imread((dir / j.at("image").get<std::string>()).string()), rgb;
    ASSERT_FALSE(bgr.empty());
    cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
    EXPECT_EQ(cv::norm(rgb, s.scene.image, cv::NORM_INF), 0);
    const cv::Mat labels =
        cv::imread((dir / j.at("labels").get<std::string>()).string(), cv::IMREAD_UNCHANGED);
    EXPECT_EQ(cv::norm(labels, s.scene.labels, cv::NORM_INF), 0);
    ASSERT_EQ(j.at("objects").size(), s.scene.objects.size());
    for (size_t k = 0; k < s.scene.objects.size(); ++k) {
      EXPECT_EQ(j["objects"][k]["shape"], name(s.scene.objects[k].shape));
      EXPECT_EQ(j["objects"][k]["pixels"], s.scene.objects[k].pixels);
    }
    ASSERT_EQ(j.at("questions").size(), s.questions.size());
    EXPECT_EQ(j["questions"][0]["answer"], s.questions[0].answer);
    EXPECT_EQ(j.at("description"), s.description);
    ++lines;
  }
  EXPECT_EQ(lines, 3);
}

TEST(ScenesExport, ClipsWriteFramesAndVideo) {
  const fs::path dir = freshDir("scenes-export-clips");
  ExportRequest r;
  r.count = 1;
  r.clips = true;
  r.scene.size = 224;
  std::ifstream in(exportSamples(dir, r));
  std::string line;
  ASSERT_TRUE(std::getline(in, line));
  const auto j = nlohmann::json::parse(line);
  const ClipSample s = makeClipSample(0, ClipOptions{r.scene});
  ASSERT_EQ(j.at("frames").size(), s.clip.frames.size());
  for (const auto& f : j["frames"])
    EXPECT_TRUE(fs::exists(dir / f.at("image").get<std::string>()));
  cv::VideoCapture video((dir / j.at("video").get<std::string>()).string());
  ASSERT_TRUE(video.isOpened());
  int frames = 0;
  for (cv::Mat f; video.read(f);)
    ++frames;
  EXPECT_EQ(frames, static_cast<int>(s.clip.frames.size()));
  EXPECT_EQ(j.at("event"), name(s.clip.event));
}

TEST(ScenesExport, BadOutputsAreNamed) {
  ExportRequest r;
  EXPECT_EQ(errorOf([&] { exportSamples("/nonexistent/vitcop", r); }),
            "output directory /nonexistent/vitcop does not exist");
  const fs::path file = test::outputDir() / "scenes-not-a-dir";
  std::ofstream(file) << "x";
  EXPECT_EQ(errorOf([&] { exportSamples(file, r); }),
            "output path " + file.string() + " is not a directory");
  EXPECT_EQ(errorOf([&] { exportSamples("/proc", r); }), "cannot write /proc/samples.jsonl");
  r.count = 0;
  EXPECT_EQ(errorOf([&] { exportSamples(test::outputDir(), r); }), "sample count 0 is below 1");
  r.count = 1;
  r.scene.size = 100;
  EXPECT_NE(errorOf([&] { exportSamples(test::outputDir(), r); }).find("size 100"),
            std::string::npos);
  EXPECT_EQ(errorOf([&] { writeCorpus("/proc/corpus.txt", 0, 1); }),
            "cannot write /proc/corpus.txt");
  EXPECT_EQ(errorOf([&] { writeCorpus(test::outputDir() / "c.txt", 0, 0); }),
            "corpus sample count 0 is below 1");
  EXPECT_NE(errorOf([&] { writeCorpus(test::outputDir(), 0, 1); }).find("is a directory"),
            std::string::npos);
}

TEST(ScenesExport, CorpusHasQuestionsAnswersAndEveryWord) {
  const fs::path file = test::outputDir() / "scenes-corpus-test.txt";
  writeCorpus(file, 0, 40);
  std::ifstream in(file);
  std::stringstream all;
  all << in.rdbuf();
  const std::string text = all.str();
  for (const auto& w : answerVocabulary())
    EXPECT_NE(text.find(w), std::string::npos) << w;
  EXPECT_NE(text.find("? "), std::string::npos);
  EXPECT_NE(text.find("appears"), std::string::npos);  // clips are in it too (or moves)
  int lines = 0;
  for (char c : text)
    lines += c == '\n';
  EXPECT_GT(lines, 40 * 5);
}

}  // namespace
}  // namespace vitcop::scenes

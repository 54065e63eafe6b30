#include "core/scenes/scene_export.h"

#include <fstream>

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include "core/scenes/scenes_error.h"

namespace vitcop::scenes {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

json objectsJson(const std::vector<SceneObject>& objects) {
  json a = json::array();
  for (const auto& o : objects)
    a.push_back({{"id", o.id},
                 {"shape", name(o.shape)},
                 {"colour", name(o.colour)},
                 {"size", name(o.size)},
                 {"centre", {o.centre.x, o.centre.y}},
                 {"radius", o.radius},
                 {"rgb", {o.rgb[0], o.rgb[1], o.rgb[2]}},
                 {"box", {o.box.x, o.box.y, o.box.width, o.box.height}},
                 {"pixels", o.pixels}});
  return a;
}

json questionsJson(const std::vector<Question>& questions) {
  json a = json::array();
  for (const auto& q : questions)
    a.push_back({{"type", name(q.type)}, {"question", q.text}, {"answer", q.answer}});
  return a;
}

void requireWritableDir(const fs::path& dir) {
  std::error_code ec;
  if (!fs::exists(dir, ec))
    throw ScenesError("output directory " + dir.string() + " does not exist");
  if (!fs::is_directory(dir, ec))
    throw ScenesError("output path " + dir.string() + " is not a directory");
}

std::string seedName(const char* prefix, uint64_t seed) {
  return prefix + std::to_string(seed);
}

}  // namespace

std::string toJsonLine(const SceneSample& s, const std::string& image, const std::string& labels) {
  const json j = {{"kind", "scene"},
                  {"seed", s.scene.seed},
                  {"image", image},
                  {"labels", labels},
                  {"size", s.scene.width()},
                  {"background", name(s.scene.background)},
                  {"pixel_noise", s.scene.pixelNoise},
                  {"objects", objectsJson(s.scene.objects)},
                  {"questions", questionsJson(s.questions)},
                  {"description", s.description},
                  {"description_positions", s.positionalDescription}};
  return j.dump();
}

std::string toJsonLine(const ClipSample& s, const std::vector<std::string>& frames,
                       const std::vector<std::string>& labels, const std::string& video) {
  json jf = json::array();
  for (size_t t = 0; t < s.clip.frames.size(); ++t)
    jf.push_back({{"image", t < frames.size() ? frames[t] : ""},
                  {"labels", t < labels.size() ? labels[t] : ""},
                  {"objects", objectsJson(s.clip.frames[t].objects)}});
  json j = {{"kind", "clip"},
            {"seed", s.clip.seed},
            {"event", name(s.clip.event)},
            {"subject", s.clip.subjectId},
            {"size", s.clip.frames.empty() ? 0 : s.clip.frames[0].width()},
            {"background", s.clip.frames.empty() ? "" : name(s.clip.frames[0].background)},
            {"pixel_noise", s.clip.frames.empty() ? 0 : s.clip.frames[0].pixelNoise},
            {"video", video},
            {"frames", jf},
            {"questions", questionsJson(s.questions)},
            {"description", s.description}};
  if (s.clip.event == ClipEvent::Motion)
    j["direction"] = name(s.clip.direction);
  else
    j["appear_frame"] = s.clip.appearFrame;
  return j.dump();
}

void writePng(const fs::path& file, const cv::Mat& image) {
  cv::Mat out;
  if (image.channels() == 3)
    cv::cvtColor(image, out, cv::COLOR_RGB2BGR);
  else
    out = image;
  bool ok = false;
  try {
    ok = cv::imwrite(file.string(), out);
  } catch (const cv::Exception&) {
    ok = false;
  }
  if (!ok) throw ScenesError("cannot write " + file.string());
}

void writeAvi(const fs::path& file, const std::vector<Scene>& frames, double fps) {
  if (frames.empty()) throw ScenesError("cannot write " + file.string() + ": no frames");
  cv::VideoWriter writer(file.string(), cv::VideoWriter::fourcc('M', 'J', 'P', 'G'), fps,
                         frames[0].image.size());
  if (!writer.isOpened())
    throw ScenesError("cannot write " + file.string() + " (no MJPG writer or no access)");
  cv::Mat bgr;
  for (const auto& f : frames) {
    cv::cvtColor(f.image, bgr, cv::COLOR_RGB2BGR);
    writer.write(bgr);
  }
}

fs::path exportSamples(const fs::path& dir, const ExportRequest& request) {
  if (request.count < 1)
    throw ScenesError("sample count " + std::to_string(request.count) + " is below 1");
  validate(request.scene);
  requireWritableDir(dir);
  const fs::path jsonl = dir / "samples.jsonl";
  std::ofstream out(jsonl, std::ios::trunc);
  if (!out) throw ScenesError("cannot write " + jsonl.string());
  for (int i = 0; i < request.count; ++i) {
    const uint64_t seed = request.firstSeed + static_cast<uint64_t>(i);
    if (!request.clips) {
      const auto s = makeSceneSample(seed, request.scene);
      const std::string base = seedName("scene_", seed);
      writePng(dir / (base + ".png"), s.scene.image);
      writePng(dir / (base + "_labels.png"), s.scene.labels);
      out << toJsonLine(s, base + ".png", base + "_labels.png") << "\n";
    } else {
      ClipOptions co;
      co.scene = request.scene;
      const auto s = makeClipSample(seed, co);
      const std::string base = seedName("clip_", seed);
      std::vector<std::string> frames, labels;
      for (size_t t = 0; t < s.clip.frames.size(); ++t) {
        const std::string f = base + "_f" + std::to_string(t);
        writePng(dir / (f + ".png"), s.clip.frames[t].image);
        writePng(dir / (f + "_labels.png"), s.clip.frames[t].labels);
        frames.push_back(f + ".png");
        labels.push_back(f + "_labels.png");
      }
      writeAvi(dir / (base + ".avi"), s.clip.frames);
      out << toJsonLine(s, frames, labels, base + ".avi") << "\n";
    }
  }
  out.flush();
  if (!out) throw ScenesError("cannot write " + jsonl.string());
  return jsonl;
}

void writeCorpus(const fs::path& file, uint64_t firstSeed, int count) {
  if (count < 1) throw ScenesError("corpus sample count " + std::to_string(count) + " is below 1");
  std::error_code ec;
  if (fs::is_directory(file, ec))
    throw ScenesError("corpus file " + file.string() + " is a directory");
  std::ofstream out(file, std::ios::trunc);
  if (!out) throw ScenesError("cannot write " + file.string());
  std::string vocab;
  for (const auto& w : answerVocabulary())
    vocab += (vocab.empty() ? "" : " ") + w;
  out << vocab << "\n";
  // Small images: the corpus needs only the text, and a 224 scene is cheaper to generate.
  SceneOptions so;
  so.size = 224;
  ClipOptions co;
  co.scene = so;
  for (int i = 0; i < count; ++i) {
    const uint64_t seed = firstSeed + static_cast<uint64_t>(i);
    if (i % 4 == 3) {
      const auto s = makeClipSample(seed, co);
      for (const auto& q : s.questions)
        out << q.text << " " << q.answer << "\n";
      out << s.description << "\n";
    } else {
      const auto s = makeSceneSample(seed, so);
      for (const auto& q : s.questions)
        out << q.text << " " << q.answer << "\n";
      out << s.description << "\n" << s.positionalDescription << "\n";
    }
  }
  out.flush();
  if (!out) throw ScenesError("cannot write " + file.string());
}

}  // namespace vitcop::scenes

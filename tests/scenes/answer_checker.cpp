#include "tests/scenes/answer_checker.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <regex>
#include <sstream>
#include <vector>

namespace vitcop::scenes::test {
namespace {

// Word lists restated from docs/scenes.md (not taken from the generator).
const std::vector<std::string> kColours = {"red",    "green",  "blue", "yellow",
                                           "purple", "orange", "white"};
const std::vector<std::string> kShapes = {"circle", "square", "triangle", "star", "cross"};
const std::map<std::string, std::string> kPlurals = {{"circles", "circle"},
                                                     {"squares", "square"},
                                                     {"triangles", "triangle"},
                                                     {"stars", "star"},
                                                     {"crosses", "cross"}};
const std::vector<std::string> kNumbers = {"zero", "one", "two",   "three", "four",
                                           "five", "six", "seven", "eight"};
constexpr double kPositionMargin = 0.10, kRelationMargin = 0.15;
// Mask centroids differ from the generator's nominal centres by a pixel or two (the star and
// triangle are not point-symmetric); margins are checked with this slack.
constexpr double kCentroidSlack = 3.0;

bool in(const std::vector<std::string>& v, const std::string& w) {
  return std::find(v.begin(), v.end(), w) != v.end();
}

struct Parsed {
  std::string size, colour, shape;  // "" when absent; shape "" means "object"
};

std::optional<Parsed> parseRef(const std::string& ref) {
  std::istringstream stream(ref);
  std::vector<std::string> w;
  for (std::string s; stream >> s;)
    w.push_back(s);
  if (w.empty() || w.size() > 3) return std::nullopt;
  Parsed p;
  size_t i = 0;
  if (w[i] == "small" || w[i] == "large") p.size = w[i++];
  if (i < w.size() && in(kColours, w[i])) p.colour = w[i++];
  if (i + 1 != w.size()) return std::nullopt;
  if (w[i] == "object") {
    if (p.colour.empty())
      return std::nullopt;  // "the object" / "the small object" are not templates
  } else if (in(kShapes, w[i])) {
    p.shape = w[i];
  } else {
    return std::nullopt;
  }
  return p;
}

bool matches(const Parsed& p, const SceneObject& o) {
  return (p.size.empty() || p.size == name(o.size)) &&
         (p.colour.empty() || p.colour == name(o.colour)) &&
         (p.shape.empty() || p.shape == name(o.shape));
}

// Index of the only object matching `ref`, or -1.
int resolve(const std::vector<SceneObject>& objects, const Parsed& p) {
  int found = -1, n = 0;
  for (size_t k = 0; k < objects.size(); ++k)
    if (matches(p, objects[k])) found = static_cast<int>(k), ++n;
  return n == 1 ? found : -1;
}

Verdict fail(const std::string& why) {
  return {false, "", why};
}
Verdict ok(const std::string& answer) {
  return {true, answer, ""};
}

}  // namespace

cv::Point2d maskCentroid(const Scene& scene, size_t k) {
  double sx = 0, sy = 0;
  long n = 0;
  for (int y = 0; y < scene.labels.rows; ++y)
    for (int x = 0; x < scene.labels.cols; ++x)
      if (scene.labels.at<uint8_t>(y, x) == k + 1) sx += x, sy += y, ++n;
  return n ? cv::Point2d(sx / n, sy / n) : cv::Point2d(-1, -1);
}

Verdict checkStillQuestion(const Scene& scene, const std::string& q) {
  const auto& objects = scene.objects;
  std::smatch m;
  auto ref = [&](const std::string& text) -> std::pair<int, std::optional<Parsed>> {
    auto p = parseRef(text);
    return {p ? resolve(objects, *p) : -1, p};
  };
  if (std::regex_match(q, m, std::regex("what (colour|shape|size) is the ([a-z ]+)\\?"))) {
    auto [k, p] = ref(m[2]);
    if (!p) return fail("unparsed reference '" + m[2].str() + "'");
    if (k < 0) return fail("reference '" + m[2].str() + "' is not unique");
    const std::string asked = m[1];
    // The reference must not give away the asked attribute.
    if ((asked == "colour" && !p->colour.empty()) || (asked == "shape" && !p->shape.empty()) ||
        (asked == "size" && !p->size.empty()))
      return fail("reference names the asked " + asked);
    const SceneObject& o = objects[k];
    return ok(asked == "colour" ? name(o.colour) : asked == "shape" ? name(o.shape) : name(o.size));
  }
  if (q == "how many objects are there?") return ok(kNumbers.at(objects.size()));
  if (std::regex_match(q, m, std::regex("how many ([a-z]+) objects are there\\?"))) {
    if (!in(kColours, m[1])) return fail("unknown colour " + m[1].str());
    const auto n = std::count_if(objects.begin(), objects.end(),
                                 [&](const auto& o) { return m[1] == name(o.colour); });
    return ok(kNumbers.at(n));
  }
  if (std::regex_match(q, m, std::regex("how many ([a-z]+) are there\\?"))) {
    if (!kPlurals.count(m[1])) return fail("unknown plural " + m[1].str());
    const std::string shape = kPlurals.at(m[1]);
    const auto n = std::count_if(objects.begin(), objects.end(),
                                 [&](const auto& o) { return shape == name(o.shape); });
    return ok(kNumbers.at(n));
  }
  if (std::regex_match(q, m, std::regex("is there (a|an) ([a-z]+) ([a-z]+)\\?"))) {
    if (!in(kColours, m[2]) || !in(kShapes, m[3])) return fail("bad existence query");
    if ((m[1] == "an") != (m[2].str()[0] == 'o')) return fail("wrong article");
    const bool any = std::any_of(objects.begin(), objects.end(), [&](const auto& o) {
      return m[2] == name(o.colour) && m[3] == name(o.shape);
    });
    return ok(any ? "yes" : "no");
  }
  if (std::regex_match(
          q, m,
          std::regex("is the ([a-z ]+) (on the left or the right|at the top or the bottom)\\?"))) {
    auto [k, p] = ref(m[1]);
    if (k < 0) return fail("reference '" + m[1].str() + "' is not unique");
    const bool horizontal = m[2].str().find("left") != std::string::npos;
    const cv::Point2d c = maskCentroid(scene, k);
    const double v = horizontal ? c.x : c.y,
                 mid = (horizontal ? scene.width() : scene.height()) / 2.0;
    if (std::fabs(v - mid) < kPositionMargin * scene.width() - kCentroidSlack)
      return fail("too close to the middle");
    return ok(horizontal ? (v < mid ? "left" : "right") : (v < mid ? "top" : "bottom"));
  }
  if (std::regex_match(q, m, std::regex("is the ([a-z ]+) (left of|above) the ([a-z ]+)\\?"))) {
    auto [a, pa] = ref(m[1]);
    auto [b, pb] = ref(m[3]);
    if (a < 0 || b < 0 || a == b) return fail("relation references are not two unique objects");
    const bool horizontal = m[2] == "left of";
    const cv::Point2d ca = maskCentroid(scene, a), cb = maskCentroid(scene, b);
    const double d = horizontal ? cb.x - ca.x : cb.y - ca.y;
    if (std::fabs(d) < kRelationMargin * scene.width() - kCentroidSlack)
      return fail("relation too close to call");
    return ok(d > 0 ? "yes" : "no");
  }
  return fail("no template matches");
}

Verdict checkClipQuestion(const Clip& clip, const std::string& q) {
  if (clip.frames.size() < 2) return fail("clip too short");
  const Scene& first = clip.frames.front();
  const Scene& last = clip.frames.back();
  // What happened, from the frames alone: an id present at the end but not at the start has
  // appeared; an object whose mask centroid moved is the mover.
  int appeared = -1, moved = -1;
  std::string direction;
  for (size_t k = 0; k < last.objects.size(); ++k) {
    const int id = last.objects[k].id;
    const auto it = std::find_if(first.objects.begin(), first.objects.end(),
                                 [&](const auto& o) { return o.id == id; });
    if (it == first.objects.end()) {
      if (appeared >= 0) return fail("two objects appear");
      appeared = static_cast<int>(k);
      continue;
    }
    const cv::Point2d d = maskCentroid(last, k) -
                          maskCentroid(first, static_cast<size_t>(it - first.objects.begin()));
    if (std::hypot(d.x, d.y) < 2) continue;
    if (moved >= 0) return fail("two objects move");
    moved = static_cast<int>(k);
    if (std::fabs(d.x) > 4 * std::fabs(d.y))
      direction = d.x < 0 ? "left" : "right";
    else if (std::fabs(d.y) > 4 * std::fabs(d.x))
      direction = d.y < 0 ? "up" : "down";
    else
      return fail("diagonal motion");
  }
  std::smatch m;
  if (std::regex_match(q, m, std::regex("which way does the ([a-z ]+) move\\?"))) {
    const auto p = parseRef(m[1]);
    const int k = p ? resolve(last.objects, *p) : -1;
    if (k < 0) return fail("reference '" + m[1].str() + "' is not unique");
    if (k != moved) return fail("the referenced object does not move");
    return ok(direction);
  }
  if (q == "what shape is moving?" || q == "what colour is the moving object?") {
    if (moved < 0) return fail("nothing moves");
    return ok(q[5] == 's' ? name(last.objects[moved].shape) : name(last.objects[moved].colour));
  }
  if (q == "what shape appears?" || q == "what colour is the object that appears?") {
    if (appeared < 0) return fail("nothing appears");
    return ok(q[5] == 's' ? name(last.objects[appeared].shape)
                          : name(last.objects[appeared].colour));
  }
  return fail("no template matches");
}

}  // namespace vitcop::scenes::test

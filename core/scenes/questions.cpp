#include "core/scenes/questions.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <set>

#include "core/scenes/scenes_error.h"

namespace vitcop::scenes {
namespace {

using Objects = std::vector<SceneObject>;

// A referring expression: any of size, colour, shape may be left out ("object" then stands for
// the shape). It refers to an object when exactly one object matches every given attribute.
struct Ref {
  std::optional<Size> size;
  std::optional<Colour> colour;
  std::optional<Shape> shape;
};

bool matches(const Ref& r, const SceneObject& o) {
  return (!r.size || *r.size == o.size) && (!r.colour || *r.colour == o.colour) &&
         (!r.shape || *r.shape == o.shape);
}

std::string text(const Ref& r) {
  std::string s;
  if (r.size) s += std::string(name(*r.size)) + " ";
  if (r.colour) s += std::string(name(*r.colour)) + " ";
  return s + (r.shape ? name(*r.shape) : "object");
}

enum Field { kSize = 1, kColour = 2, kShape = 4 };

// The shortest of `forms` (bit sets of Field, tried in order) that singles out objects[k].
std::optional<std::string> uniqueRef(const Objects& objects, size_t k,
                                     std::initializer_list<int> forms) {
  const SceneObject& o = objects[k];
  for (int f : forms) {
    Ref r;
    if (f & kSize) r.size = o.size;
    if (f & kColour) r.colour = o.colour;
    if (f & kShape) r.shape = o.shape;
    const auto n =
        std::count_if(objects.begin(), objects.end(), [&](const auto& x) { return matches(r, x); });
    if (n == 1) return text(r);
  }
  return std::nullopt;
}

const std::initializer_list<int> kAnyRef = {kShape, kColour | kShape, kSize | kColour | kShape};

// Candidate (answer, question) pairs; picks an answer uniformly among those present, then a
// question with that answer uniformly.
class Candidates {
 public:
  void add(std::string answer, std::string question) {
    byAnswer_[std::move(answer)].push_back(std::move(question));
  }
  std::optional<Question> pick(QuestionType type, Rng& rng) const {
    if (byAnswer_.empty()) return std::nullopt;
    auto it = byAnswer_.begin();
    std::advance(it, rng.below(static_cast<uint32_t>(byAnswer_.size())));
    const auto& qs = it->second;
    return Question{type, qs[rng.below(static_cast<uint32_t>(qs.size()))], it->first};
  }

 private:
  std::map<std::string, std::vector<std::string>> byAnswer_;  // ordered: deterministic picks
};

std::optional<Question> pickYesNo(QuestionType type, const Candidates& yes, const Candidates& no,
                                  bool hasYes, bool hasNo, Rng& rng) {
  // Decide yes/no first (the draw happens even when only one side exists, so that the rest of
  // the stream does not depend on which sides exist).
  const bool wantYes = rng.chance(0.5);
  if (hasYes && (wantYes || !hasNo)) return yes.pick(type, rng);
  if (hasNo) return no.pick(type, rng);
  return std::nullopt;
}

// Rejection sampling for count questions about one colour or one shape. In the default scenes
// "zero" is a possible answer in ~100 % of scenes, "one" in ~68 %, "two" in ~38 %, "three" in
// ~16 %, "four" to "six" in 4-8 % (measured over 20,000 scenes, docs/scenes.md). A target answer
// is drawn uniformly from zero..six and, when the scene admits it, accepted with the probability
// below. The tables were calibrated on what askAboutScene returns for seeds 0..1999 with the
// default options so that zero..three come out equally often; four..six stay at 30-50 % of that
// (rarer answers cannot be raised without asking count questions in far fewer scenes). Other
// options skew the balance but every question stays correct. Up to eight attempts per call.
constexpr double kCountColourAccept[] = {0.077, 0.10, 0.26, 0.99, 1, 1, 1};
constexpr double kCountShapeAccept[] = {0.083, 0.114, 0.28, 0.76, 1, 1, 1};

std::optional<Question> askCount(const Objects& objects, QuestionType type, Rng& rng) {
  const bool byColour = type == QuestionType::CountColour;
  const double* accept = byColour ? kCountColourAccept : kCountShapeAccept;
  const int values = byColour ? kColourCount : kShapeCount;
  for (int attempt = 0; attempt < 8; ++attempt) {
    const int target = rng.range(0, 6);
    std::vector<int> hits;
    for (int v = 0; v < values; ++v) {
      const auto n = std::count_if(objects.begin(), objects.end(), [&](const SceneObject& o) {
        return (byColour ? static_cast<int>(o.colour) : static_cast<int>(o.shape)) == v;
      });
      if (n == target) hits.push_back(v);
    }
    if (hits.empty() || !rng.chance(accept[target])) continue;
    const int v = hits[rng.below(static_cast<uint32_t>(hits.size()))];
    const std::string what = byColour ? std::string(name(static_cast<Colour>(v))) + " objects"
                                      : std::string(plural(static_cast<Shape>(v)));
    return Question{type, "how many " + what + " are there?", numberWord(target)};
  }
  return std::nullopt;
}

// "a" or "an" before a word (only "orange" among the colours starts with a vowel).
std::string withArticle(const std::string& word) {
  return (std::string("aeiou").find(word[0]) != std::string::npos ? "an " : "a ") + word;
}

std::optional<Question> askRelation(const Objects& objects, int extent, bool horizontal, Rng& rng) {
  Candidates yes, no;
  bool hasYes = false, hasNo = false;
  const QuestionType type = horizontal ? QuestionType::LeftOf : QuestionType::Above;
  for (size_t a = 0; a < objects.size(); ++a) {
    const auto ra = uniqueRef(objects, a, kAnyRef);
    if (!ra) continue;
    for (size_t b = 0; b < objects.size(); ++b) {
      if (a == b) continue;
      const auto rb = uniqueRef(objects, b, kAnyRef);
      if (!rb) continue;
      const float d = horizontal ? objects[b].centre.x - objects[a].centre.x
                                 : objects[b].centre.y - objects[a].centre.y;
      if (std::fabs(d) < kRelationMargin * extent) continue;
      const std::string q =
          "is the " + *ra + (horizontal ? " left of the " : " above the ") + *rb + "?";
      if (d > 0) {
        yes.add("yes", q);
        hasYes = true;
      } else {
        no.add("no", q);
        hasNo = true;
      }
    }
  }
  return pickYesNo(type, yes, no, hasYes, hasNo, rng);
}

std::optional<Question> askExists(const Objects& objects, Rng& rng) {
  Candidates yes, hard, easy;
  bool hasYes = false, hasHard = false;
  std::set<int> colours, shapes;
  for (const auto& o : objects)
    colours.insert(static_cast<int>(o.colour)), shapes.insert(static_cast<int>(o.shape));
  for (int c = 0; c < kColourCount; ++c) {
    for (int s = 0; s < kShapeCount; ++s) {
      const Ref r{std::nullopt, static_cast<Colour>(c), static_cast<Shape>(s)};
      const bool present =
          std::any_of(objects.begin(), objects.end(), [&](const auto& o) { return matches(r, o); });
      const std::string q = "is there " + withArticle(text(r)) + "?";
      if (present) {
        yes.add("yes", q);
        hasYes = true;
      } else if (colours.count(c) || shapes.count(s)) {
        hard.add("no", q);  // a hard negative: the colour or the shape is in the scene
        hasHard = true;
      } else {
        easy.add("no", q);
      }
    }
  }
  // 35 combinations and at most 8 objects: an absent one always exists.
  return pickYesNo(QuestionType::Exists, yes, hasHard ? hard : easy, hasYes, true, rng);
}

}  // namespace

const char* name(QuestionType t) {
  static const char* const kNames[] = {
      "colour_of_shape", "shape_of_colour", "size_of",      "count_colour",
      "count_shape",     "count_all",       "exists",       "horizontal",
      "vertical",        "left_of",         "above",        "motion_direction",
      "moving_shape",    "moving_colour",   "appear_shape", "appear_colour"};
  return kNames[static_cast<int>(t)];
}

std::vector<QuestionType> stillQuestionTypes() {
  std::vector<QuestionType> t;
  for (int i = 0; i <= static_cast<int>(QuestionType::Above); ++i)
    t.push_back(static_cast<QuestionType>(i));
  return t;
}

std::vector<QuestionType> clipQuestionTypes() {
  std::vector<QuestionType> t;
  for (int i = static_cast<int>(QuestionType::MotionDirection); i < kQuestionTypeCount; ++i)
    t.push_back(static_cast<QuestionType>(i));
  return t;
}

std::optional<Question> askStill(const Scene& scene, QuestionType type, Rng& rng) {
  const Objects& objects = scene.objects;
  Candidates c;
  switch (type) {
    case QuestionType::ColourOfShape:
      for (size_t k = 0; k < objects.size(); ++k)
        if (auto r = uniqueRef(objects, k, {kShape, kSize | kShape}))
          c.add(name(objects[k].colour), "what colour is the " + *r + "?");
      return c.pick(type, rng);
    case QuestionType::ShapeOfColour:
      for (size_t k = 0; k < objects.size(); ++k)
        if (auto r = uniqueRef(objects, k, {kColour, kSize | kColour}))
          c.add(name(objects[k].shape), "what shape is the " + *r + "?");
      return c.pick(type, rng);
    case QuestionType::SizeOf:
      for (size_t k = 0; k < objects.size(); ++k)
        if (auto r = uniqueRef(objects, k, {kShape, kColour | kShape}))
          c.add(name(objects[k].size), "what size is the " + *r + "?");
      return c.pick(type, rng);
    case QuestionType::CountColour:
    case QuestionType::CountShape:
      return askCount(objects, type, rng);
    case QuestionType::CountAll:
      c.add(numberWord(static_cast<int>(objects.size())), "how many objects are there?");
      return c.pick(type, rng);
    case QuestionType::Exists:
      return askExists(objects, rng);
    case QuestionType::Horizontal:
    case QuestionType::Vertical: {
      const bool h = type == QuestionType::Horizontal;
      const float mid = (h ? scene.width() : scene.height()) / 2.0f;
      const double margin = kPositionMargin * (h ? scene.width() : scene.height());
      for (size_t k = 0; k < objects.size(); ++k) {
        const float v = h ? objects[k].centre.x : objects[k].centre.y;
        if (std::fabs(v - mid) < margin) continue;
        if (auto r = uniqueRef(objects, k, kAnyRef)) {
          if (h)
            c.add(v < mid ? "left" : "right", "is the " + *r + " on the left or the right?");
          else
            c.add(v < mid ? "top" : "bottom", "is the " + *r + " at the top or the bottom?");
        }
      }
      return c.pick(type, rng);
    }
    case QuestionType::LeftOf:
      return askRelation(objects, scene.width(), true, rng);
    case QuestionType::Above:
      return askRelation(objects, scene.height(), false, rng);
    default:
      throw ScenesError(std::string("askStill: question type ") + name(type) + " is for clips");
  }
}

std::optional<Question> askClip(const Clip& clip, QuestionType type, Rng& rng) {
  if (clip.frames.empty())
    throw ScenesError("askClip: clip " + std::to_string(clip.seed) + " has no frames");
  const Scene& last = clip.frames.back();
  const auto it = std::find_if(last.objects.begin(), last.objects.end(),
                               [&](const auto& o) { return o.id == clip.subjectId; });
  if (it == last.objects.end())
    throw ScenesError("askClip: clip " + std::to_string(clip.seed) + " lost its subject");
  const SceneObject& subject = *it;
  const bool motion = clip.event == ClipEvent::Motion;
  Candidates c;
  switch (type) {
    case QuestionType::MotionDirection:
      if (!motion) return std::nullopt;
      if (auto r = uniqueRef(last.objects, static_cast<size_t>(it - last.objects.begin()), kAnyRef))
        c.add(name(clip.direction), "which way does the " + *r + " move?");
      return c.pick(type, rng);
    case QuestionType::MovingShape:
      if (!motion) return std::nullopt;
      c.add(name(subject.shape), "what shape is moving?");
      return c.pick(type, rng);
    case QuestionType::MovingColour:
      if (!motion) return std::nullopt;
      c.add(name(subject.colour), "what colour is the moving object?");
      return c.pick(type, rng);
    case QuestionType::AppearShape:
      if (motion) return std::nullopt;
      c.add(name(subject.shape), "what shape appears?");
      return c.pick(type, rng);
    case QuestionType::AppearColour:
      if (motion) return std::nullopt;
      c.add(name(subject.colour), "what colour is the object that appears?");
      return c.pick(type, rng);
    default:
      throw ScenesError(std::string("askClip: question type ") + name(type) + " is for stills");
  }
}

namespace {

std::vector<Question> askMany(
    std::vector<QuestionType> types, uint64_t seed, int count,
    const std::function<std::optional<Question>(QuestionType, Rng&)>& ask) {
  if (count < 0) throw ScenesError("question count " + std::to_string(count) + " is negative");
  Rng rng(seed, 2);
  for (size_t i = types.size(); i > 1; --i)
    std::swap(types[i - 1], types[rng.below(static_cast<uint32_t>(i))]);
  std::vector<Question> out;
  std::set<std::string> seen;
  std::set<QuestionType> askedYesNo;
  // Cycle through the types; stop after three cycles in a row add nothing new (a scene of six
  // identical objects admits only a handful of distinct questions).
  for (int idle = 0; idle < 3 && static_cast<int>(out.size()) < count;) {
    bool added = false;
    for (const QuestionType t : types) {
      if (static_cast<int>(out.size()) >= count) break;
      // Yes/no types are asked once per scene: in repeat cycles their "yes" questions (few)
      // would often be duplicates and dropped while "no" questions (many) would not.
      const bool yesNo =
          t == QuestionType::Exists || t == QuestionType::LeftOf || t == QuestionType::Above;
      if (yesNo && askedYesNo.count(t)) continue;
      if (yesNo) askedYesNo.insert(t);
      auto q = ask(t, rng);
      if (q && seen.insert(q->text).second) {
        out.push_back(std::move(*q));
        added = true;
      }
    }
    idle = added ? 0 : idle + 1;
  }
  return out;
}

}  // namespace

std::vector<Question> askAboutScene(const Scene& scene, uint64_t seed, int count) {
  return askMany(stillQuestionTypes(), seed, count,
                 [&](QuestionType t, Rng& rng) { return askStill(scene, t, rng); });
}

std::vector<Question> askAboutClip(const Clip& clip, uint64_t seed, int count) {
  return askMany(clipQuestionTypes(), seed, count,
                 [&](QuestionType t, Rng& rng) { return askClip(clip, t, rng); });
}

}  // namespace vitcop::scenes

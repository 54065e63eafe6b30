#pragma once
// Templated questions with one-word answers, generated only when the ground truth answers them
// unambiguously (docs/scenes.md lists the templates and the rules). Answers are chosen
// answer-first: a type's candidate questions are grouped by answer and an answer is drawn
// uniformly among those the scene admits, which flattens the answer distribution.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/scenes/rng.h"
#include "core/scenes/scene.h"

namespace vitcop::scenes {

enum class QuestionType {
  ColourOfShape,    // what colour is the star?                  -> red
  ShapeOfColour,    // what shape is the red object?             -> star
  SizeOf,           // what size is the red star?                -> small | large
  CountColour,      // how many red objects are there?           -> zero .. six
  CountShape,       // how many stars are there?                 -> zero .. six
  CountAll,         // how many objects are there?               -> one .. eight (maxObjects)
  Exists,           // is there a red star?                      -> yes | no
  Horizontal,       // is the red star on the left or the right? -> left | right
  Vertical,         // is the red star at the top or the bottom? -> top | bottom
  LeftOf,           // is the red star left of the blue circle?  -> yes | no
  Above,            // is the red star above the blue circle?    -> yes | no
  MotionDirection,  // which way does the red star move?         -> left | right | up | down
  MovingShape,      // what shape is moving?                     -> star
  MovingColour,     // what colour is the moving object?         -> red
  AppearShape,      // what shape appears?                       -> star
  AppearColour,     // what colour is the object that appears?   -> red
};
inline constexpr int kQuestionTypeCount = 16;
const char* name(QuestionType t);
std::vector<QuestionType> stillQuestionTypes();  // the first 11
std::vector<QuestionType> clipQuestionTypes();   // the last 5

struct Question {
  QuestionType type = QuestionType::CountAll;
  std::string text;    // lower case, ends with '?'
  std::string answer;  // one word
};

// Ambiguity margins, as fractions of the image width/height: a position question needs the
// object's centre at least kPositionMargin from the centre line; a relation question needs the
// two centres at least kRelationMargin apart along the asked axis.
inline constexpr double kPositionMargin = 0.10;
inline constexpr double kRelationMargin = 0.15;

// One question of `type` about a still (types of stills only), or nullopt when the scene admits
// none (e.g. no star is unique).
std::optional<Question> askStill(const Scene& scene, QuestionType type, Rng& rng);

// One question of a clip type, or nullopt when the clip's event does not fit the type.
std::optional<Question> askClip(const Clip& clip, QuestionType type, Rng& rng);

// Up to `count` distinct questions of distinct types where possible (types cycle in a seeded
// random order; a type the scene cannot answer is skipped; yes/no types at most once per scene).
// Deterministic in (scene, seed).
std::vector<Question> askAboutScene(const Scene& scene, uint64_t seed, int count = 8);
std::vector<Question> askAboutClip(const Clip& clip, uint64_t seed, int count = 8);

}  // namespace vitcop::scenes

#include "core/scenes/vocabulary.h"

#include <string>

#include "core/scenes/scenes_error.h"

namespace vitcop::scenes {

const char* name(Shape s) {
  static const char* const kNames[] = {"circle", "square", "triangle", "star", "cross"};
  return kNames[static_cast<int>(s)];
}

const char* plural(Shape s) {
  static const char* const kNames[] = {"circles", "squares", "triangles", "stars", "crosses"};
  return kNames[static_cast<int>(s)];
}

const char* name(Colour c) {
  static const char* const kNames[] = {"red",    "green",  "blue", "yellow",
                                       "purple", "orange", "white"};
  return kNames[static_cast<int>(c)];
}

const char* name(Size s) {
  return s == Size::Small ? "small" : "large";
}

const char* name(Direction d) {
  static const char* const kNames[] = {"left", "right", "up", "down"};
  return kNames[static_cast<int>(d)];
}

const char* numberWord(int n) {
  static const char* const kWords[] = {"zero", "one",   "two",   "three", "four", "five",
                                       "six",  "seven", "eight", "nine",  "ten"};
  if (n < 0 || n > 10)
    throw ScenesError("numberWord: " + std::to_string(n) + " is outside [0, 10]");
  return kWords[n];
}

cv::Vec3b nominalRgb(Colour c) {
  // Chosen so that every pair differs by >= 90 in some channel and every colour differs from any
  // background grey (values 80..175) by >= 60 in some channel.
  static const cv::Vec3b kRgb[] = {
      {225, 30, 30},    // red
      {30, 175, 45},    // green
      {35, 75, 235},    // blue
      {245, 225, 30},   // yellow
      {155, 45, 205},   // purple
      {255, 140, 15},   // orange
      {250, 250, 250},  // white
  };
  return kRgb[static_cast<int>(c)];
}

std::vector<std::string> answerVocabulary() {
  std::vector<std::string> words;
  for (int i = 0; i < kColourCount; ++i)
    words.push_back(name(static_cast<Colour>(i)));
  for (int i = 0; i < kShapeCount; ++i)
    words.push_back(name(static_cast<Shape>(i)));
  for (int i = 0; i < kSizeCount; ++i)
    words.push_back(name(static_cast<Size>(i)));
  for (int i = 0; i <= 6; ++i)
    words.push_back(numberWord(i));
  for (const char* w : {"yes", "no", "left", "right", "top", "bottom", "up", "down"})
    words.push_back(w);
  return words;
}

}  // namespace vitcop::scenes

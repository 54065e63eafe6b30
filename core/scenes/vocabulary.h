#pragma once
// The closed world of the scenes: shapes, colours, sizes, directions and the words that name them.
// Every answer is one of these words (or yes/no, left/right/top/bottom, a number word).
#include <array>
#include <string>
#include <vector>

#include <opencv2/core/matx.hpp>

namespace vitcop::scenes {

enum class Shape { Circle, Square, Triangle, Star, Cross };
enum class Colour { Red, Green, Blue, Yellow, Purple, Orange, White };
enum class Size { Small, Large };
enum class Direction { Left, Right, Up, Down };

inline constexpr int kShapeCount = 5;
inline constexpr int kColourCount = 7;
inline constexpr int kSizeCount = 2;
inline constexpr int kDirectionCount = 4;

const char* name(Shape s);
const char* plural(Shape s);  // "crosses": count questions read naturally
const char* name(Colour c);
const char* name(Size s);
const char* name(Direction d);
const char* numberWord(int n);  // "zero" .. "ten"; throws ScenesError outside that range

// Nominal RGB of a colour: saturated and far from the backgrounds' low-saturation mid greys.
cv::Vec3b nominalRgb(Colour c);

// Every word an answer can be, in a fixed order (for a classifier head or a tokenizer check).
std::vector<std::string> answerVocabulary();

}  // namespace vitcop::scenes

#include "core/scenes/shapes.h"

#include <cmath>
#include <vector>

#include <opencv2/imgproc.hpp>

namespace vitcop::scenes {
namespace {

// fillPoly works in fixed point; 4 fractional bits keep sub-pixel centres without rounding drift.
constexpr int kShift = 4;
constexpr float kScale = 1 << kShift;

cv::Point fixedPoint(float x, float y) {
  return {static_cast<int>(std::lround(x * kScale)), static_cast<int>(std::lround(y * kScale))};
}

std::vector<cv::Point> polygon(Shape shape, cv::Point2f c, float r) {
  std::vector<cv::Point> p;
  const float kPi = 3.14159265358979f;
  switch (shape) {
    case Shape::Square: {
      const float h = 0.70f * r;  // corners at 0.99 r
      p = {fixedPoint(c.x - h, c.y - h), fixedPoint(c.x + h, c.y - h), fixedPoint(c.x + h, c.y + h),
           fixedPoint(c.x - h, c.y + h)};
      break;
    }
    case Shape::Triangle: {
      // Upright equilateral triangle of circumradius t = 0.87 r; its vertical extent [-t, t/2]
      // is shifted down by t/4 so the drawn shape is centred on `c` (corners within 0.996 r).
      const float t = 0.87f * r;
      const float cy = c.y + 0.25f * t;
      for (int k = 0; k < 3; ++k) {
        const float a = -kPi / 2 + k * 2 * kPi / 3;
        p.push_back(fixedPoint(c.x + t * std::cos(a), cy + t * std::sin(a)));
      }
      break;
    }
    case Shape::Star: {
      // Five points of outer radius 0.96 r, nudged down by 0.05 r so the star looks centred
      // (its lower points reach 1.0 r).
      for (int k = 0; k < 10; ++k) {
        const float a = -kPi / 2 + k * kPi / 5;
        const float rr = (k % 2 == 0) ? 0.96f * r : 0.43f * r;
        p.push_back(fixedPoint(c.x + rr * std::cos(a), c.y + 0.05f * r + rr * std::sin(a)));
      }
      break;
    }
    case Shape::Cross: {
      const float a = 0.88f * r, w = 0.30f * r;  // arm half-length and half-width
      p = {
          fixedPoint(c.x - w, c.y - a), fixedPoint(c.x + w, c.y - a), fixedPoint(c.x + w, c.y - w),
          fixedPoint(c.x + a, c.y - w), fixedPoint(c.x + a, c.y + w), fixedPoint(c.x + w, c.y + w),
          fixedPoint(c.x + w, c.y + a), fixedPoint(c.x - w, c.y + a), fixedPoint(c.x - w, c.y + w),
          fixedPoint(c.x - a, c.y + w), fixedPoint(c.x - a, c.y - w), fixedPoint(c.x - w, c.y - w)};
      break;
    }
    case Shape::Circle:
      break;
  }
  return p;
}

}  // namespace

void rasteriseShape(cv::Mat& labels, Shape shape, cv::Point2f centre, float radius, uint8_t label) {
  if (shape == Shape::Circle) {
    cv::circle(labels, fixedPoint(centre.x, centre.y),
               static_cast<int>(std::lround(0.92f * radius * kScale)), cv::Scalar(label),
               cv::FILLED, cv::LINE_8, kShift);
    return;
  }
  const auto p = polygon(shape, centre, radius);
  const cv::Point* pts = p.data();
  const int n = static_cast<int>(p.size());
  cv::fillPoly(labels, &pts, &n, 1, cv::Scalar(label), cv::LINE_8, kShift);
}

}  // namespace vitcop::scenes

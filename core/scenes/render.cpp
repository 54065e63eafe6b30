#include "core/scenes/render.h"

#include <algorithm>

#include "core/scenes/shapes.h"

namespace vitcop::scenes {

Scene renderScene(const cv::Mat& background, std::vector<SceneObject> objects, uint64_t seed,
                  Background kind) {
  Scene s;
  s.seed = seed;
  s.background = kind;
  s.image = background.clone();
  s.labels = cv::Mat::zeros(background.size(), CV_8UC1);
  for (size_t k = 0; k < objects.size(); ++k)
    rasteriseShape(s.labels, objects[k].shape, objects[k].centre, objects[k].radius,
                   static_cast<uint8_t>(k + 1));
  // One pass over each object's neighbourhood paints its colour and measures its mask.
  for (size_t k = 0; k < objects.size(); ++k) {
    SceneObject& o = objects[k];
    const int r = static_cast<int>(o.radius) + 2;
    const cv::Rect area = cv::Rect(static_cast<int>(o.centre.x) - r,
                                   static_cast<int>(o.centre.y) - r, 2 * r + 1, 2 * r + 1) &
                          cv::Rect(0, 0, s.labels.cols, s.labels.rows);
    int x0 = area.br().x, y0 = area.br().y, x1 = -1, y1 = -1, count = 0;
    const auto label = static_cast<uint8_t>(k + 1);
    for (int y = area.y; y < area.br().y; ++y) {
      const uint8_t* l = s.labels.ptr<uint8_t>(y);
      auto* px = s.image.ptr<cv::Vec3b>(y);
      for (int x = area.x; x < area.br().x; ++x) {
        if (l[x] != label) continue;
        px[x] = o.rgb;
        ++count;
        x0 = std::min(x0, x), x1 = std::max(x1, x);
        y0 = std::min(y0, y), y1 = std::max(y1, y);
      }
    }
    o.pixels = count;
    o.box = count ? cv::Rect(x0, y0, x1 - x0 + 1, y1 - y0 + 1) : cv::Rect();
  }
  s.objects = std::move(objects);
  return s;
}

cv::Mat Scene::mask(size_t k) const {
  return labels == static_cast<double>(k + 1);
}

}  // namespace vitcop::scenes

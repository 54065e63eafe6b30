#include "core/scenes/describe.h"

#include <algorithm>
#include <vector>

namespace vitcop::scenes {
namespace {

std::string phrase(const SceneObject& o) {
  return std::string("a ") + name(o.size) + " " + name(o.colour) + " " + name(o.shape);
}

// Where a point lies in a 3x3 split of the image, as a prepositional phrase.
std::string where(const SceneObject& o, int width, int height) {
  const int col = std::clamp(static_cast<int>(3 * o.centre.x / width), 0, 2);
  const int row = std::clamp(static_cast<int>(3 * o.centre.y / height), 0, 2);
  static const char* const kRow[] = {"top", "", "bottom"};
  static const char* const kCol[] = {"left", "", "right"};
  if (row == 1 && col == 1) return "in the middle";
  if (row == 1) return std::string("on the ") + kCol[col];
  if (col == 1) return std::string("at the ") + kRow[row];
  return std::string("at the ") + kRow[row] + " " + kCol[col];
}

std::string joinList(const std::vector<std::string>& parts) {
  std::string s;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) s += i + 1 == parts.size() ? " and " : ", ";
    s += parts[i];
  }
  return s;
}

std::vector<const SceneObject*> leftToRight(const std::vector<SceneObject>& objects) {
  std::vector<const SceneObject*> order;
  for (const auto& o : objects)
    order.push_back(&o);
  std::stable_sort(order.begin(), order.end(), [](const SceneObject* a, const SceneObject* b) {
    return a->centre.x != b->centre.x ? a->centre.x < b->centre.x : a->centre.y < b->centre.y;
  });
  return order;
}

}  // namespace

std::string describeScene(const Scene& scene, bool withPositions) {
  std::vector<std::string> parts;
  for (const SceneObject* o : leftToRight(scene.objects))
    parts.push_back(withPositions ? phrase(*o) + " " + where(*o, scene.width(), scene.height())
                                  : phrase(*o));
  return parts.empty() ? "nothing" : joinList(parts);
}

std::string describeClip(const Clip& clip) {
  if (clip.frames.empty()) return "nothing";
  const Scene& last = clip.frames.back();
  std::string subject;
  std::vector<std::string> others;
  for (const SceneObject* o : leftToRight(last.objects)) {
    if (o->id == clip.subjectId)
      subject = phrase(*o);
    else
      others.push_back(phrase(*o));
  }
  if (clip.event == ClipEvent::Motion) {
    const std::string s = subject + " moves " + name(clip.direction);
    return others.empty() ? s : s + " past " + joinList(others);
  }
  const std::string s = subject + " appears";
  return others.empty() ? s : s + " next to " + joinList(others);
}

}  // namespace vitcop::scenes

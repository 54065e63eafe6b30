#pragma once
// `vitcop figure --config FIG.json`: the JSON that describes a paper figure (docs/export.md).
// Loading checks everything before anything is drawn: unknown keys, wrong types, missing or
// malformed traces, stages a trace does not have; errors name the config file and the key.
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/trace/run_trace.h"
#include "widgets/figure_renderer.h"

namespace vitcop::exporting {

struct FigureConfigError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct LoadedFigure {
  std::vector<std::unique_ptr<vitcop::trace::RunTrace>> traces;  // rows point into these
  widgets::FigureSpec spec;
  double scale = 1.0;  // output size = natural size × scale
  int dpi = 96;
};

// `text` is the config's content, `path` its file (relative trace and image paths resolve
// against its directory).
LoadedFigure loadFigureConfig(const std::string& text, const std::string& path);

}  // namespace vitcop::exporting

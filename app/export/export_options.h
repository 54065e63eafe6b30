#pragma once
// Command-line options shared by `vitcop export` and `vitcop figure`: where to write (checked
// before any model work, so a typo in --out never costs a model run), which overlay, and the
// picture's size and density. Bad values raise UsageError naming the option.
#include <QString>
#include <set>
#include <string>

#include "app/cli/args.h"
#include "widgets/export_writer.h"
#include "widgets/overlay_options.h"

namespace vitcop::exporting {

struct Output {
  QString path;
  std::string format;  // lower case: "svg", "pdf", "png", "json", "csv"
};

// --<option> FILE with its format (--format, else the suffix), which must be in `allowed`.
// Throws when the file exists without --force or its directory is missing or read-only.
Output outputFrom(const cli::Args& args, const std::string& option,
                  const std::set<std::string>& allowed);

// "input", "vision" or "llm:N"; throws UsageError otherwise (whether the trace has it is
// checked once the trace is known).
void checkStageName(const std::string& stage);

// --overlay, --score, --opacity, --title, --font-size, --crop, --no-legend, --no-colour-bar.
widgets::OverlayOptions overlayOptionsFrom(const cli::Args& args);

// --width (1024), --height (= width), --dpi (96), --force.
widgets::ExportTarget exportTargetFrom(const cli::Args& args, const Output& out);

}  // namespace vitcop::exporting

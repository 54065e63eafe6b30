#pragma once
// `vitcop-inspector` options. Parsed with the CLI's Args (same `--name value` rules and error
// messages), and the model options are handed to the CLI's openModel unchanged.
#include <QString>
#include <QStringList>
#include <optional>
#include <string>
#include <vector>

#include "app/inspector/inference_worker.h"

namespace vitcop::inspector {

struct CommandLine {
  std::vector<std::string> modelArgv;  // --model/--random-init/--init-seed/--device/--dtype
  bool modelGiven = false;             // --model or --random-init on the command line
  int llmLayers = 0;                   // --llm-layers N: cut a --random-init preset
  QString image;
  QString video;
  int frames = 0;  // 0: the saved choice
  QString question;
  QString method;  // empty: the saved choice
  QString budget;
  QStringList params;
  QString positionIds;
  QString compareMethod;  // non-empty: ask in compare mode
  QString compareBudget;
  QString comparePositionIds;
  QString overlay;  // overlay mode key ("kept", "heatmap", ...)
  QString point;    // scrub to this point after the answer ("vision", "llm:1")
  int maxNewTokens = 0;
  QString screenshot;
  bool quitAfterAnswer = false;
  bool showGallery = false;  // --gallery: show the sample gallery even after first start

  // The model the options name, or nullopt: then the embedded model (or VITCOP_MODEL_DIR) if
  // it exists, else the "no model" state.
  std::optional<ModelSpec> modelSpec() const;
};

// Throws cli::UsageError naming the option.
CommandLine parseCommandLine(const QStringList& arguments);
QString commandLineUsage();

}  // namespace vitcop::inspector

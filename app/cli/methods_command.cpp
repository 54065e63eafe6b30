// `vitcop methods`: the pruning methods of this build with where they act, the signals they
// need and their parameters (type, range, default, help), straight from the registry.
#include <nlohmann/json.hpp>

#include <iostream>

#include "app/cli/args.h"
#include "app/cli/command_registry.h"
#include "core/pruning/method_registry.h"

namespace {

int runMethods(const std::vector<std::string>& argv) {
  const vitcop::cli::Args args(argv, {}, {"json"});
  if (!args.positional().empty())
    throw vitcop::cli::UsageError("unexpected argument '" + args.positional().front() + "'");
  const auto infos = vitcop::pruning::methodInfos();
  if (args.flag("json")) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& m : infos) {
      nlohmann::json params = nlohmann::json::array();
      for (const auto& p : m.params)
        params.push_back({{"name", p.name},
                          {"type", vitcop::pruning::paramKindName(p.kind)},
                          {"range", p.rangeText()},
                          {"default", p.defaultText},
                          {"help", p.help},
                          {"proposal", p.proposal}});
      out.push_back({{"name", m.name},
                     {"title", m.title},
                     {"summary", m.summary},
                     {"acts_at", m.actsAt},
                     {"signals", m.signals},
                     {"source", m.source},
                     {"needs_budget", m.needsBudget},
                     {"preset_budgets", m.presetBudgets},
                     {"params", params}});
    }
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  for (const auto& m : infos) {
    std::cout << m.name << "  (" << m.title << ")  " << m.summary << "\n"
              << "    acts:    " << m.actsAt << "\n"
              << "    signals: " << m.signals << "\n"
              << "    source:  " << m.source << "\n";
    if (!m.presetBudgets.empty()) {
      std::cout << "    authors' presets (LLaVA-1.5):";
      for (int b : m.presetBudgets)
        std::cout << " " << b;
      std::cout << "\n";
    }
    for (const auto& p : m.params)
      std::cout << "    --param " << p.name << "=<" << vitcop::pruning::paramKindName(p.kind) << " "
                << p.rangeText() << ">  default " << p.defaultText
                << (p.proposal ? "  [proposal]" : "") << "\n        " << p.help << "\n";
    std::cout << "\n";
  }
  return 0;
}

VITCOP_REGISTER_COMMAND("methods", "list the pruning methods and their parameters",
                        "vitcop methods [--json]\n"
                        "  Every method `vitcop ask --method NAME` accepts: where it acts, which\n"
                        "  signals it needs, and its parameters (type, range, default, help).",
                        runMethods);

}  // namespace

#include "app/cli/command_registry.h"

namespace vitcop::cli {

std::vector<Command>& commandRegistry() {
  static std::vector<Command> commands;  // function-local: safe from static-init order
  return commands;
}

const Command* findCommand(const std::string& name) {
  for (const auto& c : commandRegistry())
    if (c.name == name) return &c;
  return nullptr;
}

}  // namespace vitcop::cli

#pragma once
// Subcommands of `vitcop`. Each *_command.cpp defines one and registers it with
// VITCOP_REGISTER_COMMAND; main() dispatches by name and turns exceptions into one-line errors.
#include <functional>
#include <string>
#include <vector>

namespace vitcop::cli {

struct Command {
  std::string name;
  std::string summary;  // one line for `vitcop help`
  std::string usage;    // full option list for `vitcop help NAME`
  std::function<int(const std::vector<std::string>& args)> run;
};

std::vector<Command>& commandRegistry();
const Command* findCommand(const std::string& name);

struct CommandRegistrar {
  explicit CommandRegistrar(Command c) { commandRegistry().push_back(std::move(c)); }
};

}  // namespace vitcop::cli

#define VITCOP_CLI_CONCAT2(a, b) a##b
#define VITCOP_CLI_CONCAT(a, b) VITCOP_CLI_CONCAT2(a, b)
#define VITCOP_REGISTER_COMMAND(...) \
  static const ::vitcop::cli::CommandRegistrar VITCOP_CLI_CONCAT(vitcop_command_, __LINE__)(::vitcop::cli::Command{__VA_ARGS__})

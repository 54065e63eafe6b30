// vitcop: the command-line face of ViTCoP Inspector. Every failure ends as one line on stderr
// ("vitcop <command>: <what and which input>") and a non-zero exit code.
#include <algorithm>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "app/cli/args.h"
#include "app/cli/command_registry.h"
#include "gpu/runtime.h"

namespace {

void printHelp() {
  std::cout << "ViTCoP Inspector " << VITCOP_VERSION << "\n\nusage: vitcop <command> [options]\n\ncommands:\n";
  auto commands = vitcop::cli::commandRegistry();
  std::sort(commands.begin(), commands.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  for (const auto& c : commands) std::cout << "  " << c.name << std::string(c.name.size() < 12 ? 12 - c.name.size() : 1, ' ') << c.summary << "\n";
  std::cout << "\n`vitcop help <command>` shows a command's options.\n";
}

}  // namespace

int main(int argc, char** argv) {
  vitcop::gpu::initRuntime();
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "help" || args[0] == "--help" || args[0] == "-h") {
    if (args.size() >= 2) {
      if (const auto* c = vitcop::cli::findCommand(args[1])) {
        std::cout << c->usage << "\n";
        return 0;
      }
      std::cerr << "vitcop: unknown command '" << args[1] << "' (see `vitcop help`)\n";
      return 2;
    }
    printHelp();
    return args.empty() ? 2 : 0;
  }
  if (args[0] == "--version") {
    std::cout << "vitcop " << VITCOP_VERSION << "\n";
    return 0;
  }
  const auto* command = vitcop::cli::findCommand(args[0]);
  if (!command) {
    std::cerr << "vitcop: unknown command '" << args[0] << "' (see `vitcop help`)\n";
    return 2;
  }
  try {
    return command->run(std::vector<std::string>(args.begin() + 1, args.end()));
  } catch (const vitcop::cli::UsageError& e) {
    std::cerr << "vitcop " << command->name << ": " << e.what() << " (see `vitcop help " << command->name << "`)\n";
    return 2;
  } catch (const std::exception& e) {
    // One line: LibTorch messages can carry a C++ backtrace after the first line.
    std::string msg = e.what();
    msg = msg.substr(0, msg.find('\n'));
    std::cerr << "vitcop " << command->name << ": " << msg << "\n";
    return 1;
  }
}

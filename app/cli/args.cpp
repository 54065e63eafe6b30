#include "app/cli/args.h"

#include <cerrno>
#include <cstdlib>

namespace vitcop::cli {

Args::Args(const std::vector<std::string>& argv, const std::set<std::string>& valued,
           const std::set<std::string>& flags, const std::set<std::string>& repeatable) {
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (a.rfind("--", 0) != 0 || a == "--") {
      positional_.push_back(a);
      continue;
    }
    std::string name = a.substr(2);
    std::string value;
    bool inlineValue = false;
    if (const auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      inlineValue = true;
    }
    if (flags.count(name)) {
      if (inlineValue) throw UsageError("option --" + name + " takes no value");
      flags_.insert(name);
    } else if (repeatable.count(name)) {
      if (!inlineValue) {
        if (i + 1 >= argv.size()) throw UsageError("option --" + name + " needs a value");
        value = argv[++i];
      }
      repeated_[name].push_back(value);
    } else if (valued.count(name)) {
      if (!inlineValue) {
        if (i + 1 >= argv.size()) throw UsageError("option --" + name + " needs a value");
        value = argv[++i];
      }
      if (values_.count(name)) throw UsageError("option --" + name + " given twice");
      values_[name] = value;
    } else {
      throw UsageError("unknown option --" + name);
    }
  }
}

bool Args::has(const std::string& name) const {
  return values_.count(name) > 0 || repeated_.count(name) > 0;
}

std::vector<std::string> Args::all(const std::string& name) const {
  auto it = repeated_.find(name);
  return it == repeated_.end() ? std::vector<std::string>{} : it->second;
}

std::string Args::str(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end()) throw UsageError("missing required option --" + name);
  return it->second;
}

std::string Args::str(const std::string& name, const std::string& fallback) const {
  auto it = values_.find(name);
  return it == values_.end() ? fallback : it->second;
}

long long Args::integer(const std::string& name, long long fallback, long long lo,
                        long long hi) const {
  auto it = values_.find(name);
  if (it == values_.end()) return fallback;
  errno = 0;
  char* end = nullptr;
  const long long v = std::strtoll(it->second.c_str(), &end, 10);
  if (it->second.empty() || *end != '\0' || errno == ERANGE)
    throw UsageError("option --" + name + ": '" + it->second + "' is not an integer");
  if (v < lo || v > hi)
    throw UsageError("option --" + name + ": " + it->second + " is outside [" + std::to_string(lo) +
                     ", " + std::to_string(hi) + "]");
  return v;
}

double Args::number(const std::string& name, double fallback, double lo, double hi) const {
  auto it = values_.find(name);
  if (it == values_.end()) return fallback;
  errno = 0;
  char* end = nullptr;
  const double v = std::strtod(it->second.c_str(), &end);
  if (it->second.empty() || *end != '\0' || errno == ERANGE || v != v)
    throw UsageError("option --" + name + ": '" + it->second + "' is not a number");
  if (v < lo || v > hi)
    throw UsageError("option --" + name + ": " + it->second + " is outside [" + std::to_string(lo) +
                     ", " + std::to_string(hi) + "]");
  return v;
}

}  // namespace vitcop::cli

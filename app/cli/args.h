#pragma once
// Minimal `--name value` / `--flag` parser for subcommands. Unknown options, missing values and
// malformed numbers raise UsageError naming the option, so every command rejects bad input the
// same way before doing any work.
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace vitcop::cli {

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Args {
 public:
  // `valued` options take one value; `flags` take none; `repeatable` ones may come many times.
  // Anything else starting with "--" is an error.
  Args(const std::vector<std::string>& argv, const std::set<std::string>& valued,
       const std::set<std::string>& flags = {}, const std::set<std::string>& repeatable = {});

  bool has(const std::string& name) const;
  std::string str(const std::string& name) const;  // throws UsageError when absent
  std::string str(const std::string& name, const std::string& fallback) const;
  long long integer(const std::string& name, long long fallback, long long lo, long long hi) const;
  double number(const std::string& name, double fallback, double lo, double hi) const;
  bool flag(const std::string& name) const { return flags_.count(name) > 0; }
  const std::vector<std::string>& positional() const { return positional_; }
  // Every value of a repeatable option (e.g. --param A=1 --param B=2), in order.
  std::vector<std::string> all(const std::string& name) const;

 private:
  std::map<std::string, std::string> values_;
  std::set<std::string> flags_;
  std::map<std::string, std::vector<std::string>> repeated_;
  std::vector<std::string> positional_;
};

}  // namespace vitcop::cli

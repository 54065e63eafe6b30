#include "core/pruning/method_params.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <sstream>

#include "core/pruning/pruning_error.h"

namespace vitcop::pruning {
namespace {

std::optional<double> parseReal(const std::string& s) {
  if (s.empty()) return std::nullopt;
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(s.c_str(), &end);
  if (errno != 0 || end != s.c_str() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

std::optional<int64_t> parseInteger(const std::string& s) {
  if (s.empty()) return std::nullopt;
  char* end = nullptr;
  errno = 0;
  const long long v = std::strtoll(s.c_str(), &end, 10);
  if (errno != 0 || end != s.c_str() + s.size()) return std::nullopt;
  return static_cast<int64_t>(v);
}

std::optional<bool> parseBoolean(const std::string& s) {
  if (s == "true" || s == "1" || s == "yes" || s == "on") return true;
  if (s == "false" || s == "0" || s == "no" || s == "off") return false;
  return std::nullopt;
}

std::string formatBound(double v) {
  std::ostringstream out;
  out << v;
  return out.str();
}

}  // namespace

const char* paramKindName(ParamKind kind) {
  switch (kind) {
    case ParamKind::Integer:
      return "integer";
    case ParamKind::Real:
      return "real";
    case ParamKind::Boolean:
      return "boolean";
    case ParamKind::Choice:
      return "choice";
  }
  return "?";
}

std::string ParamSpec::rangeText() const {
  switch (kind) {
    case ParamKind::Boolean:
      return "true|false";
    case ParamKind::Choice: {
      std::string s;
      for (const auto& c : choices)
        s += (s.empty() ? "" : "|") + c;
      return s;
    }
    case ParamKind::Integer:
    case ParamKind::Real:
      return std::string(minOpen ? "(" : "[") + formatBound(min) + ", " + formatBound(max) +
             (maxOpen ? ")" : "]");
  }
  return "";
}

ParamValues ParamValues::parse(const std::vector<std::string>& items) {
  ParamValues out;
  for (const auto& item : items) {
    const auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == item.size())
      throw PruningError("--param " + item + ": expected NAME=VALUE");
    const std::string name = item.substr(0, eq);
    if (out.has(name)) throw PruningError("--param " + name + " is given twice");
    out.set(name, item.substr(eq + 1));
  }
  return out;
}

std::optional<double> ParamValues::real(const std::string& name) const {
  auto it = values_.find(name);
  return it == values_.end() ? std::nullopt : parseReal(it->second);
}

std::optional<int64_t> ParamValues::integer(const std::string& name) const {
  auto it = values_.find(name);
  return it == values_.end() ? std::nullopt : parseInteger(it->second);
}

std::optional<bool> ParamValues::boolean(const std::string& name) const {
  auto it = values_.find(name);
  return it == values_.end() ? std::nullopt : parseBoolean(it->second);
}

std::optional<std::string> ParamValues::text(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

void ParamValues::validate(const std::string& method, const std::vector<ParamSpec>& specs) const {
  for (const auto& [name, value] : values_) {
    const ParamSpec* spec = nullptr;
    for (const auto& s : specs)
      if (s.name == name) spec = &s;
    const std::string item = method + ": --param " + name + "=" + value;
    if (!spec) {
      std::string known;
      for (const auto& s : specs)
        known += (known.empty() ? "" : ", ") + s.name;
      throw PruningError(
          method + ": unknown --param " + name +
          (known.empty() ? " (this method has no parameters)" : " (known: " + known + ")"));
    }
    switch (spec->kind) {
      case ParamKind::Boolean:
        if (!parseBoolean(value)) throw PruningError(item + " is not true or false");
        break;
      case ParamKind::Choice: {
        bool ok = false;
        for (const auto& c : spec->choices)
          ok = ok || c == value;
        if (!ok) throw PruningError(item + " is not one of " + spec->rangeText());
        break;
      }
      case ParamKind::Integer:
      case ParamKind::Real: {
        std::optional<double> v;
        if (spec->kind == ParamKind::Integer) {
          if (auto i = parseInteger(value)) v = static_cast<double>(*i);
          if (!v) throw PruningError(item + " is not an integer");
        } else {
          v = parseReal(value);
          if (!v) throw PruningError(item + " is not a number");
        }
        const bool low = spec->minOpen ? *v <= spec->min : *v < spec->min;
        const bool high = spec->maxOpen ? *v >= spec->max : *v > spec->max;
        if (low || high) throw PruningError(item + " is outside " + spec->rangeText());
        break;
      }
    }
  }
}

}  // namespace vitcop::pruning

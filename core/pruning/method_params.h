#pragma once
// Parameters a pruning method declares (name, type, range, default, one-line help) so that the
// CLI and the GUI build their forms from the declaration, and the values a user gave for them
// (`--param NAME=VALUE`), validated against the declaration before any model compute.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace vitcop::pruning {

enum class ParamKind { Integer, Real, Boolean, Choice };
const char* paramKindName(ParamKind kind);

struct ParamSpec {
  std::string name;  // as typed after --param, e.g. "keep_ratio"
  ParamKind kind = ParamKind::Real;
  double min = 0.0, max = 0.0;  // Integer / Real bounds
  bool minOpen = false;         // true: the bound itself is excluded
  bool maxOpen = false;
  std::vector<std::string> choices;  // Choice only
  // Text shown as the default; "auto" means derived from the budget and the model geometry.
  std::string defaultText = "auto";
  std::string help;
  bool proposal = false;  // its derivation is our generalisation (method-spec 6), not upstream

  std::string rangeText() const;  // "(0, 1]", "[1, 64]", "official|original", "true|false"
};

// A method's values as given by the user: only what was set; the rest stays derived.
class ParamValues {
 public:
  ParamValues() = default;
  // Parses "NAME=VALUE" items; PruningError naming the item when malformed or repeated.
  static ParamValues parse(const std::vector<std::string>& items);
  void set(const std::string& name, const std::string& value) { values_[name] = value; }
  bool has(const std::string& name) const { return values_.count(name) != 0; }
  const std::map<std::string, std::string>& raw() const { return values_; }

  // Typed reads; nullopt when unset. The value must have passed validate().
  std::optional<double> real(const std::string& name) const;
  std::optional<int64_t> integer(const std::string& name) const;
  std::optional<bool> boolean(const std::string& name) const;
  std::optional<std::string> text(const std::string& name) const;

  // Every name must be declared and every value must have the declared type and lie in range:
  // else a one-line PruningError such as "vitcop: --param keep_ratio=1.5 is outside (0, 1]" or
  // "vitcop: unknown --param foo (known: keep_ratio, ...)".
  void validate(const std::string& method, const std::vector<ParamSpec>& specs) const;

 private:
  std::map<std::string, std::string> values_;
};

}  // namespace vitcop::pruning

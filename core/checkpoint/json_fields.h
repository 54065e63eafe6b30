#pragma once
// Typed, defaulted reads of JSON config keys. Every failure is a CheckpointError naming the
// source file and the dotted key path ("config.json: text_config.hidden_size: ...").
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/checkpoint/checkpoint_error.h"

namespace vitcop::checkpoint {

class JsonFields {
 public:
  // `prefix` is the dotted path of `object` inside the file ("" at top level).
  JsonFields(const nlohmann::json& object, std::string source, std::string prefix = "")
      : obj_(object), source_(std::move(source)), prefix_(std::move(prefix)) {}

  // Present and not null.
  bool has(const std::string& key) const;
  // Present, possibly null.
  bool present(const std::string& key) const { return obj_.contains(key); }
  const nlohmann::json& raw(const std::string& key) const { return obj_.at(key); }
  std::string path(const std::string& key) const { return prefix_ + key; }
  const std::string& source() const { return source_; }

  // Absent or null keys give the default; a value of the wrong type throws.
  int64_t integer(const std::string& key, int64_t fallback) const;
  double number(const std::string& key, double fallback) const;
  bool boolean(const std::string& key, bool fallback) const;
  std::string string(const std::string& key, const std::string& fallback) const;
  // An integer > 0 (sizes, counts).
  int64_t positive(const std::string& key, int64_t fallback) const;

  [[noreturn]] void fail(const std::string& key, const std::string& what) const;

 private:
  const nlohmann::json& obj_;
  std::string source_;
  std::string prefix_;
};

// Parses `text` as a JSON object; throws naming `source` when it is not valid JSON or not an
// object.
nlohmann::json parseJsonObject(const std::string& text, const std::string& source);

// Reads a whole file; throws naming it when it cannot be read.
std::string readTextFile(const std::string& path);

}  // namespace vitcop::checkpoint

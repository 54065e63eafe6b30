#include "core/checkpoint/json_fields.h"

#include <cmath>
#include <fstream>
#include <sstream>

namespace vitcop::checkpoint {

bool JsonFields::has(const std::string& key) const {
  auto it = obj_.find(key);
  return it != obj_.end() && !it->is_null();
}

void JsonFields::fail(const std::string& key, const std::string& what) const {
  throw CheckpointError(source_ + ": " + path(key) + ": " + what);
}

int64_t JsonFields::integer(const std::string& key, int64_t fallback) const {
  if (!has(key)) return fallback;
  const auto& v = obj_.at(key);
  if (v.is_number_integer()) {
    if (v.is_number_unsigned() && v.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX))
      fail(key, "value " + v.dump() + " is out of range");
    return v.get<int64_t>();
  }
  // Python writers occasionally emit 4096.0 for an int; accept integral floats only.
  if (v.is_number_float() && std::floor(v.get<double>()) == v.get<double>() &&
      std::abs(v.get<double>()) < 9.0e15)
    return static_cast<int64_t>(v.get<double>());
  fail(key, "expected an integer, got " + v.dump());
}

int64_t JsonFields::positive(const std::string& key, int64_t fallback) const {
  const int64_t v = integer(key, fallback);
  if (v <= 0) fail(key, "must be a positive integer, got " + std::to_string(v));
  return v;
}

double JsonFields::number(const std::string& key, double fallback) const {
  if (!has(key)) return fallback;
  const auto& v = obj_.at(key);
  if (!v.is_number()) fail(key, "expected a number, got " + v.dump());
  return v.get<double>();
}

bool JsonFields::boolean(const std::string& key, bool fallback) const {
  if (!has(key)) return fallback;
  const auto& v = obj_.at(key);
  if (!v.is_boolean()) fail(key, "expected true or false, got " + v.dump());
  return v.get<bool>();
}

std::string JsonFields::string(const std::string& key, const std::string& fallback) const {
  if (!has(key)) return fallback;
  const auto& v = obj_.at(key);
  if (!v.is_string()) fail(key, "expected a string, got " + v.dump());
  return v.get<std::string>();
}

nlohmann::json parseJsonObject(const std::string& text, const std::string& source) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    std::string what = e.what();
    for (char& c : what) {
      if (c == '\n') c = ' ';
    }
    throw CheckpointError(source + ": not valid JSON: " + what);
  }
  if (!j.is_object()) throw CheckpointError(source + ": top level is not a JSON object");
  return j;
}

std::string readTextFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw CheckpointError(path + ": cannot be opened");
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw CheckpointError(path + ": read failed");
  return ss.str();
}

}  // namespace vitcop::checkpoint

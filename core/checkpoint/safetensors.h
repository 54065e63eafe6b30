#pragma once
// safetensors files, memory-mapped. Format: 8-byte little-endian header length N, N bytes of
// JSON {name: {dtype, shape, data_offsets: [begin, end)}, "__metadata__": {...}}, then the data
// section. open() validates the whole header (length bound, JSON, dtypes, shape x dtype size ==
// byte span, spans inside the file, no overlaps) and throws CheckpointError naming file and tensor.
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/checkpoint/checkpoint_error.h"

namespace vitcop::checkpoint {

struct TensorEntry {
  std::string name;
  std::string dtype;  // as in the file: "F32", "F16", "BF16", ...
  std::vector<int64_t> shape;
  uint64_t begin = 0;  // byte offsets into the data section
  uint64_t end = 0;
};

class SafetensorsFile : public std::enable_shared_from_this<SafetensorsFile> {
 public:
  static std::shared_ptr<SafetensorsFile> open(const std::filesystem::path& path);
  ~SafetensorsFile();
  SafetensorsFile(const SafetensorsFile&) = delete;
  SafetensorsFile& operator=(const SafetensorsFile&) = delete;

  const std::filesystem::path& path() const { return path_; }
  const std::map<std::string, TensorEntry>& entries() const { return entries_; }
  const TensorEntry* find(const std::string& name) const;
  const std::map<std::string, std::string>& metadata() const { return metadata_; }

  // CPU tensor of `name` in `dtype` (F32/F16/BF16 convertible to any float type). Zero-copy
  // (a view of the mapping that keeps this file mapped) when the stored dtype already matches
  // and the data is suitably aligned; otherwise a converted copy.
  at::Tensor load(const std::string& name, c10::ScalarType dtype) const;
  at::Tensor load(const std::string& name) const;  // in its stored dtype

  // True when `p` points into this file's mapping (lets tests and callers verify zero-copy).
  bool isMapped(const void* p) const;

 private:
  SafetensorsFile() = default;
  std::filesystem::path path_;
  int fd_ = -1;
  void* map_ = nullptr;
  uint64_t size_ = 0;
  uint64_t dataStart_ = 0;
  std::map<std::string, TensorEntry> entries_;
  std::map<std::string, std::string> metadata_;
};

}  // namespace vitcop::checkpoint

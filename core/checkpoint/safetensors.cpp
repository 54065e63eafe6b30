#include "core/checkpoint/safetensors.h"

#include <ATen/ops/empty.h>
#include <ATen/ops/from_blob.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

#include "core/checkpoint/safetensors_dtype.h"

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error \
    "safetensors data is little-endian; this reader maps it directly and needs a little-endian host"
#endif

namespace vitcop::checkpoint {
namespace {

// Headers of real checkpoints are a few hundred KB; anything near this bound is corruption.
constexpr uint64_t kMaxHeaderBytes = 100ull * 1024 * 1024;

[[noreturn]] void fail(const std::filesystem::path& path, const std::string& what) {
  throw CheckpointError(path.string() + ": " + what);
}

[[noreturn]] void failTensor(const std::filesystem::path& path, const std::string& name,
                             const std::string& what) {
  fail(path, "tensor '" + name + "': " + what);
}

std::string shapeText(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? "," : "") + std::to_string(shape[i]);
  return s + "]";
}

TensorEntry parseEntry(const std::filesystem::path& path, const std::string& name,
                       const nlohmann::json& info, uint64_t dataSize) {
  if (!info.is_object()) failTensor(path, name, "header entry is not a JSON object");
  TensorEntry e;
  e.name = name;

  auto dtypeIt = info.find("dtype");
  if (dtypeIt == info.end() || !dtypeIt->is_string())
    failTensor(path, name, "missing or non-string 'dtype'");
  e.dtype = dtypeIt->get<std::string>();
  const size_t elemSize = safetensorsDtypeSize(e.dtype);
  if (elemSize == 0) failTensor(path, name, "unknown dtype '" + e.dtype + "'");

  auto shapeIt = info.find("shape");
  if (shapeIt == info.end() || !shapeIt->is_array())
    failTensor(path, name, "missing 'shape' or it is not a list");
  uint64_t bytes = elemSize;
  for (const auto& d : *shapeIt) {
    if (!d.is_number_integer() ||
        (d.is_number_integer() && !d.is_number_unsigned() && d.get<int64_t>() < 0))
      failTensor(path, name,
                 "shape " + shapeIt->dump() + " is not a list of non-negative integers");
    const uint64_t dim = d.get<uint64_t>();
    if (dim > static_cast<uint64_t>(INT64_MAX) || __builtin_mul_overflow(bytes, dim, &bytes))
      failTensor(path, name, "shape " + shapeIt->dump() + " overflows");
    e.shape.push_back(static_cast<int64_t>(dim));
  }

  auto offIt = info.find("data_offsets");
  if (offIt == info.end() || !offIt->is_array() || offIt->size() != 2 ||
      !(*offIt)[0].is_number_unsigned() || !(*offIt)[1].is_number_unsigned())
    failTensor(path, name, "'data_offsets' is not a list of two non-negative integers");
  e.begin = (*offIt)[0].get<uint64_t>();
  e.end = (*offIt)[1].get<uint64_t>();
  if (e.begin > e.end || e.end > dataSize)
    failTensor(path, name,
               "data_offsets [" + std::to_string(e.begin) + ", " + std::to_string(e.end) +
                   ") lie outside the data section of " + std::to_string(dataSize) + " bytes");
  if (e.end - e.begin != bytes)
    failTensor(path, name,
               "shape " + shapeText(e.shape) + " x " + e.dtype + " needs " + std::to_string(bytes) +
                   " bytes but data_offsets span " + std::to_string(e.end - e.begin));
  return e;
}

// Spans may leave gaps (we do not require the format's "no holes" rule) but must not share bytes.
void checkNoOverlap(const std::filesystem::path& path,
                    const std::map<std::string, TensorEntry>& entries) {
  std::vector<const TensorEntry*> order;
  for (const auto& kv : entries) {
    if (kv.second.end > kv.second.begin) order.push_back(&kv.second);
  }
  std::sort(order.begin(), order.end(),
            [](const TensorEntry* a, const TensorEntry* b) { return a->begin < b->begin; });
  for (size_t i = 1; i < order.size(); ++i) {
    if (order[i]->begin < order[i - 1]->end)
      failTensor(path, order[i]->name,
                 "data_offsets overlap those of tensor '" + order[i - 1]->name + "'");
  }
}

bool isFloating(c10::ScalarType t) {
  return t == c10::ScalarType::Float || t == c10::ScalarType::Half ||
         t == c10::ScalarType::BFloat16 || t == c10::ScalarType::Double;
}

}  // namespace

std::shared_ptr<SafetensorsFile> SafetensorsFile::open(const std::filesystem::path& path) {
  // The constructor is private, so make_shared cannot be used.
  std::shared_ptr<SafetensorsFile> f(new SafetensorsFile());
  f->path_ = path;

  f->fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (f->fd_ < 0) fail(path, std::string("cannot open: ") + std::strerror(errno));
  struct stat st {};
  if (::fstat(f->fd_, &st) != 0) fail(path, std::string("cannot stat: ") + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) fail(path, "not a regular file");
  f->size_ = static_cast<uint64_t>(st.st_size);
  if (f->size_ < 8)
    fail(path, "file is " + std::to_string(f->size_) +
                   " bytes, shorter than the 8-byte header length (truncated?)");

  // MAP_PRIVATE + PROT_WRITE: an accidental in-place write to a zero-copy tensor copies the page
  // instead of faulting; the file itself is never modified.
  f->map_ = ::mmap(nullptr, f->size_, PROT_READ | PROT_WRITE, MAP_PRIVATE, f->fd_, 0);
  if (f->map_ == MAP_FAILED) {
    f->map_ = nullptr;
    fail(path, std::string("cannot mmap: ") + std::strerror(errno));
  }
  const auto* bytes = static_cast<const unsigned char*>(f->map_);

  uint64_t headerLen = 0;
  std::memcpy(&headerLen, bytes, 8);  // little-endian host (checked at compile time)
  if (headerLen > kMaxHeaderBytes)
    fail(path, "header length " + std::to_string(headerLen) + " exceeds the 100 MB limit");
  if (headerLen > f->size_ - 8)
    fail(path, "header length " + std::to_string(headerLen) + " exceeds the " +
                   std::to_string(f->size_ - 8) + " bytes after the length field (truncated?)");
  f->dataStart_ = 8 + headerLen;
  const uint64_t dataSize = f->size_ - f->dataStart_;

  nlohmann::json header;
  try {
    header = nlohmann::json::parse(reinterpret_cast<const char*>(bytes + 8),
                                   reinterpret_cast<const char*>(bytes + 8 + headerLen));
  } catch (const nlohmann::json::exception& e) {
    std::string what = e.what();
    std::replace(what.begin(), what.end(), '\n', ' ');  // keep the message on one line
    fail(path, "header is not valid JSON: " + what);
  }
  if (!header.is_object()) fail(path, "header is not a JSON object");

  for (auto it = header.begin(); it != header.end(); ++it) {
    if (it.key() == "__metadata__") {
      if (!it->is_object()) fail(path, "'__metadata__' is not a JSON object");
      for (auto m = it->begin(); m != it->end(); ++m) {
        // The format says string -> string; tolerate other values by keeping their JSON text.
        f->metadata_[m.key()] = m->is_string() ? m->get<std::string>() : m->dump();
      }
      continue;
    }
    f->entries_.emplace(it.key(), parseEntry(path, it.key(), *it, dataSize));
  }
  checkNoOverlap(path, f->entries_);
  return f;
}

SafetensorsFile::~SafetensorsFile() {
  if (map_) ::munmap(map_, size_);
  if (fd_ >= 0) ::close(fd_);
}

const TensorEntry* SafetensorsFile::find(const std::string& name) const {
  auto it = entries_.find(name);
  return it == entries_.end() ? nullptr : &it->second;
}

bool SafetensorsFile::isMapped(const void* p) const {
  const auto* base = static_cast<const char*>(map_);
  const auto* q = static_cast<const char*>(p);
  return map_ && q >= base && q < base + size_;
}

at::Tensor SafetensorsFile::load(const std::string& name) const {
  const TensorEntry* e = find(name);
  if (!e) failTensor(path_, name, "no such tensor in the file");
  auto stored = safetensorsDtypeToScalar(e->dtype);
  if (!stored) failTensor(path_, name, "dtype " + e->dtype + " has no LibTorch equivalent");
  return load(name, *stored);
}

at::Tensor SafetensorsFile::load(const std::string& name, c10::ScalarType dtype) const {
  const TensorEntry* e = find(name);
  if (!e) failTensor(path_, name, "no such tensor in the file");
  auto stored = safetensorsDtypeToScalar(e->dtype);
  if (!stored) failTensor(path_, name, "dtype " + e->dtype + " has no LibTorch equivalent");
  if (*stored != dtype && !(isFloating(*stored) && isFloating(dtype)))
    failTensor(path_, name,
               "stored as " + e->dtype + ", cannot be converted to " + c10::toString(dtype));

  char* data = static_cast<char*>(map_) + dataStart_ + e->begin;
  const size_t elemSize = c10::elementSize(*stored);
  const auto cpu = at::TensorOptions().dtype(*stored).device(c10::kCPU);
  const bool aligned = reinterpret_cast<uintptr_t>(data) % elemSize == 0;

  at::Tensor raw;
  if (aligned) {
    // A view of the mapping whose deleter owns a reference to this file, so the mapping
    // outlives every tensor that points into it.
    auto self = shared_from_this();
    raw = at::from_blob(
        data, e->shape, [self](void*) {}, cpu);
  } else {
    // Kernels may assume element alignment: copy into a fresh tensor first.
    raw = at::empty(e->shape, cpu);
    if (e->end > e->begin) std::memcpy(raw.data_ptr(), data, e->end - e->begin);
  }
  // Same dtype: the view itself (zero-copy) or the aligned copy; else to() makes a converted copy.
  return *stored == dtype ? raw : raw.to(dtype);
}

}  // namespace vitcop::checkpoint

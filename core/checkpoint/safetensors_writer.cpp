#include "core/checkpoint/safetensors_writer.h"

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <system_error>

#include "core/checkpoint/checkpoint_error.h"
#include "core/checkpoint/safetensors_dtype.h"

namespace vitcop::checkpoint {
namespace {

[[noreturn]] void fail(const std::filesystem::path& path, const std::string& what) {
  throw CheckpointError(path.string() + ": " + what);
}

}  // namespace

void writeSafetensors(const std::filesystem::path& path,
                      const std::vector<std::pair<std::string, at::Tensor>>& tensors,
                      const std::map<std::string, std::string>& metadata) {
  // nlohmann's default object sorts keys; ordered_json keeps the caller's order in the header.
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata.empty()) {
    nlohmann::ordered_json meta = nlohmann::ordered_json::object();
    for (const auto& kv : metadata)
      meta[kv.first] = kv.second;
    header["__metadata__"] = meta;
  }

  std::vector<at::Tensor> contiguous;
  std::set<std::string> seen;
  uint64_t offset = 0;
  for (const auto& [name, tensor] : tensors) {
    if (name.empty() || name == "__metadata__") fail(path, "invalid tensor name '" + name + "'");
    if (!seen.insert(name).second) fail(path, "tensor '" + name + "' given twice");
    if (!tensor.defined()) fail(path, "tensor '" + name + "' is undefined");
    auto dtype = scalarToSafetensorsDtype(tensor.scalar_type());
    if (!dtype)
      fail(path, "tensor '" + name + "': dtype " + c10::toString(tensor.scalar_type()) +
                     " has no safetensors equivalent");
    at::Tensor t = tensor.device().is_cpu() ? tensor.contiguous() : tensor.cpu().contiguous();
    const uint64_t bytes = static_cast<uint64_t>(t.numel()) * t.element_size();
    header[name] = {
        {"dtype", *dtype}, {"shape", t.sizes().vec()}, {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
    contiguous.push_back(std::move(t));
  }

  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');
  const uint64_t headerLen = text.size();

  const std::filesystem::path tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) fail(path, "cannot create " + tmp.string());
    out.write(reinterpret_cast<const char*>(&headerLen), 8);  // little-endian host
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    for (const auto& t : contiguous) {
      out.write(static_cast<const char*>(t.data_ptr()),
                static_cast<std::streamsize>(t.numel() * t.element_size()));
    }
    out.flush();
    if (!out) {
      std::error_code ec;
      std::filesystem::remove(tmp, ec);
      fail(path, "write failed");
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    fail(path, "cannot rename the temporary file into place");
  }
}

}  // namespace vitcop::checkpoint

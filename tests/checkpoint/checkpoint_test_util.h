#pragma once
// Helpers for checkpoint tests: a fresh temp directory per test, raw byte files for malformed
// safetensors, and an assertion that a call throws CheckpointError naming given culprits.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <initializer_list>
#include <string>

#include "core/checkpoint/checkpoint_error.h"

namespace vitcop::checkpoint::testutil {

// A fresh empty directory under the system temp dir, removed when the test ends.
class TempDir {
 public:
  TempDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    // The pid keeps concurrent runs (several build dirs, ctest -j) apart.
    std::string name = std::string("vitcop-ckpt-") + info->test_suite_name() + "-" + info->name() +
                       "-" + std::to_string(::getpid());
    path_ = std::filesystem::temp_directory_path() / name;
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

inline void writeBytes(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

inline std::string readBytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// A safetensors file with a hand-written header: 8-byte length (headerLen, or the true length
// when headerLen is UINT64_MAX), the header text, then `data`.
inline void writeRawSafetensors(const std::filesystem::path& path, const std::string& header,
                                const std::string& data, uint64_t headerLen = UINT64_MAX) {
  uint64_t n = headerLen == UINT64_MAX ? header.size() : headerLen;
  std::string bytes(reinterpret_cast<const char*>(&n), 8);
  writeBytes(path, bytes + header + data);
}

// Runs `fn`, expects a CheckpointError whose one-line message contains every `needle`.
inline void expectErrorNaming(const std::function<void()>& fn,
                              std::initializer_list<std::string> needles) {
  try {
    fn();
  } catch (const CheckpointError& e) {
    const std::string msg = e.what();
    EXPECT_EQ(msg.find('\n'), std::string::npos) << "message spans lines: " << msg;
    for (const auto& n : needles) {
      EXPECT_NE(msg.find(n), std::string::npos) << "message lacks '" << n << "': " << msg;
    }
    return;
  } catch (const std::exception& e) {
    ADD_FAILURE() << "threw a non-CheckpointError: " << e.what();
    return;
  }
  ADD_FAILURE() << "no exception thrown";
}

}  // namespace vitcop::checkpoint::testutil

#pragma once
// Where tests find their data (tests/data in the source tree) and write artefacts
// (screenshots, diffs) that a failing run leaves behind for inspection.
#include <cstdlib>
#include <filesystem>
#include <string>

namespace vitcop::test {

inline std::filesystem::path dataDir() { return VITCOP_TEST_DATA_DIR; }

inline std::filesystem::path outputDir() {
  const char* env = std::getenv("VITCOP_TEST_OUTPUT_DIR");
  std::filesystem::path dir = env && *env ? env : std::filesystem::temp_directory_path() / "vitcop-tests";
  std::filesystem::create_directories(dir);
  return dir;
}

}  // namespace vitcop::test

// `vitcop logits` as a user runs it: the written logits, projector output and greedy ids match
// transformers' reference for the tiny fixture (from --pixel-values and from --image), and bad
// input ends with one line naming the culprit and a non-zero exit code.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "core/checkpoint/safetensors.h"
#include "tests/model/oracle_support.h"

namespace vitcop {
namespace {

struct CliRun {
  int exitCode = 0;
  std::string stderrText;
};

CliRun runVitcop(const std::string& arguments) {
  // One file per test: ctest runs these tests as parallel processes, and a shared file let one
  // test read another's (empty, just truncated) stderr.
  const auto err =
      test::outputDir() /
      ("logits_command_" +
       std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) + ".stderr");
  const std::string cmd = std::string(VITCOP_BIN) + " logits " + arguments + " 2> " + err.string();
  const int status = std::system(cmd.c_str());
  std::ifstream in(err);
  std::stringstream ss;
  ss << in.rdbuf();
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, ss.str()};
}

std::string idsArg(const at::Tensor& ids) {
  std::string out;
  for (int64_t id : test::toIds(ids))
    out += (out.empty() ? "" : ",") + std::to_string(id);
  return out;
}

const std::filesystem::path kFixture = test::dataDir() / "llava-tiny-a";

TEST(LogitsCommand, PixelValuesRunMatchesTheReference) {
  const test::Reference ref(kFixture);
  const auto out = test::outputDir() / "logits_pixel_values.safetensors";
  const CliRun r =
      runVitcop("--model " + kFixture.string() + " --pixel-values " +
                (kFixture / "reference.safetensors").string() + " --input-ids " +
                idsArg(ref.get("input_ids_legacy")) + " --out " + out.string() + " --generate 8");
  ASSERT_EQ(r.exitCode, 0) << r.stderrText;
  const auto file = checkpoint::SafetensorsFile::open(out);
  EXPECT_LE(test::maxAbsDiff(file->load("logits"), ref.get("logits")), 1e-4);
  EXPECT_LE(test::maxAbsDiff(file->load("projector_output"), ref.get("projector_output")), 1e-4);
  EXPECT_EQ(test::maxAbsDiff(file->load("pixel_values"), ref.get("pixel_values")), 0.0);
  EXPECT_EQ(file->load("generated_ids").scalar_type(), at::kLong);
  EXPECT_EQ(test::toIds(file->load("generated_ids")), test::toIds(ref.get("generated_ids")));
}

TEST(LogitsCommand, ImageRunMatchesTheReference) {
  const test::Reference ref(kFixture);
  const auto out = test::outputDir() / "logits_image.safetensors";
  const CliRun r =
      runVitcop("--model " + kFixture.string() + " --image " + (kFixture / "image.png").string() +
                " --input-ids " + idsArg(ref.get("input_ids")) + " --out " + out.string());
  ASSERT_EQ(r.exitCode, 0) << r.stderrText;
  const auto file = checkpoint::SafetensorsFile::open(out);
  EXPECT_LE(test::maxAbsDiff(file->load("pixel_values"), ref.get("pixel_values")), 1e-6);
  EXPECT_LE(test::maxAbsDiff(file->load("logits"), ref.get("logits")), 1e-4);
  EXPECT_EQ(file->find("generated_ids"), nullptr);
}

TEST(LogitsCommand, BadInputIsNamedOnOneLine) {
  const std::string model = "--model " + kFixture.string();
  const std::string pv = " --pixel-values " + (kFixture / "reference.safetensors").string();
  const std::string out = " --out " + (test::outputDir() / "never.safetensors").string();
  const std::pair<std::string, std::string> cases[] = {
      {model + pv + " --input-ids 1,x,300" + out, "--input-ids: 'x' is not an integer"},
      {model + pv + " --input-ids 1,5" + out, "0 image tokens (id 300) for 1 image(s)"},
      {model + pv + " --input-ids 1,999,300" + out, "token id 999 at index 1"},
      {model + " --input-ids 1,300" + out, "give exactly one of --image"},
      {"--model /nonexistent/model" + pv + " --input-ids 1,300" + out, "/nonexistent/model"},
      {model + " --pixel-values " + (kFixture / "model.safetensors").string() +
           " --input-ids 1,300" + out,
       "has no tensor named pixel_values"},
      {model + " --image /nonexistent.png --input-ids 1,300" + out, "/nonexistent.png"},
  };
  for (const auto& [args, expected] : cases) {
    const CliRun r = runVitcop(args);
    EXPECT_NE(r.exitCode, 0) << args;
    EXPECT_NE(r.stderrText.find(expected), std::string::npos) << r.stderrText;
    EXPECT_EQ(std::count(r.stderrText.begin(), r.stderrText.end(), '\n'), 1) << r.stderrText;
  }
}

}  // namespace
}  // namespace vitcop

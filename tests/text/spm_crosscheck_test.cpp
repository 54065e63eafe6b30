// Cross-check against the real SentencePiece (Debian's spm_encode / spm_decode / spm_train, run as
// separate processes: libsentencepiece must never be loaded next to LibTorch). Hundreds of
// generated strings (ASCII, digits, whitespace runs, CJK, emoji with ZWJ, invalid UTF-8, NUL, ...)
// must encode to the same ids. Skipped when the tools are not installed.
#include <gtest/gtest.h>

#include <cstdlib>
#include <random>
#include <sstream>

#include "core/text/sentencepiece_processor.h"
#include "tests/text/text_test_support.h"

namespace {

using vitcop::text::SentencePieceProcessor;
namespace support = vitcop::test::text;

bool haveTool(const std::string& name) {
  return std::system(("command -v " + name + " >/dev/null 2>&1").c_str()) == 0;
}

std::string quoted(const std::filesystem::path& p) {
  return "'" + p.string() + "'";
}

// spm_encode's ids for each line of `inputs` (which must not contain '\n').
std::vector<std::vector<int>> spmEncode(const std::filesystem::path& model,
                                        const std::vector<std::string>& inputs,
                                        const support::ScratchDir& dir) {
  std::string text;
  for (const auto& s : inputs)
    text += s + "\n";
  support::writeFile(dir / "input.txt", text);
  const std::string cmd = "spm_encode --model=" + quoted(model) +
                          " --output_format=id --input=" + quoted(dir / "input.txt") +
                          " --output=" + quoted(dir / "output.txt") + " 2>" +
                          quoted(dir / "spm_encode.log");
  if (std::system(cmd.c_str()) != 0) {
    ADD_FAILURE() << "spm_encode failed: " << support::readFile(dir / "spm_encode.log");
    return {};
  }
  std::vector<std::vector<int>> out;
  std::istringstream lines(support::readFile(dir / "output.txt"));
  for (std::string line; std::getline(lines, line);) {
    std::istringstream ids(line);
    std::vector<int> row;
    for (int id = 0; ids >> id;)
      row.push_back(id);
    out.push_back(row);
  }
  return out;
}

// Random strings built from fragments that stress different code paths.
std::vector<std::string> generatedStrings(size_t count, unsigned seed, bool nfkcFragments) {
  const std::vector<std::string> fragments = {
      "Hello",
      "world",
      "the",
      "image",
      "USER:",
      "ASSISTANT:",
      "What",
      "is",
      "shown",
      "in",
      "this",
      "?",
      ".",
      ",",
      "!",
      "'s",
      "(",
      ")",
      "-",
      "_",
      "/",
      "\"",
      "cpp",
      "llama",
      "ing",
      "tion",
      "Un",
      "x",
      "q",
      "Z",
      "<sep>",
      "ab",
      "0",
      "1",
      "2",
      "3",
      "42",
      "333",
      "2024",
      "3.14",
      "1,000",  // user symbols, digits
      " ",
      " ",
      " ",
      "  ",
      "   ",
      "    ",
      "\t",
      " \t ",
      "\r",  // whitespace runs
      "нещо",
      "Български",
      "Äpfel",
      "½",
      "é",
      "ß",
      "Ωμέγα",  // Cyrillic, Latin-1, Greek
      "日本語",
      "中文",
      "一二三",
      "漢字",
      "한국어",
      "ខ្មែរ",
      "العربية",
      "हिन्दी",  // CJK, Hangul, Khmer, RTL
      "🦙",
      "👍🏽",
      "👨‍👩‍👧",
      "❤️",
      "🚀",
      "🙂",  // emoji, ZWJ, VS16
      "\xE2\x96\x81",
      "\xE2\x96\x81\xE2\x96\x81",
      "\xEF\xBF\xBD",  // U+2581 and U+FFFD in the input
      std::string("\x00", 1),
      "\x7F",
      "\x01",  // control bytes
      "\xFF",
      "\xC3",
      "\xE2\x96",
      "\xED\xA0\x80",
      "\xF4\x90\x80\x80",
      "\xC0\xAF",
      "\x80\x80",
      "\xF0\x9F\xA6",  // bad UTF-8
  };
  const std::vector<std::string> nfkc = {"\xEF\xBC\xA1", "\xEF\xAC\x81", "\xE2\x91\xA0",
                                         "e\xCC\x81",    "\xE3\x8C\x80", "\xC2\xA0",
                                         "\xE3\x80\x80", "\xEF\xBD\xB1", "\xE2\x84\xAB"};
  std::mt19937 rng(seed);
  std::vector<std::string> out = {"", " ", "a", "  leading", "trailing  ", "a  b   c"};
  while (out.size() < count) {
    const size_t parts = rng() % 24;
    std::string s;
    for (size_t k = 0; k < parts; ++k) {
      if (nfkcFragments && rng() % 4 == 0) {
        s += nfkc[rng() % nfkc.size()];
      } else {
        s += fragments[rng() % fragments.size()];
      }
    }
    out.push_back(s);
  }
  return out;
}

void expectSameIds(const SentencePieceProcessor& ours, const std::filesystem::path& model,
                   const std::vector<std::string>& inputs, const support::ScratchDir& dir) {
  const auto reference = spmEncode(model, inputs, dir);
  ASSERT_EQ(reference.size(), inputs.size());
  size_t mismatches = 0;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const auto mine = ours.encode(inputs[i]);
    if (mine != reference[i]) {
      ++mismatches;
      std::ostringstream a, b;
      for (int id : mine)
        a << id << ' ';
      for (int id : reference[i])
        b << id << ' ';
      ADD_FAILURE() << "input " << i << " \"" << support::escaped(inputs[i])
                    << "\"\n  ours: " << a.str() << "\n  spm:  " << b.str();
    }
  }
  EXPECT_EQ(mismatches, 0u) << "of " << inputs.size();
}

TEST(SpmCrosscheck, LlamaModelOnGeneratedStrings) {
  if (!haveTool("spm_encode"))
    GTEST_SKIP() << "spm_encode not installed (Debian package sentencepiece)";
  support::ScratchDir dir("spm-llama");
  const auto ours = SentencePieceProcessor::load(support::llamaModel());
  auto inputs = generatedStrings(500, 20240601, false);
  // A few long ones: 2,000+ characters of mixed text.
  const auto pieces = generatedStrings(400, 7, false);
  for (int k = 0; k < 5; ++k) {
    std::string s;
    for (size_t i = 0; s.size() < 2000; ++i)
      s += pieces[(i * 7 + k) % pieces.size()] + " ";
    inputs.push_back(s);
  }
  expectSameIds(ours, support::llamaModel(), inputs, dir);
}

TEST(SpmCrosscheck, LlamaModelOnFixtureTexts) {
  if (!haveTool("spm_encode"))
    GTEST_SKIP() << "spm_encode not installed (Debian package sentencepiece)";
  support::ScratchDir dir("spm-fixture");
  const auto ours = SentencePieceProcessor::load(support::llamaModel());
  std::vector<std::string> inputs;
  const auto cases = support::llamaCases();
  for (const auto& c : cases.at("cases")) {
    const auto text = c.at("text").get<std::string>();
    if (text.find('\n') == std::string::npos) inputs.push_back(text);  // spm_encode reads lines
  }
  ASSERT_GT(inputs.size(), 30u);
  expectSameIds(ours, support::llamaModel(), inputs, dir);
}

TEST(SpmCrosscheck, LlamaDecodeOfRandomIds) {
  if (!haveTool("spm_decode"))
    GTEST_SKIP() << "spm_decode not installed (Debian package sentencepiece)";
  support::ScratchDir dir("spm-decode");
  const auto ours = SentencePieceProcessor::load(support::llamaModel());
  // Random ids, biased towards byte pieces (3..258) and the pieces around U+2581, so partial
  // UTF-8 runs, control and unknown pieces and dummy-prefix stripping all occur. <0x0A> (id 13)
  // is left out: spm_decode prints one line per sequence.
  std::mt19937 rng(31337);
  std::vector<std::vector<int>> sequences = {{}, {1}, {29871}, {29871, 29871}, {1, 29871, 13 + 1}};
  while (sequences.size() < 400) {
    std::vector<int> ids(rng() % 30);
    for (auto& id : ids) {
      switch (rng() % 4) {
        case 0:
          id = 3 + static_cast<int>(rng() % 256);
          break;
        case 1:
          id = static_cast<int>(rng() % 3);
          break;
        case 2:
          id = 29860 + static_cast<int>(rng() % 20);
          break;
        default:
          id = static_cast<int>(rng() % 32000);
      }
      if (id == 13) id = 14;
    }
    sequences.push_back(ids);
  }
  std::string input;
  for (const auto& ids : sequences) {
    for (size_t k = 0; k < ids.size(); ++k)
      input += (k ? " " : "") + std::to_string(ids[k]);
    input += "\n";
  }
  support::writeFile(dir / "ids.txt", input);
  const std::string cmd = "spm_decode --model=" + quoted(support::llamaModel()) +
                          " --input_format=id --input=" + quoted(dir / "ids.txt") +
                          " --output=" + quoted(dir / "text.txt") + " 2>" +
                          quoted(dir / "spm_decode.log");
  ASSERT_EQ(std::system(cmd.c_str()), 0) << support::readFile(dir / "spm_decode.log");
  std::istringstream lines(support::readFile(dir / "text.txt"));
  size_t i = 0, mismatches = 0;
  for (std::string line; std::getline(lines, line); ++i) {
    ASSERT_LT(i, sequences.size());
    const std::string mine = ours.decode(sequences[i]);
    if (mine != line) {
      ++mismatches;
      ADD_FAILURE() << "sequence " << i << "\n  ours: \"" << support::escaped(mine)
                    << "\"\n  spm:  \"" << support::escaped(line) << "\"";
    }
  }
  EXPECT_EQ(i, sequences.size());
  EXPECT_EQ(mismatches, 0u);
}

// Models trained here by spm_train cover what LLaMA's model does not: an NFKC character map,
// remove_extra_whitespaces, user-defined symbols, no byte fallback (<unk>), whitespace as suffix.
struct Trained {
  std::string name;
  std::string options;
  bool charsMap;  // the trained model must carry a precompiled_charsmap (so the test exercises it)
};

void PrintTo(const Trained& t, std::ostream* os) {
  *os << t.name;
}

class SpmTrainedCrosscheck : public ::testing::TestWithParam<Trained> {};

TEST_P(SpmTrainedCrosscheck, GeneratedStrings) {
  if (!haveTool("spm_encode") || !haveTool("spm_train"))
    GTEST_SKIP() << "spm_encode/spm_train not installed";
  support::ScratchDir dir("spm-train-" + GetParam().name);
  std::string corpus;
  for (const auto& s : generatedStrings(3000, 99, true))
    corpus += s + "\n";
  support::writeFile(dir / "corpus.txt", corpus);
  const std::string cmd =
      "spm_train --input=" + quoted(dir / "corpus.txt") + " --model_prefix=" + quoted(dir / "m") +
      " --vocab_size=400 --hard_vocab_limit=false " + "--num_threads=1 --character_coverage=0.98 " +
      GetParam().options + " >" + quoted(dir / "train.log") + " 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << support::readFile(dir / "train.log");
  const auto model = dir / "m.model";
  const auto ours = SentencePieceProcessor::load(model);
  EXPECT_EQ(!ours.model().normalizer.precompiledCharsmap.empty(), GetParam().charsMap);
  expectSameIds(ours, model, generatedStrings(400, 4242, true), dir);
}

INSTANTIATE_TEST_SUITE_P(
    Models, SpmTrainedCrosscheck,
    ::testing::Values(
        Trained{"bpe_nfkc", "--model_type=bpe --normalization_rule_name=nmt_nfkc", true},
        Trained{"bpe_nfkc_cf_user",
                "--model_type=bpe --normalization_rule_name=nmt_nfkc_cf "
                "'--user_defined_symbols=<sep>,USER:,ab'",
                true},
        Trained{"bpe_identity_bytes",
                "--model_type=bpe --normalization_rule_name=identity --byte_fallback=true "
                "--remove_extra_whitespaces=false --split_digits=true",
                false},
        Trained{"bpe_suffix",
                "--model_type=bpe --treat_whitespace_as_suffix=true --normalization_rule_name=nfkc",
                true},
        Trained{"bpe_no_dummy", "--model_type=bpe --add_dummy_prefix=false", true},
        Trained{"unigram_nfkc", "--model_type=unigram --normalization_rule_name=nmt_nfkc", true},
        Trained{"unigram_user_bytes",
                "--model_type=unigram --normalization_rule_name=identity --byte_fallback=true "
                "'--user_defined_symbols=<sep>,USER:,ab' --remove_extra_whitespaces=false",
                false}),
    [](const ::testing::TestParamInfo<Trained>& info) { return info.param.name; });

}  // namespace

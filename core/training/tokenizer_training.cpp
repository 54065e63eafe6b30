#include "core/training/tokenizer_training.h"

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <fstream>
#include <string>

#include "core/scenes/scene_export.h"
#include "core/text/tokenizer.h"
#include "core/training/batch.h"
#include "core/training/training_error.h"

namespace vitcop::training {
namespace fs = std::filesystem;

namespace {

std::string quoted(const fs::path& p) {
  std::string out = "'";
  for (char c : p.string())
    out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

void writeJson(const fs::path& file, const nlohmann::json& j) {
  std::ofstream out(file);
  out << j.dump(2) << "\n";
  if (!out) throw TrainingError("cannot write " + file.string());
}

}  // namespace

int64_t trainTokenizer(const fs::path& dir, int64_t maxPieces, int64_t samples,
                       uint64_t firstSeed) {
  if (std::system("command -v spm_train >/dev/null 2>&1") != 0)
    throw TrainingError(
        "spm_train not found: install Debian's sentencepiece tools (packaging/install-deps.sh)");
  const fs::path corpus = dir / "tokenizer-corpus.txt";
  scenes::writeCorpus(corpus, firstSeed, static_cast<int>(samples));
  {
    // The words of the prompts the model sees besides the generated text: the llava-hf chat
    // template and the describe instruction. Repeated so that BPE merges them into whole pieces.
    std::ofstream out(corpus, std::ios::app);
    for (int64_t i = 0; i < std::max<int64_t>(1, samples / 4); ++i)
      out << "USER: ASSISTANT:\n" << kDescribePrompt << "\n";
    if (!out) throw TrainingError("cannot write " + corpus.string());
  }
  const fs::path prefix = dir / "tokenizer";
  const fs::path log = dir / "spm_train.log";
  // As tests/data/tiny-tokenizer (LLaMA conventions: unk 0, BOS 1, EOS 2, dummy prefix, byte
  // fallback). hard_vocab_limit=false: the closed-world corpus may run out of merges first.
  const std::string cmd =
      "spm_train --input=" + quoted(corpus) + " --model_prefix=" + quoted(prefix) +
      " --vocab_size=" + std::to_string(maxPieces) +
      " --model_type=bpe --byte_fallback=true --character_coverage=1.0 --bos_id=1 --eos_id=2"
      " --unk_id=0 --pad_id=-1 --add_dummy_prefix=true --normalization_rule_name=identity"
      " --split_digits=true --allow_whitespace_only_pieces=true --remove_extra_whitespaces=false"
      " --hard_vocab_limit=false --num_threads=1 > " +
      quoted(log) + " 2>&1";
  if (std::system(cmd.c_str()) != 0)
    throw TrainingError("spm_train failed (see " + log.string() + ")");
  fs::remove(dir / "tokenizer.vocab");
  const auto tok = text::Tokenizer::load(dir / "tokenizer.model");
  const int64_t pieces = tok.baseVocabSize();
  writeTokenizerConfigs(dir, pieces);
  return pieces;
}

void writeTokenizerConfigs(const fs::path& dir, int64_t pieces) {
  const std::string image = std::to_string(pieces), pad = std::to_string(pieces + 1);
  nlohmann::json config = {{"add_bos_token", true},
                           {"add_eos_token", false},
                           {"added_tokens_decoder",
                            {{image, {{"content", "<image>"}, {"special", true}}},
                             {pad, {{"content", "<pad>"}, {"special", true}}}}},
                           {"bos_token", "<s>"},
                           {"eos_token", "</s>"},
                           {"unk_token", "<unk>"},
                           {"pad_token", "<pad>"},
                           {"model_max_length", 2048},
                           {"tokenizer_class", "LlamaTokenizer"}};
  writeJson(dir / "tokenizer_config.json", config);
  writeJson(dir / "special_tokens_map.json", {{"bos_token", "<s>"},
                                              {"eos_token", "</s>"},
                                              {"unk_token", "<unk>"},
                                              {"pad_token", "<pad>"},
                                              {"additional_special_tokens", {"<image>"}}});
  writeJson(dir / "added_tokens.json", {{"<image>", pieces}, {"<pad>", pieces + 1}});
}

void copyTokenizerFiles(const fs::path& from, const fs::path& to) {
  for (const char* f :
       {"tokenizer.model", "tokenizer_config.json", "special_tokens_map.json", "added_tokens.json"})
    fs::copy_file(from / f, to / f, fs::copy_options::overwrite_existing);
}

}  // namespace vitcop::training

#pragma once
// The model's tokenizer: a SentencePiece BPE vocabulary with byte fallback, trained on generated
// text (questions, answers, captions, the chat template's words) by Debian's `spm_train` run as a
// subprocess (libsentencepiece cannot share a process with LibTorch, docs/building.md), plus the
// llava-hf tokenizer files that add <image> and <pad> after the pieces. The result loads with
// text::Tokenizer::load like any checkpoint's tokenizer.
#include <cstdint>
#include <filesystem>

namespace vitcop::training {

// Writes `dir`/tokenizer.model (and spm_train.log, tokenizer-corpus.txt) from `samples` generated
// samples starting at training seed `firstSeed`, at most `maxPieces` pieces. Returns the number
// of pieces. Throws TrainingError naming the tool or file when spm_train is missing or fails.
int64_t trainTokenizer(const std::filesystem::path& dir, int64_t maxPieces, int64_t samples,
                       uint64_t firstSeed);

// tokenizer_config.json, special_tokens_map.json and added_tokens.json: <image> = pieces,
// <pad> = pieces + 1, BOS added, EOS not.
void writeTokenizerConfigs(const std::filesystem::path& dir, int64_t pieces);

// The tokenizer files a model directory ships (tokenizer.model and the three configs).
void copyTokenizerFiles(const std::filesystem::path& from, const std::filesystem::path& to);

}  // namespace vitcop::training

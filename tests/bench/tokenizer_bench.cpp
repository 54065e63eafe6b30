// Tokenizer speed: encoding a ~2,000-character prompt (the tokenizer sits on the interactive path
// of every run; target well under 5 ms). Prints the median of --runs runs.
#include <cstdio>
#include <string>

#include "core/text/prompt_template.h"
#include "core/text/tokenizer.h"
#include "tests/bench/bench_common.h"

namespace {

int run(int argc, char** argv) {
  const vitcop::bench::Args args(argc, argv);
  const std::string model =
      args.get("--model", std::string(VITCOP_SOURCE_DIR) + "/tests/data/llama-tokenizer");
  const int runs = args.getInt("--runs", 101, 1, 100000);
  const auto tok = vitcop::text::Tokenizer::load(model);
  // Mixed text: words, digits, whitespace runs, CJK and emoji (byte fallback).
  const std::string unit =
      "What is the colour of the 3 small stars   on the left? 猫と犬 🦙 naïve café. ";
  std::string question;
  while (question.size() < 2000)
    question += unit;
  const std::string prompt =
      vitcop::text::buildPrompt(vitcop::text::PromptTemplate::VicunaV1, question);
  size_t ids = 0;
  const double ms = vitcop::bench::medianMs(runs, [&] { ids = tok.encode(prompt).size(); });
  std::printf("tokenizer_bench: %zu bytes -> %zu ids, median %.3f ms over %d runs\n", prompt.size(),
              ids, ms, runs);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tokenizer_bench: %s\n", e.what());
    return 2;
  }
}

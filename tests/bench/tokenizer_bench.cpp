// Tokenizer speed: encoding a ~2,000-character prompt (the tokenizer sits on the interactive path
// of every run; target well under 5 ms). Prints the median of --runs runs.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/text/prompt_template.h"
#include "core/text/tokenizer.h"

int main(int argc, char** argv) {
  std::string model = std::string(VITCOP_SOURCE_DIR) + "/tests/data/llama-tokenizer";
  int runs = 101;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--model") model = argv[i + 1];
    else if (a == "--runs") runs = std::max(1, std::atoi(argv[i + 1]));
  }
  const auto tok = vitcop::text::Tokenizer::load(model);
  // Mixed text: words, digits, whitespace runs, CJK and emoji (byte fallback).
  const std::string unit = "What is the colour of the 3 small stars   on the left? 猫と犬 🦙 naïve café. ";
  std::string question;
  while (question.size() < 2000) question += unit;
  const std::string prompt = vitcop::text::buildPrompt(vitcop::text::PromptTemplate::VicunaV1, question);
  std::vector<double> ms;
  size_t ids = 0;
  for (int r = 0; r < runs; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    ids = tok.encode(prompt).size();
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  std::printf("tokenizer_bench: %zu bytes -> %zu ids, median %.3f ms over %d runs (min %.3f)\n", prompt.size(),
              ids, ms[ms.size() / 2], runs, ms.front());
  return 0;
}

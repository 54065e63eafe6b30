// `vitcop tokenize`: the ids a checkpoint's tokenizer gives a text, as one JSON array, so a user
// can compare them with Hugging Face or llama.cpp without writing code.
#include <nlohmann/json.hpp>

#include <iostream>

#include "app/cli/args.h"
#include "app/cli/command_registry.h"
#include "core/text/tokenizer.h"

namespace {

int runTokenize(const std::vector<std::string>& argv) {
  const vitcop::cli::Args args(argv, {"model", "text"}, {"no-bos", "pieces"});
  const auto tokenizer = vitcop::text::Tokenizer::load(args.str("model"));
  const std::string text = args.str("text");
  const auto ids = args.flag("no-bos") ? tokenizer.encode(text, false) : tokenizer.encode(text);
  if (args.flag("pieces")) {
    nlohmann::json pieces = nlohmann::json::array();
    for (const auto id : ids)
      pieces.push_back(tokenizer.piece(id));
    std::cout << pieces.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    return 0;
  }
  std::cout << nlohmann::json(ids).dump() << "\n";
  return 0;
}

VITCOP_REGISTER_COMMAND(
    "tokenize", "print the token ids of a text (LLaMA SentencePiece + added tokens)",
    "vitcop tokenize --model DIR|tokenizer.model --text TEXT [--no-bos] [--pieces]\n"
    "  Prints the ids as a JSON array. BOS/EOS follow the checkpoint's tokenizer_config.json\n"
    "  (BOS first when only a tokenizer.model is given). Added tokens such as <image> in\n"
    "  TEXT become their ids.\n"
    "  --no-bos   never add BOS (nor EOS)\n"
    "  --pieces   print the pieces instead of the ids",
    runTokenize);

}  // namespace

#pragma once
#include <stdexcept>
#include <string>

namespace vitcop::text {

// Every tokenizer failure (unreadable or malformed model, bad tokenizer config, bad id): the
// message is one line and names the file, key or value at fault.
struct TokenizerError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace vitcop::text

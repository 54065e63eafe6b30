#include "core/text/hf_tokenizer_files.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <functional>

#include "core/text/text_error.h"

namespace vitcop::text {

namespace {

using nlohmann::json;

std::optional<json> readJson(const std::filesystem::path& file) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec)) return std::nullopt;
  std::ifstream in(file, std::ios::binary);
  if (!in) throw TokenizerError(file.string() + ": cannot open");
  try {
    return json::parse(in);
  } catch (const json::exception& e) {
    std::string msg = e.what();
    throw TokenizerError(file.string() + ": invalid JSON (" + msg.substr(0, msg.find('\n')) + ")");
  }
}

[[noreturn]] void badKey(const std::filesystem::path& file, const std::string& key,
                         const std::string& want) {
  throw TokenizerError(file.string() + ": key '" + key + "' must be " + want);
}

std::optional<bool> optBool(const json& j, const char* key, const std::filesystem::path& file) {
  if (!j.contains(key) || j[key].is_null()) return std::nullopt;
  if (!j[key].is_boolean()) badKey(file, key, "a boolean");
  return j[key].get<bool>();
}

// A special token is written either as "<s>" or as {"content": "<s>", ...}; null means none.
std::optional<std::string> nameOf(const json& v, const std::string& key,
                                  const std::filesystem::path& file) {
  if (v.is_null()) return std::nullopt;
  if (v.is_string()) return v.get<std::string>();
  if (v.is_object() && v.contains("content") && v["content"].is_string())
    return v["content"].get<std::string>();
  badKey(file, key, "a string or an object with a string \"content\"");
}

std::optional<std::string> tokenName(const json& j, const std::string& key,
                                     const std::filesystem::path& file) {
  if (!j.contains(key)) return std::nullopt;
  return nameOf(j[key], key, file);
}

AddedToken tokenFromObject(const json& v, int64_t id, const std::filesystem::path& file,
                           const std::string& where) {
  if (!v.is_object()) badKey(file, where, "an object");
  AddedToken t;
  t.id = id;
  t.source = file.string();
  if (!v.contains("content") || !v["content"].is_string() ||
      v["content"].get<std::string>().empty()) {
    badKey(file, where + ".content", "a non-empty string");
  }
  t.content = v["content"].get<std::string>();
  auto flag = [&](const char* name) {
    if (!v.contains(name) || v[name].is_null()) return false;
    if (!v[name].is_boolean()) badKey(file, where + "." + name, "a boolean");
    return v[name].get<bool>();
  };
  t.special = flag("special");
  t.lstrip = flag("lstrip");
  t.rstrip = flag("rstrip");
  // HF matches single_word tokens only between word boundaries by Unicode rules we do not
  // reproduce; refusing is better than tokenizing differently.
  if (flag("single_word")) {
    throw TokenizerError(file.string() + ": added token '" + t.content +
                         "' has single_word=true, which this tokenizer does not support");
  }
  return t;
}

void addToken(std::vector<AddedToken>& all, AddedToken t) {
  if (t.id < 0)
    throw TokenizerError(t.source + ": added token '" + t.content + "' has negative id " +
                         std::to_string(t.id));
  for (auto& existing : all) {
    if (existing.id == t.id && existing.content != t.content) {
      throw TokenizerError(t.source + ": id " + std::to_string(t.id) + " is '" + t.content +
                           "' but " + existing.source + " says '" + existing.content + "'");
    }
    if (existing.content == t.content && existing.id != t.id) {
      throw TokenizerError(t.source + ": '" + t.content + "' has id " + std::to_string(t.id) +
                           " but " + existing.source + " gives id " + std::to_string(existing.id));
    }
    if (existing.id == t.id) {  // the same token declared twice: a file that knows more wins
      existing.special = existing.special || t.special;
      existing.lstrip = existing.lstrip || t.lstrip;
      existing.rstrip = existing.rstrip || t.rstrip;
      return;
    }
  }
  all.push_back(std::move(t));
}

// Where the fast tokenizer puts the U+2581 dummy prefix. The legacy LLaMA tokenizer.json (what
// LLaVA-1.5 ships) prepends it in its normalizer, i.e. to every text segment between added
// tokens, exactly like SentencePiece. Later conversions (legacy=false) use a non-splitting
// Metaspace pre-tokenizer that skips segments already starting with a space and, with
// prepend_scheme "first", prefixes only a segment at the start of the text. Anything that
// would change the segmentation itself (splitting Metaspace, other pre-tokenizers, other
// normalizers) is refused rather than approximated.
DummyPrefixRule dummyPrefixRule(const json& j, const std::filesystem::path& file) {
  const std::string space = "\xE2\x96\x81";
  bool prepend = false;
  std::function<void(const json&)> normalizer = [&](const json& n) {
    if (n.is_null()) return;
    const std::string type = n.is_object() ? n.value("type", "") : "";
    if (type == "Sequence" && n.contains("normalizers") && n["normalizers"].is_array()) {
      for (const auto& m : n["normalizers"])
        normalizer(m);
    } else if (type == "Prepend" && n.value("prepend", "") == space) {
      prepend = true;
    } else if (type == "Replace" && n.value("content", "") == space && n.contains("pattern") &&
               n["pattern"].is_object() && n["pattern"].value("String", "") == " ") {
      // spaces to U+2581: what SentencePiece's normalizer does anyway
    } else {
      throw TokenizerError(file.string() + ": normalizer " + n.dump().substr(0, 80) +
                           " is not supported (only LLaMA's Prepend/Replace of U+2581)");
    }
  };
  if (j.contains("normalizer")) normalizer(j["normalizer"]);
  if (!j.contains("pre_tokenizer") || j["pre_tokenizer"].is_null()) {
    return prepend ? DummyPrefixRule::SentencePiece : DummyPrefixRule::Never;
  }
  const json& p = j["pre_tokenizer"];
  if (!p.is_object() || p.value("type", "") != "Metaspace") {
    throw TokenizerError(file.string() + ": pre_tokenizer " + p.dump().substr(0, 80) +
                         " is not supported (only none or a non-splitting Metaspace)");
  }
  if (prepend)
    throw TokenizerError(file.string() +
                         ": both a Prepend normalizer and a Metaspace pre_tokenizer");
  if (p.value("replacement", space) != space) {
    throw TokenizerError(file.string() + ": Metaspace replacement must be U+2581");
  }
  // Older files have no "split" key and always split at spaces: BPE could then not merge across
  // words, unlike SentencePiece.
  if (!p.contains("split") || !p["split"].is_boolean() || p["split"].get<bool>()) {
    throw TokenizerError(file.string() +
                         ": a Metaspace pre_tokenizer that splits at spaces is not supported");
  }
  std::string scheme = "always";
  if (p.contains("prepend_scheme") && p["prepend_scheme"].is_string()) {
    scheme = p["prepend_scheme"].get<std::string>();
  } else if (p.contains("add_prefix_space") && p["add_prefix_space"].is_boolean()) {
    scheme = p["add_prefix_space"].get<bool>() ? "always" : "never";
  }
  if (scheme == "always") return DummyPrefixRule::MetaspaceAlways;
  if (scheme == "first") return DummyPrefixRule::MetaspaceFirst;
  if (scheme == "never") return DummyPrefixRule::Never;
  throw TokenizerError(file.string() + ": unknown Metaspace prepend_scheme '" + scheme + "'");
}

// tokenizer.json: the fast tokenizer. Only its added tokens and its dummy-prefix rule matter.
void readTokenizerJson(const json& j, const std::filesystem::path& file, HfTokenizerFiles& out) {
  if (!j.is_object()) throw TokenizerError(file.string() + ": expected a JSON object");
  if (j.contains("added_tokens") && !j["added_tokens"].is_null()) {
    if (!j["added_tokens"].is_array()) badKey(file, "added_tokens", "an array");
    size_t i = 0;
    for (const auto& v : j["added_tokens"]) {
      const std::string where = "added_tokens[" + std::to_string(i++) + "]";
      if (!v.is_object() || !v.contains("id") || !v["id"].is_number_integer())
        badKey(file, where + ".id", "an integer");
      addToken(out.added, tokenFromObject(v, v["id"].get<int64_t>(), file, where));
    }
  }
  out.dummyPrefix = dummyPrefixRule(j, file);
}

void readSpecialTokensMap(const json& j, const std::filesystem::path& file, HfTokenizerFiles& out);

void readTokenizerConfig(const json& j, const std::filesystem::path& file, HfTokenizerFiles& out) {
  if (!j.is_object()) throw TokenizerError(file.string() + ": expected a JSON object");
  out.addBos = optBool(j, "add_bos_token", file);
  out.addEos = optBool(j, "add_eos_token", file);
  if (j.contains("added_tokens_decoder") && !j["added_tokens_decoder"].is_null()) {
    const json& dec = j["added_tokens_decoder"];
    if (!dec.is_object()) badKey(file, "added_tokens_decoder", "an object");
    for (const auto& [key, v] : dec.items()) {
      int64_t id = 0;
      size_t used = 0;
      try {
        id = std::stoll(key, &used);
      } catch (const std::exception&) {
        used = 0;
      }
      if (used == 0 || used != key.size())
        badKey(file, "added_tokens_decoder." + key, "keyed by an integer id");
      addToken(out.added, tokenFromObject(v, id, file, "added_tokens_decoder." + key));
    }
  }
  readSpecialTokensMap(j, file, out);  // same special-token keys
}

void readSpecialTokensMap(const json& j, const std::filesystem::path& file, HfTokenizerFiles& out) {
  if (!j.is_object()) throw TokenizerError(file.string() + ": expected a JSON object");
  // tokenizer_config.json is read after this file and takes precedence, as in transformers.
  for (const auto& [key, slot] :
       {std::pair<const char*, std::optional<std::string>*>{"bos_token", &out.bosToken},
        {"eos_token", &out.eosToken},
        {"unk_token", &out.unkToken},
        {"pad_token", &out.padToken}}) {
    if (auto name = tokenName(j, key, file)) *slot = name;
  }
  if (j.contains("additional_special_tokens") && !j["additional_special_tokens"].is_null()) {
    const json& a = j["additional_special_tokens"];
    if (!a.is_array()) badKey(file, "additional_special_tokens", "an array");
    for (size_t i = 0; i < a.size(); ++i) {
      const std::string key = "additional_special_tokens[" + std::to_string(i) + "]";
      if (auto name = nameOf(a[i], key, file)) out.additionalSpecial.push_back(*name);
    }
  }
}

void readAddedTokensJson(const json& j, const std::filesystem::path& file, HfTokenizerFiles& out) {
  if (!j.is_object()) throw TokenizerError(file.string() + ": expected an object {\"token\": id}");
  for (const auto& [content, v] : j.items()) {
    if (!v.is_number_integer()) badKey(file, content, "an integer id");
    if (content.empty()) throw TokenizerError(file.string() + ": empty added token");
    AddedToken t;
    t.content = content;
    t.id = v.get<int64_t>();
    t.source = file.string();
    addToken(out.added, std::move(t));
  }
}

// Runs one file's reader; a JSON type mismatch deep inside it still names the file.
template <class Reader>
void readOne(const std::filesystem::path& dir, const char* name, Reader reader,
             HfTokenizerFiles& out) {
  const auto file = dir / name;
  const auto j = readJson(file);
  if (!j) return;
  try {
    reader(*j, file, out);
  } catch (const json::exception& e) {
    std::string msg = e.what();
    throw TokenizerError(file.string() + ": unexpected value (" + msg.substr(0, msg.find('\n')) +
                         ")");
  }
  out.filesRead.push_back(name);
}

}  // namespace

HfTokenizerFiles HfTokenizerFiles::read(const std::filesystem::path& dir) {
  HfTokenizerFiles out;
  // Richest description first, so flags (special, lstrip, rstrip) come from it.
  readOne(dir, "tokenizer.json", readTokenizerJson, out);
  readOne(dir, "special_tokens_map.json", readSpecialTokensMap, out);
  readOne(dir, "tokenizer_config.json", readTokenizerConfig, out);
  readOne(dir, "added_tokens.json", readAddedTokensJson, out);
  return out;
}

}  // namespace vitcop::text

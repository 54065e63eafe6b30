#include "core/text/tokenizer.h"

#include <algorithm>

#include "core/text/sentencepiece_processor.h"
#include "core/text/text_error.h"

namespace vitcop::text {

namespace {

// ASCII whitespace, swallowed by lstrip/rstrip added tokens.
bool isSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

void append(std::vector<int64_t>& out, const std::vector<int>& ids) {
  out.insert(out.end(), ids.begin(), ids.end());
}

}  // namespace

Tokenizer Tokenizer::load(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec))
    throw TokenizerError(path.string() + ": no such file or directory");
  Tokenizer t;
  HfTokenizerFiles files;
  if (std::filesystem::is_directory(path, ec)) {
    t.modelFile_ = path / "tokenizer.model";
    if (!std::filesystem::is_regular_file(t.modelFile_, ec)) {
      throw TokenizerError(path.string() +
                           ": no tokenizer.model (the SentencePiece model is required; "
                           "tokenizer.json alone is not supported)");
    }
    files = HfTokenizerFiles::read(path);
  } else {
    t.modelFile_ = path;
  }
  t.sp_ = std::make_shared<SentencePieceProcessor>(SentencePieceProcessor::load(t.modelFile_));
  const SentencePieceProcessor& sp = *t.sp_;
  const std::string model = t.modelFile_.string();

  // Added tokens either repeat a base piece at its own id (HF lists <unk>, <s>, </s>) or are new.
  for (const auto& a : files.added) {
    if (a.id < sp.size()) {
      if (sp.idToPiece(static_cast<int>(a.id)) != a.content) {
        throw TokenizerError(a.source + ": added token '" + a.content + "' has id " +
                             std::to_string(a.id) + " but " + model + " has piece '" +
                             sp.idToPiece(static_cast<int>(a.id)) + "' there");
      }
    } else {
      const int existing = sp.pieceToId(a.content);
      if (sp.idToPiece(existing) == a.content) {
        throw TokenizerError(a.source + ": added token '" + a.content + "' (id " +
                             std::to_string(a.id) + ") is already piece " +
                             std::to_string(existing) + " of " + model);
      }
    }
  }
  t.added_ = files.added;
  std::vector<std::string> specialNames = files.additionalSpecial;
  for (const auto* name : {&files.bosToken, &files.eosToken, &files.unkToken, &files.padToken}) {
    if (*name) specialNames.push_back(**name);
  }
  for (auto& a : t.added_) {
    if (std::find(specialNames.begin(), specialNames.end(), a.content) != specialNames.end())
      a.special = true;
  }
  // Longest first, so the first token matching at a position is the longest one.
  std::stable_sort(t.added_.begin(), t.added_.end(), [](const AddedToken& x, const AddedToken& y) {
    return x.content.size() > y.content.size();
  });

  t.dummyPrefix_ = files.dummyPrefix;
  t.addBos_ = files.addBos.value_or(true);
  t.addEos_ = files.addEos.value_or(false);
  t.bosId_ = files.bosToken ? t.resolveName(*files.bosToken, "bos_token") : sp.bosId();
  t.eosId_ = files.eosToken ? t.resolveName(*files.eosToken, "eos_token") : sp.eosId();
  t.unkId_ = files.unkToken ? t.resolveName(*files.unkToken, "unk_token") : sp.unkId();
  if (files.padToken) {
    t.padId_ = t.resolveName(*files.padToken, "pad_token");
  } else if (sp.padId() >= 0) {
    t.padId_ = sp.padId();
  }
  if (t.addBos_ && t.bosId_ < 0)
    throw TokenizerError(model + ": BOS is to be added but the model has no BOS piece");
  if (t.addEos_ && t.eosId_ < 0)
    throw TokenizerError(model + ": EOS is to be added but the model has no EOS piece");

  t.vocabSize_ = sp.size();
  for (const auto& a : t.added_)
    t.vocabSize_ = std::max(t.vocabSize_, a.id + 1);
  return t;
}

int64_t Tokenizer::resolveName(const std::string& name, const std::string& what) const {
  if (const auto id = addedTokenId(name)) return *id;
  const int id = sp_->pieceToId(name);
  if (sp_->idToPiece(id) != name) {
    throw TokenizerError(modelFile_.parent_path().string() + ": " + what + " '" + name +
                         "' is neither an added token nor a piece of " + modelFile_.string());
  }
  return id;
}

int64_t Tokenizer::baseVocabSize() const {
  return sp_->size();
}

std::optional<int64_t> Tokenizer::addedTokenId(const std::string& content) const {
  for (const auto& a : added_) {
    if (a.content == content) return a.id;
  }
  return std::nullopt;
}

const AddedToken* Tokenizer::addedById(int64_t id) const {
  for (const auto& a : added_) {
    if (a.id == id) return &a;
  }
  return nullptr;
}

std::vector<int64_t> Tokenizer::encodePlain(const std::string& text) const {
  std::vector<int64_t> out;
  append(out, sp_->encode(text));
  return out;
}

std::vector<int64_t> Tokenizer::encode(const std::string& text) const {
  std::vector<int64_t> ids = encode(text, addBos_);
  if (addEos_) ids.push_back(eosId_);
  return ids;
}

std::vector<int64_t> Tokenizer::encode(const std::string& text, bool addBos) const {
  std::vector<int64_t> ids;
  if (addBos) {
    if (bosId_ < 0) throw TokenizerError(modelFile_.string() + ": the model has no BOS piece");
    ids.push_back(bosId_);
  }
  const std::string_view all = text;
  size_t segmentStart = 0;
  auto flush = [&](size_t end) {
    if (end <= segmentStart) return;
    const std::string_view segment = all.substr(segmentStart, end - segmentStart);
    switch (dummyPrefix_) {
      case DummyPrefixRule::SentencePiece:
        append(ids, sp_->encode(segment));
        break;
      case DummyPrefixRule::MetaspaceAlways:
        append(ids, sp_->encode(segment, segment[0] != ' '));
        break;
      case DummyPrefixRule::MetaspaceFirst:
        append(ids, sp_->encode(segment, segmentStart == 0 && segment[0] != ' '));
        break;
      case DummyPrefixRule::Never:
        append(ids, sp_->encode(segment, false));
        break;
    }
  };
  size_t i = 0;
  while (i < all.size()) {
    const AddedToken* match = nullptr;
    for (const auto& a : added_) {
      if (all.compare(i, a.content.size(), a.content) == 0) {
        match = &a;
        break;
      }
    }
    if (match == nullptr) {
      ++i;
      continue;
    }
    size_t end = i;
    if (match->lstrip) {
      while (end > segmentStart && isSpace(all[end - 1]))
        --end;
    }
    flush(end);
    ids.push_back(match->id);
    i += match->content.size();
    if (match->rstrip) {
      while (i < all.size() && isSpace(all[i]))
        ++i;
    }
    segmentStart = i;
  }
  flush(all.size());
  return ids;
}

bool Tokenizer::isSpecial(int64_t id) const {
  if (id >= 0 && id < sp_->size()) {
    const int i = static_cast<int>(id);
    if (sp_->isControl(i) || sp_->isUnknown(i)) return true;
  }
  const AddedToken* a = addedById(id);
  return a != nullptr && a->special;
}

std::string Tokenizer::piece(int64_t id) const {
  if (const AddedToken* a = addedById(id)) return a->content;
  if (id < 0 || id >= sp_->size()) {
    throw TokenizerError(modelFile_.string() + ": id " + std::to_string(id) +
                         " has no token (vocabulary: " + std::to_string(sp_->size()) +
                         " pieces + " + std::to_string(added_.size()) + " added tokens)");
  }
  return sp_->idToPiece(static_cast<int>(id));
}

std::string Tokenizer::decode(const std::vector<int64_t>& ids, bool skipSpecial) const {
  std::string out;
  std::vector<int> run;  // consecutive base pieces, decoded together (byte pieces join up)
  auto flush = [&]() {
    if (run.empty()) return;
    // The dummy-prefix space is dropped only at the very start of the text (as HF's decoder
    // strips the first space of the joined string).
    out += sp_->decode(run, out.empty());
    run.clear();
  };
  for (const int64_t id : ids) {
    const std::string text = piece(id);  // validates the id
    if (isSpecial(id)) {
      if (skipSpecial) continue;
      flush();
      out += text;
    } else if (id < sp_->size()) {
      run.push_back(static_cast<int>(id));
    } else {
      flush();
      out += text;  // a non-special added token
    }
  }
  flush();
  return out;
}

}  // namespace vitcop::text

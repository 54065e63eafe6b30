#include "core/text/bpe_tokenizer.h"

#include <functional>
#include <queue>
#include <unordered_map>

#include "core/text/utf8.h"

namespace vitcop::text {

namespace {

struct Symbol {
  int prev;     // -1 at the start
  int next;     // -1 at the end
  bool frozen;  // a user-defined symbol: never merged
  std::string_view piece;
};

struct Candidate {
  float score;
  int left;
  int right;
  size_t size;  // byte length of the merged piece; detects candidates made stale by other merges
};

// Highest score first; on equal scores the leftmost pair.
struct CandidateOrder {
  bool operator()(const Candidate& a, const Candidate& b) const {
    return a.score < b.score || (a.score == b.score && a.left > b.left);
  }
};

}  // namespace

Segmentation bpeSegment(const Vocabulary& vocab, std::string_view normalized) {
  Segmentation out;
  if (normalized.empty()) return out;

  std::vector<Symbol> symbols;
  symbols.reserve(normalized.size());
  const PrefixMatcher& user = vocab.userSymbols();
  for (std::string_view rest = normalized; !rest.empty();) {
    size_t len = user.longestMatch(rest);
    const bool frozen = len > 0;
    if (!frozen) len = std::min(rest.size(), utf8::leadLength(rest[0]));
    const int index = static_cast<int>(symbols.size());
    rest.remove_prefix(len);
    symbols.push_back({index - 1, rest.empty() ? -1 : index + 1, frozen,
                       std::string_view(rest.data() - len, len)});
  }

  std::priority_queue<Candidate, std::vector<Candidate>, CandidateOrder> agenda;
  // Merged UNUSED piece -> the two pieces it was made of, to undo the merge at the end.
  std::unordered_map<std::string_view, std::pair<std::string_view, std::string_view>> unusedMerges;

  auto consider = [&](int left, int right) {
    if (left < 0 || right < 0 || symbols[left].frozen || symbols[right].frozen) return;
    // Adjacent symbols are contiguous in `normalized`, so their concatenation is a view.
    const std::string_view merged(symbols[left].piece.data(),
                                  symbols[left].piece.size() + symbols[right].piece.size());
    const int id = vocab.mergeableId(merged);
    if (id < 0) return;
    agenda.push({vocab.score(id), left, right, merged.size()});
    if (vocab.type(id) == PieceType::Unused) {
      unusedMerges[merged] = {symbols[left].piece, symbols[right].piece};
    }
  };

  for (size_t i = 1; i < symbols.size(); ++i)
    consider(static_cast<int>(i) - 1, static_cast<int>(i));

  while (!agenda.empty()) {
    const Candidate top = agenda.top();
    agenda.pop();
    Symbol& left = symbols[top.left];
    Symbol& right = symbols[top.right];
    if (left.piece.empty() || right.piece.empty() ||
        left.piece.size() + right.piece.size() != top.size) {
      continue;  // one side was merged elsewhere since this candidate was queued
    }
    left.piece = std::string_view(left.piece.data(), top.size);
    left.next = right.next;
    if (right.next >= 0) symbols[right.next].prev = top.left;
    right.piece = std::string_view();
    consider(left.prev, top.left);
    consider(top.left, left.next);
  }

  std::function<void(std::string_view)> emit = [&](std::string_view piece) {
    const int id = vocab.pieceToId(piece);
    if (vocab.type(id) == PieceType::Unused) {
      if (const auto it = unusedMerges.find(piece); it != unusedMerges.end()) {
        emit(it->second.first);
        emit(it->second.second);
        return;
      }
    }
    out.emplace_back(piece, id);
  };
  for (int i = 0; i != -1; i = symbols[i].next)
    emit(symbols[i].piece);
  return out;
}

}  // namespace vitcop::text

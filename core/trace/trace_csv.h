#pragma once
// One trace point as CSV, for spreadsheets and plotting scripts: one row per patch of every
// frame (alive or not), then one per class token the point carries. Columns:
//   patch, frame, row, col, alive, token, representative, origin_patches, position, cluster,
//   centre, merged, then one column per score any token at this point carries (sorted by name).
// `token` is the index in the point's sequence (-1 when pruned); `origin_patches` lists the
// patches the token carries, representative first, separated by spaces; empty cells mean
// "not recorded". Non-finite scores are written as inf / -inf / nan.
#include <string>

#include "core/trace/run_trace.h"

namespace vitcop::trace {

// Throws std::runtime_error naming the point when the trace has no point `pointName`.
std::string pointToCsv(const RunTrace& trace, const std::string& pointName);

// "input, vision, llm:0 … llm:N" for error messages that list what a trace has.
std::string pointNames(const RunTrace& trace);

}  // namespace vitcop::trace

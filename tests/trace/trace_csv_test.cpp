// One trace point as CSV: one row per patch (alive or not), the carrying token's origin patches
// (representative first), position, cluster and scores; a missing stage is an error that lists
// the stages the trace has.
#include <gtest/gtest.h>

#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "core/trace/trace_csv.h"

namespace vitcop::trace {
namespace {

// 2x2 grid: at llm:1 token 0 carries patches 3 (representative) and 1, token 1 carries 2 with an
// infinite delta; patch 0 is pruned. A class token of frame 0 rides along.
RunTrace merged() {
  RunTrace t;
  t.geometry = {1, 2, 14, 28, 2};
  TracePoint input{"input", "all patches", {}, 0.0};
  for (int32_t p = 0; p < 4; ++p)
    input.tokens.push_back({{p}, -1, -2, false, false, {{kScoreClsAttention, 0.25 * p}}});
  TracePoint l1{
      "llm:1",
      "Stage II",
      {{{3, 1}, 7, 4, true, true, {{kScoreKeyNorm, 2.5}}},
       {{2}, 8, -1, false, false, {{kScoreDelta, std::numeric_limits<double>::infinity()}}},
       {{-1}, 9, -2, false, false, {}}},
      0.5};
  t.points = {input, l1};
  return t;
}

std::vector<std::string> lines(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);)
    out.push_back(l);
  return out;
}

TEST(TraceCsv, OneRowPerPatchWithItsCarrier) {
  const auto rows = lines(pointToCsv(merged(), "llm:1"));
  ASSERT_EQ(rows.size(), 1u + 4u + 1u);
  EXPECT_EQ(rows[0],
            "patch,frame,row,col,alive,token,representative,origin_patches,position,cluster,"
            "centre,merged,delta,k_norm");
  EXPECT_EQ(rows[1], "0,0,0,0,0,-1,0,,,,,,,");  // pruned: nothing recorded
  EXPECT_EQ(rows[2], "1,0,0,1,1,0,0,3 1,7,4,1,1,,2.5");
  EXPECT_EQ(rows[3], "2,0,1,0,1,1,1,2,8,-1,0,0,inf,");
  EXPECT_EQ(rows[4], "3,0,1,1,1,0,1,3 1,7,4,1,1,,2.5");
  EXPECT_EQ(rows[5], "-1,0,,,1,2,1,-1,9,,0,0,,");  // class token: no cluster (-2) recorded
}

TEST(TraceCsv, InputHasEveryPatchAlive) {
  const auto rows = lines(pointToCsv(merged(), "input"));
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_EQ(rows[0].substr(rows[0].rfind(',') + 1), "cls_attention");
  EXPECT_EQ(rows[4], "3,0,1,1,1,3,1,3,-1,,0,0,0.75");
}

TEST(TraceCsv, UnknownStageListsTheStagesItHas) {
  try {
    pointToCsv(merged(), "llm:7");
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "no stage 'llm:7' in the trace (it has input, llm:1)");
  }
}

}  // namespace
}  // namespace vitcop::trace

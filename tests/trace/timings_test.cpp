#include <gtest/gtest.h>

#include "core/trace/timings.h"

namespace vitcop::trace {
namespace {

TEST(RunTimings, TotalsAndLookup) {
  RunTimings t;
  EXPECT_EQ(t.totalMs(), 0.0);
  t.add("vision encode", 12.5);
  t.add("prefill", 30.0);
  EXPECT_DOUBLE_EQ(t.totalMs(), 42.5);
  EXPECT_DOUBLE_EQ(t.stageMs("prefill"), 30.0);
  EXPECT_LT(t.stageMs("decode"), 0.0);
}

}  // namespace
}  // namespace vitcop::trace

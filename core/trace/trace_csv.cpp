#include "core/trace/trace_csv.h"

#include <cmath>
#include <cstdio>
#include <set>
#include <sstream>
#include <stdexcept>
#include <vector>

namespace vitcop::trace {
namespace {

std::string scoreText(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

struct Carrier {
  int token = -1;
  bool representative = false;
};

}  // namespace

std::string pointNames(const RunTrace& trace) {
  std::string out;
  for (const auto& p : trace.points)
    out += (out.empty() ? "" : ", ") + p.name;
  return out;
}

std::string pointToCsv(const RunTrace& trace, const std::string& pointName) {
  const TracePoint* point = trace.find(pointName);
  if (!point)
    throw std::runtime_error("no stage '" + pointName + "' in the trace (it has " +
                             pointNames(trace) + ")");
  const int64_t g = trace.geometry.gridSide, perFrame = g * g;
  const int64_t patches = trace.geometry.frames * perFrame;
  std::vector<Carrier> carrier(static_cast<size_t>(std::max<int64_t>(patches, 0)));
  std::vector<std::pair<int32_t, int>> classTokens;  // (patch id < 0, token)
  std::set<std::string> scoreNames;
  for (size_t i = 0; i < point->tokens.size(); ++i) {
    const TraceToken& t = point->tokens[i];
    for (const auto& [name, v] : t.scores)
      scoreNames.insert(name);
    for (size_t k = 0; k < t.patches.size(); ++k) {
      const int32_t q = t.patches[k];
      if (q < 0) {
        classTokens.emplace_back(q, static_cast<int>(i));
      } else if (q < patches) {
        carrier[static_cast<size_t>(q)] = {static_cast<int>(i), k == 0};
      }
    }
  }

  std::ostringstream out;
  out << "patch,frame,row,col,alive,token,representative,origin_patches,position,cluster,centre,"
         "merged";
  for (const auto& name : scoreNames)
    out << "," << name;
  out << "\n";
  const auto tokenColumns = [&](int token, bool representative) {
    out << (token >= 0 ? 1 : 0) << "," << token << "," << (representative ? 1 : 0) << ",";
    if (token < 0) {
      out << ",,,,";
      for (size_t s = 0; s < scoreNames.size(); ++s)
        out << ",";
      out << "\n";
      return;
    }
    const TraceToken& t = point->tokens[static_cast<size_t>(token)];
    for (size_t k = 0; k < t.patches.size(); ++k)
      out << (k ? " " : "") << t.patches[k];
    out << "," << t.position << ",";
    if (t.cluster >= -1) out << t.cluster;
    out << "," << (t.clusterCentre ? 1 : 0) << "," << (t.merged ? 1 : 0);
    for (const auto& name : scoreNames) {
      out << ",";
      if (const auto it = t.scores.find(name); it != t.scores.end()) out << scoreText(it->second);
    }
    out << "\n";
  };
  for (int64_t q = 0; q < patches; ++q) {
    out << q << "," << q / perFrame << "," << (q % perFrame) / g << "," << q % g << ",";
    const Carrier& c = carrier[static_cast<size_t>(q)];
    tokenColumns(c.token, c.representative);
  }
  for (const auto& [q, token] : classTokens) {
    out << q << "," << (-q - 1) << ",,,";
    tokenColumns(token, true);
  }
  return out.str();
}

}  // namespace vitcop::trace

#pragma once
// The tiny fixture model and its reference prompt, shared by the engine and hook tests.
#include <memory>
#include <vector>

#include "core/checkpoint/checkpoint.h"
#include "core/generation/engine.h"
#include "tests/model/oracle_support.h"

namespace vitcop::test {

struct TinyRun {
  TinyRun()
      : ckpt(checkpoint::Checkpoint::open(dataDir() / "llava-tiny-a")),
        model(model::LlavaModel::load(ckpt, at::kFloat)),
        engine(model),
        ref(dataDir() / "llava-tiny-a"),
        ids(toIds(ref.get("input_ids"))),
        pixels(ref.get("pixel_values")) {}
  checkpoint::Checkpoint ckpt;
  std::shared_ptr<model::LlavaModel> model;
  generation::Engine engine;
  Reference ref;
  std::vector<int64_t> ids;
  at::Tensor pixels;
};

}  // namespace vitcop::test

#include "core/generation/engine.h"

#include <torch/torch.h>

#include <stdexcept>
#include <string>

#include "core/model/llava_modules.h"
#include "gpu/timer.h"

namespace vitcop::generation {

namespace {

void checkVisionView(const VisionLayerView& view, int64_t frames, int64_t width) {
  const std::string where = "vision hook after block " + std::to_string(view.layer) + ": ";
  if (!view.hidden.defined() || view.hidden.dim() != 3 || view.hidden.size(0) != frames ||
      view.hidden.size(2) != width)
    throw std::invalid_argument(where + "hidden states must stay [frames, tokens, width]");
  if (static_cast<int64_t>(view.origins.size()) != frames)
    throw std::invalid_argument(where + "origins must have one list per frame");
  for (int64_t f = 0; f < frames; ++f) {
    const Origins& o = view.origins[static_cast<size_t>(f)];
    if (static_cast<int64_t>(o.size()) != view.hidden.size(1))
      throw std::invalid_argument(where + "frame " + std::to_string(f) + " has " +
                                  std::to_string(o.size()) + " origins for " +
                                  std::to_string(view.hidden.size(1)) + " tokens");
    if (o.empty() || o[0] != std::vector<int32_t>{model::classTokenId(static_cast<int32_t>(f))})
      throw std::invalid_argument(where + "row 0 of frame " + std::to_string(f) +
                                  " must stay its class token");
  }
}

void checkDecoderView(const DecoderLayerView& view, int64_t width) {
  const std::string where = "decoder hook before layer " + std::to_string(view.layer) + ": ";
  if (!view.hidden.defined() || view.hidden.dim() != 2 || view.hidden.size(1) != width)
    throw std::invalid_argument(where + "hidden states must stay [tokens, width]");
  const int64_t n = view.hidden.size(0);
  if (n == 0) throw std::invalid_argument(where + "the sequence may not become empty");
  if (static_cast<int64_t>(view.positions.size()) != n ||
      static_cast<int64_t>(view.tokens.size()) != n)
    throw std::invalid_argument(where + std::to_string(n) + " hidden rows but " +
                                std::to_string(view.positions.size()) + " positions and " +
                                std::to_string(view.tokens.size()) + " token origins");
  for (int64_t p : view.positions)
    if (p < 0) throw std::invalid_argument(where + "negative position id " + std::to_string(p));
}

at::Tensor positionTensor(const std::vector<int64_t>& positions, const c10::Device& device) {
  return torch::tensor(positions, torch::dtype(torch::kLong)).to(device);
}

}  // namespace

Engine::Engine(std::shared_ptr<const model::LlavaModel> model) : model_(std::move(model)) {
  if (!model_) throw std::invalid_argument("Engine: no model");
}

EncodedImages Engine::encodeImages(const at::Tensor& pixelValues, const RunControl& control) const {
  c10::InferenceMode guard;
  gpu::Timer timer(model_->device());
  const auto& cfg = model_->config();
  auto& m = model_->module();
  auto& vision = m.vision();
  InferenceHooks* hooks = control.hooks;

  throwIfCancelled(control.cancel);
  at::Tensor x = vision->embed(pixelValues);  // [F, 1+P, Dv]
  const int64_t frames = x.size(0), width = x.size(2), grid = cfg.vision.gridSide();
  std::vector<Origins> origins(static_cast<size_t>(frames));
  for (int64_t f = 0; f < frames; ++f) {
    Origins& o = origins[static_cast<size_t>(f)];
    o.push_back({model::classTokenId(static_cast<int32_t>(f))});
    for (int64_t p = 0; p < cfg.vision.numPatches(); ++p)
      o.push_back({model::patchId(static_cast<int32_t>(f), static_cast<int32_t>(p / grid),
                                  static_cast<int32_t>(p % grid), grid)});
  }

  const std::vector<int64_t>& wanted = model_->featureHiddenIndices();
  auto isWanted = [&](int64_t idx) {
    return std::find(wanted.begin(), wanted.end(), idx) != wanted.end();
  };
  std::map<int64_t, std::pair<at::Tensor, std::vector<Origins>>> stored;
  if (isWanted(0)) stored[0] = {x, origins};
  for (int64_t l = 0; l < model_->visionBlocksNeeded(); ++l) {
    throwIfCancelled(control.cancel);
    model::VisionBlockExtras extras;
    const bool cls = hooks && hooks->wantsVisionClsAttention(l);
    extras.wantKeys = hooks && hooks->wantsVisionKeys(l);
    if (cls) extras.probRows = {0};
    x = vision->block(l)->forward(x, (cls || extras.wantKeys) ? &extras : nullptr);
    if (hooks) {
      VisionLayerView view;
      view.layer = l;
      view.hidden = x;
      view.origins = std::move(origins);
      if (cls) view.clsAttention = extras.probs.select(2, 0);
      view.keys = extras.keys;
      hooks->afterVisionLayer(view);
      checkVisionView(view, frames, width);
      x = view.hidden;
      origins = std::move(view.origins);
    }
    if (isWanted(l + 1)) stored[l + 1] = {x, origins};
  }

  // Feature selection (method-spec 1.6): hidden_states[idx] per configured layer, CLS dropped
  // with strategy "default", layers concatenated along the feature axis.
  const bool dropCls = cfg.visionFeatureSelectStrategy == "default";
  std::vector<at::Tensor> parts;
  std::vector<Origins> selectedOrigins = stored.at(wanted.front()).second;
  for (int64_t idx : wanted) {
    at::Tensor h = stored.at(idx).first;
    if (dropCls) h = h.narrow(1, 1, h.size(1) - 1);
    if (!parts.empty() && h.size(1) != parts.front().size(1))
      throw std::invalid_argument(
          "vision_feature_layer: the selected layers carry different "
          "token counts after a vision hook");
    parts.push_back(h);
  }
  if (dropCls)
    for (Origins& o : selectedOrigins)
      o.erase(o.begin());
  const at::Tensor features = parts.size() == 1 ? parts[0] : at::cat(parts, -1);
  const at::Tensor projected = m.multi_modal_projector->forward(features);  // [F, N, d]

  ProjectorView view;
  for (int64_t f = 0; f < frames; ++f) {
    view.images.push_back({projected[f], std::move(selectedOrigins[static_cast<size_t>(f)])});
    view.features.push_back(features[f]);
  }
  if (hooks) {
    hooks->afterProjector(view);
    for (size_t i = 0; i < view.images.size(); ++i) {
      const auto& img = view.images[i];
      if (!img.embeds.defined() || img.embeds.dim() != 2 ||
          img.embeds.size(1) != cfg.text.hiddenSize ||
          static_cast<size_t>(img.embeds.size(0)) != img.origins.size())
        throw std::invalid_argument("projector hook: image " + std::to_string(i) +
                                    " must keep [N, hidden] embeddings with N origins");
    }
  }
  EncodedImages out;
  out.images = std::move(view.images);
  out.milliseconds = timer.elapsedMs();
  return out;
}

at::Tensor Engine::prefill(InferenceState& state, const std::vector<int64_t>& inputIds,
                           const std::vector<model::VisualTokens>& images,
                           const RunControl& control, bool allLogits, int64_t reserveTokens) const {
  c10::InferenceMode guard;
  const auto& cfg = model_->config();
  const auto& text = cfg.text;
  auto& lm = model_->module().language_model;
  const c10::Device device = model_->device();
  const c10::ScalarType dtype = model_->computeDtype();
  InferenceHooks* hooks = control.hooks;

  throwIfCancelled(control.cancel);
  if (inputIds.empty()) throw std::invalid_argument("input ids: empty prompt");
  const model::PromptLayout layout =
      model::parsePrompt(inputIds, cfg, static_cast<int64_t>(images.size()));
  const at::Tensor textIds =
      torch::tensor(layout.textIds, torch::dtype(torch::kLong)).view({1, -1});
  model::SplicedSequence seq = model::spliceImages(layout, lm->embed(textIds), images);
  at::Tensor x = seq.embeds.to(device, dtype);
  const int64_t n = x.size(1);

  state = InferenceState{};
  state.cache = KvCache(text.numLayers, text.numKvHeads, text.headDim, dtype, device);
  state.promptLength = n;
  for (int64_t l = 0; l < text.numLayers; ++l)
    state.cache.layer(l).reserve(n + reserveTokens);

  std::vector<int64_t> positions(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i)
    positions[static_cast<size_t>(i)] = i;
  std::vector<model::TokenInfo> tokens = std::move(seq.tokens);
  model::RopeTables rope = model::ropeTables(positionTensor(positions, device), text, dtype);

  for (int64_t l = 0; l < text.numLayers; ++l) {
    throwIfCancelled(control.cancel);
    std::vector<int64_t> rows;
    if (hooks) {
      DecoderLayerView view;
      view.layer = l;
      view.hidden = x.select(0, 0);
      view.positions = positions;
      view.tokens = tokens;
      view.cache = &state.cache;
      view.attention = &state.attention;
      // Computed only if the hook calls them; they read the view as it is at that moment.
      view.probeAttention = [&view, &state, &lm, &text, l, device,
                             dtype](const std::vector<int64_t>& probeRows) {
        const at::Tensor h = view.hidden.to(device, dtype).unsqueeze(0);
        const model::RopeTables r =
            model::ropeTables(positionTensor(view.positions, device), text, dtype);
        at::Tensor p = lm->model->block(l)->probeAttention(h, r, probeRows).select(0, 0);
        state.probabilityRows += static_cast<int64_t>(probeRows.size());
        return p;
      };
      view.finalNorm = [&lm](const at::Tensor& h) { return lm->model->norm->forward(h); };
      hooks->beforeDecoderLayer(view);
      checkDecoderView(view, text.hiddenSize);
      x = view.hidden.to(device, dtype).unsqueeze(0);
      if (view.positions != positions) {
        positions = std::move(view.positions);
        rope = model::ropeTables(positionTensor(positions, device), text, dtype);
      }
      rows = hooks->attentionRows(view);  // sees the view as the layer will run it
      tokens = std::move(view.tokens);
    }
    model::DecoderLayerExtras extras;
    extras.probRows = rows;
    LayerKvCache& cache = state.cache.layer(l);
    x = lm->model->block(l)->forward(x, rope, &cache, rows.empty() ? nullptr : &extras);
    cache.recordSlots(positions, tokens);
    if (extras.probs.defined()) {
      state.attention[l] = extras.probs.select(0, 0);
      state.probabilityRows += extras.probs.size(2);
    }
  }
  const DecodePositions rule = hooks ? hooks->decodePositions() : DecodePositions::PromptLength;
  state.decodeStart.resize(static_cast<size_t>(text.numLayers));
  for (int64_t l = 0; l < text.numLayers; ++l)
    state.decodeStart[static_cast<size_t>(l)] =
        rule == DecodePositions::LayerCacheLength ? state.cache.layer(l).length() : n;
  const at::Tensor h = lm->model->norm->forward(x);
  const at::Tensor logits =
      (allLogits ? lm->logits(h) : lm->logits(h.narrow(1, h.size(1) - 1, 1))).select(0, 0);
  state.lastLogits = logits[-1];
  return logits;
}

at::Tensor Engine::decode(InferenceState& state, int64_t token, const RunControl& control) const {
  c10::InferenceMode guard;
  const auto& text = model_->config().text;
  auto& lm = model_->module().language_model;
  const c10::Device device = model_->device();
  if (token < 0 || token >= text.vocabSize)
    throw std::invalid_argument("decode: token id " + std::to_string(token) +
                                " is outside the vocabulary [0, " + std::to_string(text.vocabSize) +
                                ")");
  if (state.cache.numLayers() != text.numLayers ||
      static_cast<int64_t>(state.decodeStart.size()) != text.numLayers)
    throw std::logic_error("decode: the state holds no prefill for this model");
  at::Tensor x = lm->embed(torch::tensor({token}, torch::dtype(torch::kLong)).view({1, 1}));
  const std::vector<model::TokenInfo> slotToken{{model::TokenKind::Generated, state.generated, {}}};
  // Layers sharing a position share its RoPE table (one table when nothing was pruned).
  int64_t ropePosition = -1;
  model::RopeTables rope;
  for (int64_t l = 0; l < text.numLayers; ++l) {
    throwIfCancelled(control.cancel);
    const int64_t position = state.decodePosition(l);
    if (position != ropePosition) {
      rope = model::ropeTables(positionTensor({position}, device), text, model_->computeDtype());
      ropePosition = position;
    }
    LayerKvCache& cache = state.cache.layer(l);
    x = lm->model->block(l)->forward(x, rope, &cache, nullptr);
    cache.recordSlots({position}, slotToken);
  }
  const at::Tensor logits = lm->logits(lm->model->norm->forward(x)).view({-1});
  state.generated += 1;
  state.lastLogits = logits;
  return logits;
}

GenerationResult Engine::generate(const std::vector<int64_t>& inputIds,
                                  const at::Tensor& pixelValues,
                                  const GenerationOptions& options) const {
  if (options.maxNewTokens < 0)
    throw std::invalid_argument("max new tokens: " + std::to_string(options.maxNewTokens) +
                                " is negative");
  Sampler sampler(options.sampling);
  const int64_t eos = options.eosTokenId.value_or(model_->config().text.eosTokenId);
  GenerationResult r;
  if (pixelValues.defined()) {
    r.visual = encodeImages(pixelValues, options.control);
    r.visionMs = r.visual.milliseconds;
  }
  auto state = std::make_shared<InferenceState>();
  gpu::Timer timer(model_->device());
  r.prefillLogits = prefill(*state, inputIds, r.visual.images, options.control,
                            options.allPrefillLogits, options.maxNewTokens);
  r.prefillMs = timer.elapsedMs();
  at::Tensor logits = state->lastLogits;
  for (int64_t step = 0; step < options.maxNewTokens; ++step) {
    throwIfCancelled(options.control.cancel);
    const int64_t token = sampler.next(logits);
    if (options.keepStepLogits) r.stepLogits.push_back(logits);
    r.tokens.push_back(token);
    if (options.onToken) options.onToken(token, step);
    if (options.stopAtEos && token == eos) {
      r.stoppedAtEos = true;
      break;
    }
    if (step + 1 == options.maxNewTokens) break;  // the last token is never fed back
    timer.restart();
    logits = decode(*state, token, options.control);
    r.decodeMs.push_back(timer.elapsedMs());
  }
  r.kvCacheAllocatedBytes = state->cache.allocatedBytes();
  r.kvCacheUsedBytes = state->cache.usedBytes();
  r.state = state;
  return r;
}

}  // namespace vitcop::generation

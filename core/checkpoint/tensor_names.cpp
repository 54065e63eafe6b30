// Tensor names: the classic llava-hf names a config requires (method-spec 1.3.1), and the map
// from the newer (1.3.2) and original-LLaVA (1.3.3) names onto them.
#include <array>
#include <cstring>

#include "core/checkpoint/checkpoint.h"

namespace vitcop::checkpoint {
namespace {

struct PrefixRule {
  const char* from;
  const char* to;
  bool detects;  // false when the prefix is shared by several layouts (lm_head.)
  KeyLayout layout;
};

// The longest matching prefix wins, so "model.vision_tower.vision_tower." (original) beats
// "model.vision_tower." (newer) and "model.mm_projector.0." beats "model.".
const std::array<PrefixRule, 12>& prefixRules() {
  static const std::array<PrefixRule, 12> rules = {{
      {"language_model.", "language_model.", true, KeyLayout::Classic},
      {"vision_tower.", "vision_tower.", true, KeyLayout::Classic},
      {"multi_modal_projector.", "multi_modal_projector.", true, KeyLayout::Classic},
      {"model.language_model.", "language_model.model.", true, KeyLayout::Newer},
      {"model.vision_tower.", "vision_tower.", true, KeyLayout::Newer},
      {"model.multi_modal_projector.", "multi_modal_projector.", true, KeyLayout::Newer},
      {"lm_head.", "language_model.lm_head.", false, KeyLayout::Newer},
      {"model.vision_tower.vision_tower.", "vision_tower.", true, KeyLayout::Original},
      {"model.mm_projector.0.", "multi_modal_projector.linear_1.", true, KeyLayout::Original},
      {"model.mm_projector.2.", "multi_modal_projector.linear_2.", true, KeyLayout::Original},
      {"model.", "language_model.model.", true, KeyLayout::Original},
      // A CLIP checkpoint (the original stack's separate vision tower).
      {"vision_model.", "vision_tower.vision_model.", true, KeyLayout::Original},
  }};
  return rules;
}

bool startsWith(const std::string& s, const char* prefix) {
  return s.compare(0, std::strlen(prefix), prefix) == 0;
}

bool endsWith(const std::string& s, const char* suffix) {
  const size_t n = std::strlen(suffix);
  return s.size() >= n && s.compare(s.size() - n, n, suffix) == 0;
}

}  // namespace

std::string classicTensorName(const std::string& storedName, KeyLayout* detected) {
  // Non-persistent buffers some writers still save, and the CLIP text side of a CLIP checkpoint.
  if (endsWith(storedName, ".rotary_emb.inv_freq") ||
      endsWith(storedName, "embeddings.position_ids"))
    return "";
  for (const char* ignored : {"text_model.", "visual_projection.", "text_projection."}) {
    if (startsWith(storedName, ignored)) return "";
  }
  if (storedName == "logit_scale") return "";

  const PrefixRule* best = nullptr;
  for (const auto& rule : prefixRules()) {
    if (startsWith(storedName, rule.from) &&
        (!best || std::strlen(rule.from) > std::strlen(best->from)))
      best = &rule;
  }
  if (!best) return storedName;  // unknown: kept, so validation reports it as unexpected
  if (detected && best->detects) *detected = best->layout;
  return best->to + storedName.substr(std::strlen(best->from));
}

std::vector<std::pair<std::string, std::vector<int64_t>>> expectedLlavaTensors(
    const LlavaConfig& c) {
  std::vector<std::pair<std::string, std::vector<int64_t>>> out;
  auto add = [&](std::string name, std::vector<int64_t> shape) {
    out.emplace_back(std::move(name), std::move(shape));
  };
  const VisionConfig& v = c.vision;
  const int64_t dv = v.hiddenSize, iv = v.intermediateSize;
  const std::string vm = "vision_tower.vision_model.";
  add(vm + "embeddings.class_embedding", {dv});
  add(vm + "embeddings.patch_embedding.weight", {dv, v.numChannels, v.patchSize, v.patchSize});
  add(vm + "embeddings.position_embedding.weight", {v.numPatches() + 1, dv});
  add(vm + "pre_layrnorm.weight", {dv});
  add(vm + "pre_layrnorm.bias", {dv});
  for (int64_t i = 0; i < v.numLayers; ++i) {
    const std::string l = vm + "encoder.layers." + std::to_string(i) + ".";
    for (const char* ln : {"layer_norm1.", "layer_norm2."}) {
      add(l + ln + "weight", {dv});
      add(l + ln + "bias", {dv});
    }
    for (const char* proj : {"q_proj.", "k_proj.", "v_proj.", "out_proj."}) {
      add(l + "self_attn." + proj + "weight", {dv, dv});
      add(l + "self_attn." + proj + "bias", {dv});
    }
    add(l + "mlp.fc1.weight", {iv, dv});
    add(l + "mlp.fc1.bias", {iv});
    add(l + "mlp.fc2.weight", {dv, iv});
    add(l + "mlp.fc2.bias", {dv});
  }
  add(vm + "post_layernorm.weight", {dv});
  add(vm + "post_layernorm.bias", {dv});

  // With several feature layers their outputs are concatenated before the projector.
  const TextConfig& t = c.text;
  const int64_t h = t.hiddenSize;
  const int64_t projIn = dv * static_cast<int64_t>(c.visionFeatureLayers.size());
  add("multi_modal_projector.linear_1.weight", {h, projIn});
  if (c.projectorBias) add("multi_modal_projector.linear_1.bias", {h});
  add("multi_modal_projector.linear_2.weight", {h, h});
  if (c.projectorBias) add("multi_modal_projector.linear_2.bias", {h});

  const int64_t q = t.numHeads * t.headDim, kv = t.numKvHeads * t.headDim;
  add("language_model.model.embed_tokens.weight", {t.vocabSize, h});
  for (int64_t i = 0; i < t.numLayers; ++i) {
    const std::string l = "language_model.model.layers." + std::to_string(i) + ".";
    add(l + "input_layernorm.weight", {h});
    add(l + "self_attn.q_proj.weight", {q, h});
    add(l + "self_attn.k_proj.weight", {kv, h});
    add(l + "self_attn.v_proj.weight", {kv, h});
    add(l + "self_attn.o_proj.weight", {h, q});
    if (t.attentionBias) {
      add(l + "self_attn.q_proj.bias", {q});
      add(l + "self_attn.k_proj.bias", {kv});
      add(l + "self_attn.v_proj.bias", {kv});
      add(l + "self_attn.o_proj.bias", {h});
    }
    add(l + "post_attention_layernorm.weight", {h});
    add(l + "mlp.gate_proj.weight", {t.intermediateSize, h});
    add(l + "mlp.up_proj.weight", {t.intermediateSize, h});
    add(l + "mlp.down_proj.weight", {h, t.intermediateSize});
    if (t.mlpBias) {
      add(l + "mlp.gate_proj.bias", {t.intermediateSize});
      add(l + "mlp.up_proj.bias", {t.intermediateSize});
      add(l + "mlp.down_proj.bias", {h});
    }
  }
  add("language_model.model.norm.weight", {h});
  add("language_model.lm_head.weight", {t.vocabSize, h});
  return out;
}

}  // namespace vitcop::checkpoint

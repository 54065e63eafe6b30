// SafetensorsFile and writeSafetensors: the fixture files, round trips in every dtype,
// zero-copy views, conversions, and each malformed-file rejection.
#include "core/checkpoint/safetensors.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include "core/checkpoint/safetensors_writer.h"
#include "tests/checkpoint/checkpoint_test_util.h"
#include "tests/support/test_paths.h"

namespace vitcop::checkpoint {
namespace {

using testutil::expectErrorNaming;
using testutil::TempDir;
using testutil::writeRawSafetensors;

std::filesystem::path fixture(const std::string& file) {
  return test::dataDir() / "llava-tiny-a" / file;
}

TEST(Safetensors, FixtureModelOpensWithEveryEntry) {
  auto f = SafetensorsFile::open(fixture("model.safetensors"));
  // Cross-check against the header parsed independently by nlohmann.
  std::ifstream in(fixture("model.safetensors"), std::ios::binary);
  uint64_t n = 0;
  in.read(reinterpret_cast<char*>(&n), 8);
  std::string text(n, '\0');
  in.read(text.data(), static_cast<std::streamsize>(n));
  auto header = nlohmann::json::parse(text);
  EXPECT_EQ(f->entries().size() + 1, header.size());  // + __metadata__
  for (const auto& [name, e] : f->entries()) {
    ASSERT_TRUE(header.contains(name)) << name;
    EXPECT_EQ(e.shape, header[name]["shape"].get<std::vector<int64_t>>()) << name;
    EXPECT_EQ(e.dtype, header[name]["dtype"].get<std::string>()) << name;
  }
  EXPECT_EQ(f->metadata().at("format"), "pt");
  at::Tensor t = f->load("vision_tower.vision_model.embeddings.patch_embedding.weight", at::kFloat);
  EXPECT_EQ(t.sizes(), (at::IntArrayRef{32, 3, 14, 14}));
  EXPECT_TRUE(t.isfinite().all().item<bool>());
  EXPECT_GT(t.abs().sum().item<double>(), 0.0);
}

TEST(Safetensors, ReferenceTensorsReadInStoredDtypes) {
  auto f = SafetensorsFile::open(fixture("reference.safetensors"));
  at::Tensor ids = f->load("input_ids");
  at::Tensor img = f->load("image_preprocessed_u8");
  at::Tensor pix = f->load("pixel_values");
  at::Tensor pos = f->load("image_token_positions", at::kLong);
  EXPECT_EQ(ids.scalar_type(), at::kLong);
  EXPECT_EQ(img.scalar_type(), at::kByte);
  EXPECT_EQ(pix.scalar_type(), at::kFloat);
  EXPECT_EQ(ids.sizes(), (at::IntArrayRef{1, 28}));
  EXPECT_EQ(img.sizes(), (at::IntArrayRef{56, 56, 3}));
  // The image token (300 in config.json) sits exactly at image_token_positions.
  at::Tensor isImage = ids[0].eq(300);
  EXPECT_EQ(isImage.sum().item<int64_t>(), pos.numel());
  EXPECT_TRUE(isImage.index_select(0, pos).all().item<bool>());
  // pixel_values = (u8 / 255 - mean) / std: ties the U8 and F32 tensors together.
  const at::Tensor mean = torch::tensor({0.48145466, 0.4578275, 0.40821073}).view({3, 1, 1});
  const at::Tensor stdv = torch::tensor({0.26862954, 0.26130258, 0.27577711}).view({3, 1, 1});
  at::Tensor expected = (img.permute({2, 0, 1}).to(at::kFloat) / 255.0 - mean) / stdv;
  EXPECT_LT((expected - pix[0]).abs().max().item<double>(), 1e-5);
}

TEST(Safetensors, IntegerTensorCannotBeLoadedAsFloat) {
  auto f = SafetensorsFile::open(fixture("reference.safetensors"));
  expectErrorNaming([&] { f->load("input_ids", at::kFloat); },
                    {"reference.safetensors", "input_ids", "I64"});
  expectErrorNaming([&] { f->load("no_such_tensor"); },
                    {"reference.safetensors", "no_such_tensor"});
}

TEST(Safetensors, WriterRoundTripsEveryDtypeInOrder) {
  TempDir dir;
  torch::manual_seed(7);
  std::vector<std::pair<std::string, at::Tensor>> tensors = {
      {"z_f32", torch::randn({3, 5})},
      {"a_f16", torch::randn({7}).to(at::kHalf)},
      {"m_bf16", torch::randn({2, 3, 4}).to(at::kBFloat16)},
      {"f64", torch::randn({4}, at::kDouble)},
      {"i64", torch::arange(-5, 6, at::kLong)},
      {"i32", torch::arange(0, 9, at::kInt).view({3, 3})},
      {"i16", torch::arange(-3, 3, at::kShort)},
      {"i8", torch::arange(-3, 3, at::kChar)},
      {"u8", torch::arange(0, 250, 7, at::kByte)},
      {"bool", torch::tensor({true, false, true})},
      {"scalar", torch::tensor(3.5f)},
      {"empty", torch::zeros({0, 4})},
      {"noncontig", torch::randn({4, 6}).t()},
  };
  writeSafetensors(dir / "x.safetensors", tensors, {{"format", "pt"}, {"k", "v"}});
  auto f = SafetensorsFile::open(dir / "x.safetensors");
  ASSERT_EQ(f->entries().size(), tensors.size());
  EXPECT_EQ(f->metadata().at("k"), "v");
  uint64_t previousEnd = 0;
  for (const auto& [name, t] : tensors) {
    at::Tensor back = f->load(name);
    EXPECT_EQ(back.scalar_type(), t.scalar_type()) << name;
    EXPECT_EQ(back.sizes(), t.sizes()) << name;
    EXPECT_TRUE(back.equal(t)) << name;
    EXPECT_EQ(f->find(name)->begin, previousEnd) << name << " written out of order";
    previousEnd = f->find(name)->end;
  }
}

TEST(Safetensors, WriterRejectsBadInput) {
  TempDir dir;
  const auto p = dir / "bad.safetensors";
  expectErrorNaming(
      [&] {
        writeSafetensors(p, {{"a", torch::ones({1})}, {"a", torch::ones({1})}});
      },
      {"bad.safetensors", "'a'"});
  expectErrorNaming(
      [&] {
        writeSafetensors(p, {{"c", torch::ones({1}, at::kComplexFloat)}});
      },
      {"bad.safetensors", "'c'"});
  expectErrorNaming(
      [&] {
        writeSafetensors(p, {{"__metadata__", torch::ones({1})}});
      },
      {"bad.safetensors", "__metadata__"});
  expectErrorNaming([&] { writeSafetensors(dir / "no/such/dir/x.safetensors", {}); },
                    {"x.safetensors"});
  EXPECT_FALSE(std::filesystem::exists(p));
}

TEST(Safetensors, ZeroCopyViewSharesTheMappingAndKeepsItAlive) {
  TempDir dir;
  at::Tensor src = torch::randn({16, 8});
  writeSafetensors(dir / "w.safetensors", {{"w", src}, {"h", src.to(at::kHalf)}});
  auto f = SafetensorsFile::open(dir / "w.safetensors");
  at::Tensor a = f->load("w", at::kFloat);
  at::Tensor b = f->load("w", at::kFloat);
  EXPECT_TRUE(f->isMapped(a.data_ptr()));
  EXPECT_EQ(a.data_ptr(), b.data_ptr());
  // A converted load is a private copy.
  at::Tensor c = f->load("h", at::kFloat);
  EXPECT_FALSE(f->isMapped(c.data_ptr()));
  // The view keeps the file mapped after the last SafetensorsFile handle is gone.
  std::weak_ptr<SafetensorsFile> weak = f;
  f.reset();
  EXPECT_FALSE(weak.expired());
  EXPECT_TRUE(a.equal(src));
  a = at::Tensor();
  b = at::Tensor();
  EXPECT_TRUE(weak.expired());
}

TEST(Safetensors, WritingIntoAZeroCopyViewLeavesTheFileUnchanged) {
  TempDir dir;
  writeSafetensors(dir / "w.safetensors", {{"w", torch::ones({4})}});
  {
    auto f = SafetensorsFile::open(dir / "w.safetensors");
    f->load("w", at::kFloat).fill_(5.0f);  // must not crash (private copy-on-write mapping)
  }
  auto g = SafetensorsFile::open(dir / "w.safetensors");
  EXPECT_TRUE(g->load("w").equal(torch::ones({4})));
}

TEST(Safetensors, HalfAndBfloat16ConvertToFloat32WithinRounding) {
  TempDir dir;
  torch::manual_seed(3);
  at::Tensor src = torch::randn({64, 32});
  writeSafetensors(dir / "h.safetensors",
                   {{"f16", src.to(at::kHalf)}, {"bf16", src.to(at::kBFloat16)}, {"f32", src}});
  auto f = SafetensorsFile::open(dir / "h.safetensors");
  at::Tensor h = f->load("f16", at::kFloat);
  at::Tensor b = f->load("bf16", at::kFloat);
  EXPECT_EQ(h.scalar_type(), at::kFloat);
  EXPECT_EQ(b.scalar_type(), at::kFloat);
  EXPECT_TRUE(h.equal(src.to(at::kHalf).to(at::kFloat)));
  EXPECT_TRUE(b.equal(src.to(at::kBFloat16).to(at::kFloat)));
  // Relative rounding bounds: 2^-11 for f16, 2^-8 for bf16 (values here are far from subnormal).
  EXPECT_TRUE((h - src).abs().le(src.abs() * (1.0 / 2048) + 1e-7).all().item<bool>());
  EXPECT_TRUE((b - src).abs().le(src.abs() * (1.0 / 256) + 1e-7).all().item<bool>());
  // And down-conversion of F32 to bf16 matches LibTorch's own rounding.
  EXPECT_TRUE(f->load("f32", at::kBFloat16).equal(src.to(at::kBFloat16)));
}

TEST(Safetensors, UnalignedDataIsCopiedCorrectly) {
  TempDir dir;
  at::Tensor src = torch::randn({5});
  const std::string header =
      R"({"t":{"dtype":"F32","shape":[5],"data_offsets":[0,20]}})";  // 8 + 57: not 4-aligned
  ASSERT_NE((8 + header.size()) % 4, 0u);
  writeRawSafetensors(dir / "u.safetensors", header,
                      std::string(static_cast<const char*>(src.data_ptr()), 20));
  auto f = SafetensorsFile::open(dir / "u.safetensors");
  at::Tensor t = f->load("t", at::kFloat);
  EXPECT_FALSE(f->isMapped(t.data_ptr()));
  EXPECT_TRUE(t.equal(src));
}

// ---- malformed files: each message names the file and, where there is one, the tensor ----

class MalformedSafetensors : public ::testing::Test {
 protected:
  void expectRejected(const std::string& header, const std::string& data,
                      std::initializer_list<std::string> needles, uint64_t headerLen = UINT64_MAX) {
    writeRawSafetensors(path(), header, data, headerLen);
    std::vector<std::string> all{"bad.safetensors"};
    all.insert(all.end(), needles.begin(), needles.end());
    try {
      SafetensorsFile::open(path());
      ADD_FAILURE() << "accepted: " << header;
    } catch (const CheckpointError& e) {
      for (const auto& n : all) {
        EXPECT_NE(std::string(e.what()).find(n), std::string::npos)
            << "message lacks '" << n << "': " << e.what();
      }
    }
  }
  std::filesystem::path path() const { return dir_ / "bad.safetensors"; }
  TempDir dir_;
};

TEST_F(MalformedSafetensors, FileShorterThanEightBytes) {
  testutil::writeBytes(path(), "abc");
  expectErrorNaming([&] { SafetensorsFile::open(path()); }, {"bad.safetensors", "8"});
}

TEST_F(MalformedSafetensors, MissingFile) {
  expectErrorNaming([&] { SafetensorsFile::open(dir_ / "absent.safetensors"); },
                    {"absent.safetensors"});
}

TEST_F(MalformedSafetensors, TruncatedInTheHeader) {
  std::string bytes = testutil::readBytes(fixture("model.safetensors"));
  testutil::writeBytes(path(), bytes.substr(0, 8 + 100));
  expectErrorNaming([&] { SafetensorsFile::open(path()); }, {"bad.safetensors", "header length"});
}

TEST_F(MalformedSafetensors, TruncatedInTheDataSection) {
  std::string bytes = testutil::readBytes(fixture("model.safetensors"));
  testutil::writeBytes(path(), bytes.substr(0, bytes.size() - 1000));
  // The last tensor in data order is the LM head: its span now ends past the file.
  expectErrorNaming([&] { SafetensorsFile::open(path()); },
                    {"bad.safetensors", "language_model.lm_head.weight", "outside"});
}

TEST_F(MalformedSafetensors, OversizedHeaderLength) {
  expectRejected("{}", std::string(16, '\0'), {"exceeds the 100 MB"}, 200ull * 1024 * 1024);
  expectRejected("{}", "", {"header length 50"}, 50);
}

TEST_F(MalformedSafetensors, CorruptJsonHeader) {
  expectRejected(R"({"t":{"dtype":"F32",)", "", {"not valid JSON"});
}

TEST_F(MalformedSafetensors, HeaderNotAnObject) {
  expectRejected("[1,2]", "", {"not a JSON object"});
  expectRejected(R"({"t":5})", "", {"'t'", "not a JSON object"});
  expectRejected(R"({"__metadata__":[1]})", "", {"__metadata__"});
}

TEST_F(MalformedSafetensors, UnknownDtype) {
  expectRejected(R"({"t":{"dtype":"F24","shape":[1],"data_offsets":[0,3]}})", "abc",
                 {"'t'", "F24"});
}

TEST_F(MalformedSafetensors, BadShape) {
  expectRejected(R"({"t":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})", "abcd",
                 {"'t'", "shape"});
  expectRejected(R"({"t":{"dtype":"F32","shape":"4","data_offsets":[0,4]}})", "abcd",
                 {"'t'", "shape"});
  expectRejected(R"({"t":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}})", "abcd",
                 {"'t'", "shape"});
}

TEST_F(MalformedSafetensors, ShapeDoesNotMatchSpan) {
  expectRejected(R"({"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,12]}})",
                 std::string(12, '\0'), {"'w'", "16 bytes", "span 12"});
}

TEST_F(MalformedSafetensors, OffsetsOutsideTheFile) {
  expectRejected(R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}})",
                 std::string(12, '\0'), {"'w'", "outside"});
  expectRejected(R"({"w":{"dtype":"F32","shape":[0],"data_offsets":[4,0]}})", std::string(12, '\0'),
                 {"'w'", "outside"});
  expectRejected(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0]}})", std::string(12, '\0'),
                 {"'w'", "data_offsets"});
}

TEST_F(MalformedSafetensors, OverlappingSpans) {
  expectRejected(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                 R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                 std::string(12, '\0'), {"'b'", "overlap", "'a'"});
}

}  // namespace
}  // namespace vitcop::checkpoint

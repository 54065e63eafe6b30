#pragma once
// Just enough of the protobuf wire format (varint, 64-bit, length-delimited, 32-bit) to walk a
// serialized SentencePiece ModelProto without libprotobuf. Every read is bounds-checked; a
// malformed buffer raises TokenizerError with `what` (file and message path) in the text.
#include <cstdint>
#include <string>
#include <string_view>

namespace vitcop::text {

enum class WireType : uint8_t { Varint = 0, Fixed64 = 1, LengthDelimited = 2, Fixed32 = 5 };

class ProtobufReader {
 public:
  ProtobufReader(std::string_view data, std::string what) : data_(data), what_(std::move(what)) {}

  bool atEnd() const { return pos_ >= data_.size(); }
  // Reads the next field key; the field number is > 0 and the wire type one of the four above.
  void nextField(uint32_t& field, WireType& type);
  uint64_t readVarint();
  uint32_t readFixed32();
  uint64_t readFixed64();
  std::string_view readBytes();  // length-delimited payload
  float readFloat();             // fixed32 reinterpreted as IEEE-754 float
  void skip(WireType type);
  const std::string& what() const { return what_; }
  [[noreturn]] void fail(const std::string& message) const;

 private:
  std::string_view data_;
  size_t pos_ = 0;
  std::string what_;
};

}  // namespace vitcop::text

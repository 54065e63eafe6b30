#include "core/text/protobuf_reader.h"

#include <cstring>

#include "core/text/text_error.h"

namespace vitcop::text {

void ProtobufReader::fail(const std::string& message) const {
  throw TokenizerError(what_ + ": " + message + " at byte " + std::to_string(pos_));
}

uint64_t ProtobufReader::readVarint() {
  uint64_t value = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (pos_ >= data_.size()) fail("truncated varint (not a protobuf or file cut short)");
    const auto byte = static_cast<uint8_t>(data_[pos_++]);
    value |= static_cast<uint64_t>(byte & 0x7F) << shift;
    if ((byte & 0x80) == 0) return value;
  }
  fail("varint longer than 10 bytes (not a protobuf)");
}

void ProtobufReader::nextField(uint32_t& field, WireType& type) {
  const uint64_t key = readVarint();
  const auto wire = static_cast<uint32_t>(key & 7);
  const uint64_t number = key >> 3;
  if (number == 0 || number > 0x1FFFFFFF) fail("invalid field number " + std::to_string(number));
  if (wire != 0 && wire != 1 && wire != 2 && wire != 5) {
    fail("unsupported wire type " + std::to_string(wire) + " for field " + std::to_string(number) +
         " (not a protobuf)");
  }
  field = static_cast<uint32_t>(number);
  type = static_cast<WireType>(wire);
}

uint32_t ProtobufReader::readFixed32() {
  if (data_.size() - pos_ < 4) fail("truncated fixed32 field");
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i)
    v = (v << 8) | static_cast<uint8_t>(data_[pos_ + i]);
  pos_ += 4;
  return v;
}

uint64_t ProtobufReader::readFixed64() {
  if (data_.size() - pos_ < 8) fail("truncated fixed64 field");
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i)
    v = (v << 8) | static_cast<uint8_t>(data_[pos_ + i]);
  pos_ += 8;
  return v;
}

std::string_view ProtobufReader::readBytes() {
  const uint64_t length = readVarint();
  if (length > data_.size() - pos_) {
    fail("length-delimited field of " + std::to_string(length) + " bytes runs past the end (" +
         std::to_string(data_.size() - pos_) + " left; truncated?)");
  }
  const std::string_view out = data_.substr(pos_, length);
  pos_ += length;
  return out;
}

float ProtobufReader::readFloat() {
  const uint32_t bits = readFixed32();
  float f = 0;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

void ProtobufReader::skip(WireType type) {
  switch (type) {
    case WireType::Varint:
      readVarint();
      break;
    case WireType::Fixed64:
      readFixed64();
      break;
    case WireType::LengthDelimited:
      readBytes();
      break;
    case WireType::Fixed32:
      readFixed32();
      break;
  }
}

}  // namespace vitcop::text

// XBee API mode 2 (AP=2, escaped) framing, both directions, for the sensor's own radio.
// Plain C++11 without Arduino headers; `Out` is anything with write(uint8_t), e.g. Serial.
#ifndef HEARTH_XBEE_API_H
#define HEARTH_XBEE_API_H

#include <stdint.h>

namespace xbee {

const uint8_t START = 0x7E;
const uint8_t ESCAPE = 0x7D;
const uint8_t XON = 0x11;
const uint8_t XOFF = 0x13;
const uint8_t TRANSMIT_REQUEST = 0x10;
const uint8_t RECEIVE_PACKET = 0x90;
// Frame type, 64-bit source, 16-bit source, options: RF data starts after them.
const uint8_t RECEIVE_HEADER = 12;

inline bool reserved(uint8_t b) { return b == START || b == ESCAPE || b == XON || b == XOFF; }

template <class Out>
void putEscaped(Out& out, uint8_t b) {
  if (reserved(b)) {
    out.write(ESCAPE);
    out.write(uint8_t(b ^ 0x20));
  } else {
    out.write(b);
  }
}

// A 0x10 Transmit Request to the coordinator (64-bit address 0, 16-bit 0xFFFE "unknown") with frame
// id 0, so the radio sends no Transmit Status the sketch would have to skip.
template <class Out>
void transmitToCoordinator(Out& out, const uint8_t* data, uint8_t len) {
  static const uint8_t header[] = {TRANSMIT_REQUEST, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFE, 0x00, 0x00};
  const uint16_t length = sizeof header + len;
  uint8_t sum = 0;
  out.write(START);
  putEscaped(out, uint8_t(length >> 8));
  putEscaped(out, uint8_t(length & 0xFF));
  for (uint8_t i = 0; i < sizeof header; i++) {
    sum += header[i];
    putEscaped(out, header[i]);
  }
  for (uint8_t i = 0; i < len; i++) {
    sum += data[i];
    putEscaped(out, data[i]);
  }
  putEscaped(out, uint8_t(0xFF - sum));
}

// Cuts the radio's byte stream into frames: unescapes, checks the checksum, resyncs on the next
// start byte after anything wrong. Frames longer than the buffer are dropped.
class Reader {
 public:
  // Feeds one byte; true when it completes a frame with a good checksum.
  bool push(uint8_t b) {
    if (b == START) {
      state_ = LENGTH_HIGH;
      escaped_ = false;
      return false;
    }
    if (state_ == HUNT) return false;
    if (escaped_) {
      b ^= 0x20;
      escaped_ = false;
    } else if (b == ESCAPE) {
      escaped_ = true;
      return false;
    }
    switch (state_) {
      case LENGTH_HIGH:
        length_ = uint16_t(b) << 8;
        state_ = LENGTH_LOW;
        return false;
      case LENGTH_LOW:
        length_ |= b;
        filled_ = 0;
        sum_ = 0;
        state_ = (length_ == 0 || length_ > sizeof frame_) ? HUNT : DATA;
        return false;
      case DATA:
        frame_[filled_++] = b;
        sum_ += b;
        if (filled_ == length_) state_ = CHECKSUM;
        return false;
      default:
        state_ = HUNT;
        return uint8_t(sum_ + b) == 0xFF;
    }
  }

  // The RF data of the last frame if it was a 0x90 Receive Packet, else 0.
  const uint8_t* receivedData(uint8_t& len) const {
    if (filled_ < RECEIVE_HEADER || frame_[0] != RECEIVE_PACKET) return 0;
    len = uint8_t(filled_ - RECEIVE_HEADER);
    return frame_ + RECEIVE_HEADER;
  }

 private:
  enum State : uint8_t { HUNT, LENGTH_HIGH, LENGTH_LOW, DATA, CHECKSUM };
  uint8_t frame_[80];
  uint16_t length_ = 0;
  uint16_t filled_ = 0;
  uint8_t sum_ = 0;
  State state_ = HUNT;
  bool escaped_ = false;
};

}  // namespace xbee

#endif

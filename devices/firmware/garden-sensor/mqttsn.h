// MQTT-SN v1.2 frames a garden sensor sends (spec section 5.4), written into the caller's buffer.
// Plain C++11 without Arduino headers, so the host test harness compiles the very same code.
#ifndef HEARTH_MQTTSN_H
#define HEARTH_MQTTSN_H

#include <stdint.h>
#include <string.h>

namespace mqttsn {

enum MsgType : uint8_t {
  SEARCHGW = 0x01,
  GWINFO = 0x02,
  CONNECT = 0x04,
  CONNACK = 0x05,
  WILLTOPICREQ = 0x06,
  WILLTOPIC = 0x07,
  WILLMSGREQ = 0x08,
  WILLMSG = 0x09,
  REGISTER = 0x0A,
  REGACK = 0x0B,
  PUBLISH = 0x0C,
  PUBACK = 0x0D,
  PINGREQ = 0x16,
  PINGRESP = 0x17,
  DISCONNECT = 0x18,
};

// Flags byte: QoS in bits 6-5 (0b11 = QoS -1), Retain bit 4, Will bit 3, CleanSession bit 2, TopicIdType bits 1-0.
const uint8_t FLAG_QOS_1 = 0x20;
const uint8_t FLAG_QOS_MINUS_1 = 0x60;
const uint8_t FLAG_RETAIN = 0x10;
const uint8_t FLAG_WILL = 0x08;
const uint8_t FLAG_CLEAN_SESSION = 0x04;
const uint8_t TOPIC_ID_PREDEFINED = 0x01;

const uint8_t PROTOCOL_ID = 0x01;
const uint8_t RC_ACCEPTED = 0x00;
const uint8_t RC_INVALID_TOPIC_ID = 0x02;

// Appends fields after Length and MsgType. Only the 1-byte Length form: a sensor's frames stay far
// below 256 bytes. Writing past the buffer is refused and end() then returns 0.
class Writer {
 public:
  Writer(uint8_t* buf, uint8_t capacity, MsgType type) : buf_(buf), capacity_(capacity), n_(2), full_(capacity < 2) {
    if (!full_) buf_[1] = type;
  }
  Writer& u8(uint8_t value) { return bytes(&value, 1); }
  Writer& u16(uint16_t value) {
    uint8_t be[2] = {uint8_t(value >> 8), uint8_t(value & 0xFF)};
    return bytes(be, 2);
  }
  Writer& str(const char* text) { return bytes(reinterpret_cast<const uint8_t*>(text), strlen(text)); }
  Writer& bytes(const uint8_t* data, size_t len) {
    if (full_ || n_ + len > capacity_) {
      full_ = true;
      return *this;
    }
    memcpy(buf_ + n_, data, len);
    n_ += len;
    return *this;
  }
  // The frame length, 0 if it did not fit.
  uint8_t end() {
    if (full_) return 0;
    buf_[0] = n_;
    return n_;
  }

 private:
  uint8_t* buf_;
  uint8_t capacity_;
  uint8_t n_;
  bool full_;
};

inline uint8_t connect(uint8_t* buf, uint8_t cap, uint8_t flags, uint16_t duration, const char* clientId) {
  return Writer(buf, cap, CONNECT).u8(flags).u8(PROTOCOL_ID).u16(duration).str(clientId).end();
}

inline uint8_t willTopic(uint8_t* buf, uint8_t cap, uint8_t flags, const char* topic) {
  return Writer(buf, cap, WILLTOPIC).u8(flags).str(topic).end();
}

inline uint8_t willMsg(uint8_t* buf, uint8_t cap, const char* message) {
  return Writer(buf, cap, WILLMSG).str(message).end();
}

inline uint8_t publish(uint8_t* buf, uint8_t cap, uint8_t flags, uint16_t topicId, uint16_t msgId, const char* payload) {
  return Writer(buf, cap, PUBLISH).u8(flags).u16(topicId).u16(msgId).str(payload).end();
}

inline uint8_t puback(uint8_t* buf, uint8_t cap, uint16_t topicId, uint16_t msgId, uint8_t returnCode) {
  return Writer(buf, cap, PUBACK).u16(topicId).u16(msgId).u8(returnCode).end();
}

// With the client id: a sleeping client waking to collect what the gateway buffered.
inline uint8_t pingreq(uint8_t* buf, uint8_t cap, const char* clientId) {
  return Writer(buf, cap, PINGREQ).str(clientId).end();
}

// With a duration: going to sleep for that many seconds.
inline uint8_t disconnect(uint8_t* buf, uint8_t cap, uint16_t duration) {
  return Writer(buf, cap, DISCONNECT).u16(duration).end();
}

inline uint16_t u16At(const uint8_t* p) { return uint16_t(p[0]) << 8 | p[1]; }

}  // namespace mqttsn

#endif

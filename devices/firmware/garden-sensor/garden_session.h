// The sensor's MQTT-SN conversation, the same on the Uno and in the host test harness. `Link` sends
// a frame (send(const uint8_t*, uint8_t)) and returns the next frame from the gateway or 0 after a
// timeout (receive(uint8_t& len)).
//
// boot: CONNECT (will, clean session) - WILLTOPICREQ - WILLTOPIC - WILLMSGREQ - WILLMSG - CONNACK,
//       PUBLISH status "online" (retained), the readings, DISCONNECT(sleep) - DISCONNECT.
// wake: PINGREQ(client id) - [buffered PUBLISHes] - PINGRESP; then with QoS 1 CONNECT - CONNACK,
//       the readings, DISCONNECT(sleep) - DISCONNECT; with QoS -1 only the readings.
#ifndef HEARTH_GARDEN_SESSION_H
#define HEARTH_GARDEN_SESSION_H

#include "garden_protocol.h"
#include "mqttsn.h"

namespace garden {

template <class Link>
class Session {
 public:
  // qos is 1 or -1; durations are seconds; the strings must outlive the session.
  Session(Link& link, const char* clientId, const char* statusTopic, int8_t qos, uint16_t keepAlive, uint16_t sleepSeconds)
      : link_(link),
        clientId_(clientId),
        statusTopic_(statusTopic),
        qosFlags_(qos == 1 ? mqttsn::FLAG_QOS_1 : mqttsn::FLAG_QOS_MINUS_1),
        keepAlive_(keepAlive),
        sleepSeconds_(sleepSeconds) {}

  // Connects and reports; false if the gateway did not answer (try boot() again next time).
  bool boot(const Readings& r) {
    using namespace mqttsn;
    if (!exchange(connect(buf_, sizeof buf_, FLAG_WILL | FLAG_CLEAN_SESSION, keepAlive_, clientId_), WILLTOPICREQ)) return false;
    if (!exchange(willTopic(buf_, sizeof buf_, FLAG_QOS_1 | FLAG_RETAIN, statusTopic_), WILLMSGREQ)) return false;
    if (!exchange(willMsg(buf_, sizeof buf_, "offline"), CONNACK) || reply_[2] != RC_ACCEPTED) return false;
    if (!publish(TOPIC_STATUS, "online", true)) return false;
    return report(r) && sleep();
  }

  // Collects buffered messages and reports; false if the gateway did not answer (boot() again).
  bool wake(const Readings& r) {
    using namespace mqttsn;
    if (!exchange(pingreq(buf_, sizeof buf_, clientId_), PINGRESP)) return false;
    if (qosFlags_ == FLAG_QOS_MINUS_1) return report(r);
    if (!exchange(connect(buf_, sizeof buf_, 0, keepAlive_, clientId_), CONNACK) || reply_[2] != RC_ACCEPTED) return false;
    return report(r) && sleep();
  }

 private:
  static const uint8_t ATTEMPTS = 3;
  // Frames that are not the awaited answer before a request counts as unanswered.
  static const uint8_t MAX_OTHER_FRAMES = 8;

  bool report(const Readings& r) {
    char text[8];
    formatUint(text, r.moisture);
    if (!publish(TOPIC_MOISTURE, text, false)) return false;
    formatTenths(text, r.temperatureTenths);
    if (!publish(TOPIC_TEMPERATURE, text, false)) return false;
    formatUint(text, batteryPercent(r.batteryMillivolts));
    return publish(TOPIC_BATTERY, text, false);
  }

  bool sleep() { return exchange(mqttsn::disconnect(buf_, sizeof buf_, sleepSeconds_), mqttsn::DISCONNECT); }

  bool publish(uint16_t topicId, const char* payload, bool retain) {
    using namespace mqttsn;
    const uint8_t flags = qosFlags_ | (retain ? FLAG_RETAIN : 0) | TOPIC_ID_PREDEFINED;
    if (qosFlags_ == FLAG_QOS_MINUS_1) {
      link_.send(buf_, mqttsn::publish(buf_, sizeof buf_, flags, topicId, 0, payload));
      return true;
    }
    msgId_ = msgId_ % 0xFFFF + 1;
    return exchange(mqttsn::publish(buf_, sizeof buf_, flags, topicId, msgId_, payload), PUBACK, msgId_) && reply_[6] == RC_ACCEPTED;
  }

  // Sends the frame in buf_ until the answer of type `type` (and msgId, if not 0) arrives.
  bool exchange(uint8_t len, uint8_t type, uint16_t msgId = 0) {
    if (len == 0) return false;
    for (uint8_t attempt = 0; attempt < ATTEMPTS; attempt++) {
      link_.send(buf_, len);
      for (uint8_t other = 0; other < MAX_OTHER_FRAMES; other++) {
        uint8_t replyLen = 0;
        reply_ = link_.receive(replyLen);
        if (!reply_) break;
        if (replyLen < 2 || reply_[0] != replyLen) continue;
        if (reply_[1] == type && (msgId == 0 || (replyLen >= 6 && mqttsn::u16At(reply_ + 4) == msgId))) return true;
        if (reply_[1] == mqttsn::PUBLISH) refuse();
      }
    }
    return false;
  }

  // The sketch subscribes to nothing: a QoS 1 PUBLISH from the gateway is acknowledged as an unknown topic.
  void refuse() {
    if (reply_[0] < 7 || (reply_[2] & 0x60) != mqttsn::FLAG_QOS_1) return;
    uint8_t ack[7];
    link_.send(ack, mqttsn::puback(ack, sizeof ack, mqttsn::u16At(reply_ + 3), mqttsn::u16At(reply_ + 5), mqttsn::RC_INVALID_TOPIC_ID));
  }

  Link& link_;
  const char* clientId_;
  const char* statusTopic_;
  const uint8_t qosFlags_;
  const uint16_t keepAlive_;
  const uint16_t sleepSeconds_;
  uint8_t buf_[48];
  const uint8_t* reply_ = 0;
  uint16_t msgId_ = 0;
};

}  // namespace garden

#endif

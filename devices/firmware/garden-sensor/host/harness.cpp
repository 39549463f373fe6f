// Host build of the sketch's protocol code, for the simulator's byte-for-byte comparison test:
//   g++ -std=c++11 -I.. harness.cpp -o harness
//   ./harness <sensorId> <qos 1|-1> <keepAlive> <sleepSeconds> <moisture> <tenths> <mV> [<moisture> <tenths> <mV>]
// Runs boot() with the first readings and wake() with the second, answering like a gateway would,
// and prints each frame the sensor sends as `<MQTT-SN hex> <XBee API frame hex>`, one per line.
#include <cstdio>
#include <cstdlib>

#include "garden_session.h"
#include "xbee_api.h"

namespace {

struct HexOut {
  void write(uint8_t b) { std::printf("%02x", b); }
};

// Plays the gateway: each frame the sensor sends gets the answer the sensor waits for.
class FakeGatewayLink {
 public:
  void send(const uint8_t* frame, uint8_t len) {
    for (uint8_t i = 0; i < len; i++) std::printf("%02x", frame[i]);
    std::printf(" ");
    HexOut out;
    xbee::transmitToCoordinator(out, frame, len);
    std::printf("\n");
    answer(frame, len);
  }

  const uint8_t* receive(uint8_t& len) {
    len = replyLen_;
    replyLen_ = 0;
    return len ? reply_ : 0;
  }

 private:
  void answer(const uint8_t* f, uint8_t len) {
    using namespace mqttsn;
    switch (f[1]) {
      case CONNECT:
        reply(f[2] & FLAG_WILL ? Writer(reply_, sizeof reply_, WILLTOPICREQ).end() : connack());
        break;
      case WILLTOPIC:
        reply(Writer(reply_, sizeof reply_, WILLMSGREQ).end());
        break;
      case WILLMSG:
        reply(connack());
        break;
      case PUBLISH:
        if ((f[2] & 0x60) == FLAG_QOS_1) reply(puback(reply_, sizeof reply_, u16At(f + 3), u16At(f + 5), RC_ACCEPTED));
        break;
      case PINGREQ:
        reply(Writer(reply_, sizeof reply_, PINGRESP).end());
        break;
      case DISCONNECT:
        reply(Writer(reply_, sizeof reply_, DISCONNECT).end());
        break;
    }
    (void)len;
  }
  uint8_t connack() { return mqttsn::Writer(reply_, sizeof reply_, mqttsn::CONNACK).u8(mqttsn::RC_ACCEPTED).end(); }
  void reply(uint8_t len) { replyLen_ = len; }

  uint8_t reply_[16];
  uint8_t replyLen_ = 0;
};

garden::Readings readingsAt(char** argv) {
  garden::Readings r;
  r.moisture = uint8_t(std::atoi(argv[0]));
  r.temperatureTenths = int16_t(std::atoi(argv[1]));
  r.batteryMillivolts = uint16_t(std::atoi(argv[2]));
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 8 && argc != 11) {
    std::fprintf(stderr, "usage: %s <sensorId> <qos> <keepAlive> <sleepSeconds> <moisture> <tenths> <mV> [<moisture> <tenths> <mV>]\n", argv[0]);
    return 2;
  }
  char statusTopic[48];
  garden::statusTopic(statusTopic, argv[1]);
  FakeGatewayLink link;
  garden::Session<FakeGatewayLink> session(link, argv[1], statusTopic, int8_t(std::atoi(argv[2])), uint16_t(std::atoi(argv[3])), uint16_t(std::atoi(argv[4])));
  if (!session.boot(readingsAt(argv + 5))) return 1;
  if (argc == 11 && !session.wake(readingsAt(argv + 8))) return 1;
  return 0;
}

// Hearth garden sensor: Arduino Uno + XBee (API mode 2, 9600 baud on the hardware serial port)
// publishing soil moisture, temperature and battery over MQTT-SN v1.2 with predefined topic ids,
// asleep between readings. Wiring, flashing and the gateway's topic list: docs/simulator.md.
#include <avr/interrupt.h>
#include <avr/power.h>
#include <avr/sleep.h>
#include <avr/wdt.h>

#include "garden_protocol.h"
#include "garden_session.h"
#include "xbee_api.h"

// --- configuration -------------------------------------------------------------------------
#define SENSOR_ID "herbs"        // also the MQTT-SN client id; topics garden/herbs/...
#define SN_QOS 1                 // 1: every PUBLISH acknowledged; -1: fire and forget
#define SLEEP_SECONDS 300        // between readings; also the DISCONNECT duration
#define KEEP_ALIVE_SECONDS 60    // CONNECT duration while awake
#define REPLY_TIMEOUT_MS 3000    // MQTT-SN Tretry

// --- pins ----------------------------------------------------------------------------------
const uint8_t MOISTURE_PIN = A0;      // capacitive soil moisture sensor output
const uint8_t TEMPERATURE_PIN = A1;   // TMP36 output
const uint8_t BATTERY_PIN = A2;       // VIN through a 10k/10k divider
const uint8_t SENSOR_POWER_PIN = 6;   // powers the moisture sensor and TMP36 only while reading
const uint8_t XBEE_SLEEP_PIN = 7;     // XBee SLEEP_RQ (pin 9), SM=1: high = radio asleep

// Calibration of the moisture sensor (ADC counts in air and in water).
const uint16_t MOISTURE_DRY = 520;
const uint16_t MOISTURE_WET = 260;

#if SN_QOS != 1 && SN_QOS != -1
#error "SN_QOS must be 1 or -1"
#endif

// Sends MQTT-SN frames as XBee Transmit Requests and hands back the RF data of Receive Packets.
class XbeeLink {
 public:
  void send(const uint8_t* frame, uint8_t len) { xbee::transmitToCoordinator(Serial, frame, len); }

  const uint8_t* receive(uint8_t& len) {
    const unsigned long start = millis();
    while (millis() - start < REPLY_TIMEOUT_MS) {
      if (Serial.available() == 0) continue;
      if (!reader_.push(uint8_t(Serial.read()))) continue;
      const uint8_t* data = reader_.receivedData(len);
      if (data) return data;
    }
    return 0;
  }

 private:
  xbee::Reader reader_;
};

char statusTopic[32];
XbeeLink link;
garden::Session<XbeeLink> session(link, SENSOR_ID, statusTopic, SN_QOS, KEEP_ALIVE_SECONDS, SLEEP_SECONDS);
bool connected = false;

// The watchdog only wakes the MCU; its interrupt has nothing to do.
ISR(WDT_vect) {}

// Power-down sleep in 8 s watchdog steps (the longest the watchdog can time).
void sleepFor(uint16_t seconds) {
  digitalWrite(XBEE_SLEEP_PIN, HIGH);
  Serial.flush();
  for (uint16_t slept = 0; slept < seconds; slept += 8) {
    cli();
    MCUSR &= ~_BV(WDRF);
    WDTCSR = _BV(WDCE) | _BV(WDE);
    WDTCSR = _BV(WDIE) | _BV(WDP3) | _BV(WDP0);  // interrupt only, 8 s
    set_sleep_mode(SLEEP_MODE_PWR_DOWN);
    sleep_enable();
    sei();
    sleep_cpu();
    sleep_disable();
  }
  wdt_disable();
  digitalWrite(XBEE_SLEEP_PIN, LOW);
  delay(20);  // the radio needs a moment after SLEEP_RQ falls
}

garden::Readings read() {
  digitalWrite(SENSOR_POWER_PIN, HIGH);
  delay(100);  // sensors settle
  const int32_t moisture = int32_t(MOISTURE_DRY - analogRead(MOISTURE_PIN)) * 100 / (MOISTURE_DRY - MOISTURE_WET);
  // TMP36: 10 mV/°C with 500 mV at 0 °C, so millivolts - 500 is tenths of a degree.
  const int32_t temperatureMv = int32_t(analogRead(TEMPERATURE_PIN)) * 5000 / 1024;
  const uint32_t batteryMv = uint32_t(analogRead(BATTERY_PIN)) * 5000 * 2 / 1024;
  digitalWrite(SENSOR_POWER_PIN, LOW);

  garden::Readings r;
  r.moisture = uint8_t(constrain(moisture, 0, 100));
  r.temperatureTenths = int16_t(temperatureMv - 500);
  r.batteryMillivolts = uint16_t(batteryMv);
  return r;
}

void setup() {
  pinMode(SENSOR_POWER_PIN, OUTPUT);
  pinMode(XBEE_SLEEP_PIN, OUTPUT);
  digitalWrite(XBEE_SLEEP_PIN, LOW);
  Serial.begin(9600);
  garden::statusTopic(statusTopic, SENSOR_ID);
  delay(2000);  // let the XBee join its network
}

void loop() {
  const garden::Readings r = read();
  // A failed wake-up means the gateway forgot us (restart, lost): connect afresh.
  connected = connected ? session.wake(r) : false;
  if (!connected) connected = session.boot(r);
  sleepFor(SLEEP_SECONDS);
}

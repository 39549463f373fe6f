// What the garden sensor publishes and how it prints it; the simulator mirrors this in
// devices/simulator/src/garden/protocol.ts and a test compares the two byte for byte.
#ifndef HEARTH_GARDEN_PROTOCOL_H
#define HEARTH_GARDEN_PROTOCOL_H

#include <stdint.h>
#include <string.h>

namespace garden {

// Predefined topic ids, `garden/<id>/<suffix>`; predefined-topics.csv gives them to the gateway.
const uint16_t TOPIC_MOISTURE = 1;     // garden/<id>/moisture     %
const uint16_t TOPIC_TEMPERATURE = 2;  // garden/<id>/temperature  °C, one decimal
const uint16_t TOPIC_BATTERY = 5;      // garden/<id>/battery      %
const uint16_t TOPIC_STATUS = 6;       // garden/<id>/status       online / offline (will)
// 3 humidity, 4 illuminance, 7 valve, 8 valve/set: simulated sensors only.

// Six AA cells on VIN: 9.0 V fresh, 6.6 V where the Uno's regulator gives up.
const uint16_t BATTERY_EMPTY_MV = 6600;
const uint16_t BATTERY_FULL_MV = 9000;

struct Readings {
  uint8_t moisture;           // %
  int16_t temperatureTenths;  // °C x 10
  uint16_t batteryMillivolts;
};

inline uint8_t batteryPercent(uint16_t millivolts) {
  if (millivolts <= BATTERY_EMPTY_MV) return 0;
  if (millivolts >= BATTERY_FULL_MV) return 100;
  return uint8_t(uint32_t(millivolts - BATTERY_EMPTY_MV) * 100 / (BATTERY_FULL_MV - BATTERY_EMPTY_MV));
}

// Decimal digits of `value` into `out` (NUL-terminated); returns the length.
inline uint8_t formatUint(char* out, uint16_t value) {
  char digits[5];
  uint8_t n = 0;
  do {
    digits[n++] = char('0' + value % 10);
    value /= 10;
  } while (value > 0);
  for (uint8_t i = 0; i < n; i++) out[i] = digits[n - 1 - i];
  out[n] = '\0';
  return n;
}

// Tenths as `21.4`, `-0.5`, `3.0`: integer arithmetic, no printf float support needed on AVR.
inline uint8_t formatTenths(char* out, int16_t tenths) {
  uint8_t n = 0;
  uint16_t magnitude = tenths < 0 ? uint16_t(-int32_t(tenths)) : uint16_t(tenths);
  if (tenths < 0) out[n++] = '-';
  n += formatUint(out + n, magnitude / 10);
  out[n++] = '.';
  out[n++] = char('0' + magnitude % 10);
  out[n] = '\0';
  return n;
}

// `garden/<id>/status`, the will topic; `out` needs strlen(sensorId) + 15 bytes.
inline void statusTopic(char* out, const char* sensorId) {
  strcpy(out, "garden/");
  strcat(out, sensorId);
  strcat(out, "/status");
}

}  // namespace garden

#endif

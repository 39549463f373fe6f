/**
 * Percentages (a cover's or valve's position, a fan's speed) cross the hub boundary as 0-100; a device may use
 * another range (HA position_closed/position_open, speed_range_min/max), given as its numbers for 0 % and 100 %.
 */

export function percentToDevice(percent: number, [zero, full]: readonly [number, number]): number {
  return Math.round(zero + ((full - zero) * percent) / 100);
}

export function percentFromDevice(value: number, [zero, full]: readonly [number, number]): number {
  if (full === zero) return value === full ? 100 : 0;
  return Math.min(100, Math.max(0, Math.round(((value - zero) * 100) / (full - zero))));
}

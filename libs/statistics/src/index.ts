export * from './series.js';
export * from './recorder.js';
export * from './periods.js';
export * from './history.js';
export * from './tariffs.js';
export * from './energy.js';
export * from './errors.js';
export type * from './view.js';
export { ENERGY_PERIODS, METER_ROLES } from './view.js';

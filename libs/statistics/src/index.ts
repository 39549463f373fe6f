export * from './series.js';
export type * from './view.js';
export { ENERGY_PERIODS, METER_ROLES } from './view.js';

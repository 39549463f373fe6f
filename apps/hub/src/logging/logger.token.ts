/** Injection token of the root pino Logger; classes take `.child({ module })` of it. */
export const ROOT_LOGGER = Symbol('RootLogger');

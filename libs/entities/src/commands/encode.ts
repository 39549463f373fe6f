import type { CommandTarget, EntityDefinition } from '../mapping/definition.js';
import { rgbToHs, rgbToXy, type Rgb } from '../values/color.js';
import { brightnessToDevice, colorTempToDevice } from '../values/light.js';
import { entityId } from '../mapping/slug.js';
import { compileTemplate, renderTemplate, toText } from '../values/template.js';

/** What the hub asks of an entity: brightness 0-255, colour temperature in mireds, RGB bytes. */
export interface EntityCommand {
  on?: boolean;
  brightness?: number;
  colorTemp?: number;
  rgb?: readonly [number, number, number];
}

export interface OutgoingMessage {
  topic: string;
  payload: string;
  retain: false;
  qos: 0 | 1;
}

export type EncodeResult = { ok: true; messages: OutgoingMessage[] } | { ok: false; reason: string };

type PlainTarget = Extract<CommandTarget, { format: 'plain' }>;
type JsonTarget = Extract<CommandTarget, { format: 'json' }>;

/** A command with its values checked; `on` is settled (brightness 0 means off, as in HA). */
interface CheckedCommand {
  on: boolean;
  brightness?: number;
  colorTemp?: number;
  rgb?: Rgb;
}

/**
 * Turns a hub command into the MQTT messages the device understands: its own payload_on/off, brightness in its
 * scale, one JSON object for JSON-schema lights. Commands are never retained. Never throws.
 */
export function encodeCommand(def: EntityDefinition, command: EntityCommand): EncodeResult {
  const id = entityId(def.kind, def.objectId);
  if (!def.command) return { ok: false, reason: `${id} has no command topic` };
  const checked = checkCommand(def, command, id);
  if (typeof checked === 'string') return { ok: false, reason: checked };
  return def.command.format === 'json' ? encodeJson(def, def.command, checked) : encodePlain(def, def.command, checked);
}

function checkCommand(def: EntityDefinition, command: EntityCommand, id: string): CheckedCommand | string {
  if (typeof command !== 'object' || command === null) return 'a command must be an object';
  const { on, brightness, colorTemp, rgb } = command;
  if (on !== undefined && typeof on !== 'boolean') return 'on must be true or false';
  if (brightness !== undefined && !(Number.isInteger(brightness) && brightness >= 0 && brightness <= 255)) {
    return 'brightness must be an integer from 0 to 255';
  }
  if (colorTemp !== undefined && !(typeof colorTemp === 'number' && Number.isFinite(colorTemp) && colorTemp > 0)) {
    return 'colorTemp must be a positive number of mireds';
  }
  if (rgb !== undefined && !(Array.isArray(rgb) && rgb.length === 3 && rgb.every((c) => Number.isInteger(c) && c >= 0 && c <= 255))) {
    return 'rgb must be three integers from 0 to 255';
  }
  const features = { brightness, colorTemp, rgb } as const;
  for (const feature of ['brightness', 'colorTemp', 'rgb'] as const) {
    if (features[feature] !== undefined && !def.supports[feature]) return `${id} does not support ${FEATURE_NAMES[feature]}`;
  }
  const hasFeature = brightness !== undefined || colorTemp !== undefined || rgb !== undefined;
  if (on === undefined && !hasFeature) return 'the command sets nothing';
  if (on === false && hasFeature) return 'a command cannot turn the light off and set brightness or colour';
  if (brightness === 0) return colorTemp !== undefined || rgb !== undefined ? 'brightness 0 turns the light off; leave out the colour' : { on: false };
  return { on: on ?? true, brightness, colorTemp, rgb: rgb && [rgb[0], rgb[1], rgb[2]] };
}

const FEATURE_NAMES = { brightness: 'brightness', colorTemp: 'colour temperature', rgb: 'RGB colour' } as const;

function encodePlain(def: EntityDefinition, target: PlainTarget, command: CheckedCommand): EncodeResult {
  const message = (topic: string, payload: string): OutgoingMessage => ({ topic, payload, retain: false, qos: target.qos ?? 0 });
  const templates = target.templates ?? {};
  const power = shape(templates.command, command.on ? target.payloadOn : target.payloadOff, {});
  if (!power.ok) return power;
  if (!command.on) return { ok: true, messages: [message(target.topic, power.payload)] };

  const features: OutgoingMessage[] = [];
  if (command.brightness !== undefined && target.brightnessTopic) {
    const shaped = shape(templates.brightness, brightnessToDevice(command.brightness, def.brightnessScale ?? 255), {});
    if (!shaped.ok) return shaped;
    features.push(message(target.brightnessTopic, shaped.payload));
  }
  if (command.colorTemp !== undefined && target.colorTempTopic) {
    const shaped = shape(templates.colorTemp, colorTempToDevice(command.colorTemp, def.colorTempUnit), {});
    if (!shaped.ok) return shaped;
    features.push(message(target.colorTempTopic, shaped.payload));
  }
  if (command.rgb !== undefined && target.rgbTopic) {
    const [red, green, blue] = command.rgb;
    const shaped = shape(templates.rgb, command.rgb.join(','), { red, green, blue });
    if (!shaped.ok) return shaped;
    features.push(message(target.rgbTopic, shaped.payload));
  }
  const onMessage = message(target.topic, power.payload);
  if (features.length === 0) return { ok: true, messages: [onMessage] };
  switch (target.onCommandType ?? 'last') {
    case 'first':
      return { ok: true, messages: [onMessage, ...features] };
    case 'last':
      return { ok: true, messages: [...features, onMessage] };
    case 'brightness':
      // Such devices (Tasmota dimmers) switch on with the brightness; other features still go out.
      return { ok: true, messages: command.brightness !== undefined ? features : [...features, onMessage] };
  }
}

/** The payload itself, or rendered through the device's command template with it as `value`. */
function shape(template: string | undefined, value: string | number, extra: Record<string, unknown>): { ok: true; payload: string } | { ok: false; reason: string } {
  if (template === undefined) return { ok: true, payload: toText(value) };
  const compiled = compileTemplate(template, ['value', ...Object.keys(extra)]);
  if (!compiled.ok) return { ok: false, reason: `command template: ${compiled.error.message}` };
  const rendered = renderTemplate(compiled.template, { value, ...extra });
  return rendered.ok ? { ok: true, payload: toText(rendered.value) } : { ok: false, reason: `command template: ${rendered.reason}` };
}

function encodeJson(def: EntityDefinition, target: JsonTarget, command: CheckedCommand): EncodeResult {
  const body: Record<string, unknown> = { state: command.on ? 'ON' : 'OFF' };
  if (command.brightness !== undefined) body.brightness = brightnessToDevice(command.brightness, def.brightnessScale ?? 255);
  if (command.colorTemp !== undefined) body.color_temp = colorTempToDevice(command.colorTemp, def.colorTempUnit);
  if (command.rgb !== undefined) {
    const mode = target.colorMode ?? 'rgb';
    const [r, g, b] = command.rgb;
    body.color = mode === 'hs' ? rgbToHs(command.rgb) : mode === 'xy' ? rgbToXy(command.rgb) : { r, g, b };
  }
  return { ok: true, messages: [{ topic: target.topic, payload: JSON.stringify(body), retain: false, qos: target.qos ?? 0 }] };
}

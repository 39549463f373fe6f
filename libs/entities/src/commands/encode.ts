import { KIND_FEATURES, type CommandTarget, type Control, type ControlFeature, type EntityDefinition } from '../mapping/definition.js';
import { commandProblems, describeFeatures, type EntityCommand } from './check.js';

export type { EntityCommand } from './check.js';
import { percentToDevice } from '../values/percent.js';
import { rgbToHs, rgbToXy, type Rgb } from '../values/color.js';
import { brightnessToDevice, colorTempToDevice } from '../values/light.js';
import { entityId } from '../mapping/slug.js';
import { compileTemplate, renderTemplate, toText } from '../values/template.js';

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
 * scale, one JSON object for JSON-schema lights, a position in the cover's range, a select's option. Commands
 * are never retained. Never throws.
 */
export function encodeCommand(def: EntityDefinition, command: EntityCommand): EncodeResult {
  const id = entityId(def.kind, def.objectId);
  if (KIND_FEATURES[def.kind].length === 0 || (!def.command && !def.controls)) return { ok: false, reason: `${id} has no command topic` };
  const problem = commandProblems(command, def.kind)[0];
  if (problem?.unsupported) return { ok: false, reason: `${id} does not support ${problem.feature}; it takes ${describeFeatures(def.kind)}` };
  if (problem) return { ok: false, reason: problem.feature ? `${problem.feature} ${problem.message}` : problem.message };
  // A fan at 0 % is a fan switched off, as in HA (its speed range starts above 0).
  if (def.kind === 'fan' && command.percentage === 0) return encodeCommand(def, { ...command, percentage: undefined, on: false });
  const { on, brightness, colorTemp, rgb, ...controlled } = command;
  const messages: OutgoingMessage[] = [];
  if (on !== undefined || brightness !== undefined || colorTemp !== undefined || rgb !== undefined) {
    if (!def.command) return { ok: false, reason: `${id} cannot be switched on or off` };
    const checked = checkLight(def, { on, brightness, colorTemp, rgb }, id);
    if (typeof checked === 'string') return { ok: false, reason: checked };
    const encoded = def.command.format === 'json' ? encodeJson(def, def.command, checked) : encodePlain(def, def.command, checked);
    if (!encoded.ok) return encoded;
    messages.push(...encoded.messages);
  }
  for (const [feature, value] of Object.entries(controlled) as Array<[ControlFeature, unknown]>) {
    if (value === undefined) continue;
    const control = def.controls?.[feature];
    if (!control) return { ok: false, reason: `${id} does not support ${feature}` };
    const encoded = encodeControl(control, value as ControlValue);
    if (typeof encoded === 'string') return { ok: false, reason: `${feature} ${encoded}` };
    messages.push(encoded);
  }
  return { ok: true, messages };
}

type ControlValue = string | number | boolean;

/** One control's message: the device's payload for true/false, or the value in the device's range or choices. */
function encodeControl(control: Control, value: ControlValue): OutgoingMessage | string {
  let payload: string | number;
  if (typeof value === 'boolean') {
    const fixed = control.payloads?.[value ? 'true' : 'false'];
    if (fixed === undefined) return `${String(value)} is not supported by this device`;
    payload = fixed;
  } else if (typeof value === 'number') {
    if (control.options) return `must be one of ${control.options.join(', ')}`;
    if ((control.min !== undefined && value < control.min) || (control.max !== undefined && value > control.max)) {
      return `must be from ${control.min ?? '-∞'} to ${control.max ?? '∞'}`;
    }
    payload = control.deviceRange ? percentToDevice(value, control.deviceRange) : value;
  } else {
    if (control.options && !control.options.includes(value)) return `must be one of ${control.options.join(', ')}`;
    if (!control.options && (control.min !== undefined || control.max !== undefined)) return 'must be a number';
    payload = value;
  }
  const shaped = shape(control.template, payload, {});
  if (!shaped.ok) return shaped.reason;
  return { topic: control.topic, payload: shaped.payload, retain: false, qos: control.qos ?? 0 };
}

function checkLight(def: EntityDefinition, command: Pick<EntityCommand, 'on' | 'brightness' | 'colorTemp' | 'rgb'>, id: string): CheckedCommand | string {
  const { on, brightness, colorTemp, rgb } = command;
  const features = { brightness, colorTemp, rgb } as const;
  for (const feature of ['brightness', 'colorTemp', 'rgb'] as const) {
    if (features[feature] !== undefined && !def.supports[feature]) return `${id} does not support ${FEATURE_NAMES[feature]}`;
  }
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

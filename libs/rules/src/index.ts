/**
 * Automation rules: a JSON format, its strict parser, and an engine that runs rules through injected ports.
 * Framework-free; the hub's RulesModule only stores rules, feeds the engine and carries out what it asks.
 *
 * A rule (the full reference with examples is docs/rules.md):
 *
 * ```json
 * {
 *   "name": "Hall light on motion after sunset",
 *   "enabled": true,
 *   "mode": "restart",
 *   "triggers": [{ "type": "state", "entityId": "binary_sensor.hall_motion", "to": "on" }],
 *   "conditions": [{ "type": "sun", "after": "sunset", "afterOffset": "-30m" }],
 *   "actions": [
 *     { "type": "command", "entityId": "light.hall", "command": { "on": true, "brightness": 128 } },
 *     { "type": "delay", "duration": "5m" },
 *     { "type": "command", "entityId": "light.hall", "command": { "on": false } }
 *   ]
 * }
 * ```
 *
 * - `enabled` (default true), `mode` (`single` default, `restart`, `queued`, `parallel`), `description`.
 * - Triggers, any of which starts a run: `state` (entityId, from?, to?, for?), `threshold` (entityId,
 *   attribute?, above?/below?, for?), `mqtt` (topic filter with + and #, payload?), `time` (`at` "HH:MM" with
 *   weekdays?, or a 5-field `cron`), `sun` (event sunrise|sunset, offset?), `offline` (deviceId or entityId, for?).
 * - Conditions, all of which must hold: `state` (entityId, equals or in), `numeric` (entityId, attribute?,
 *   above?/below?), `time` (after?, before?, weekdays?), `sun` (after?/before? sunrise|sunset, with offsets),
 *   `and`/`or`/`not` (conditions).
 * - Actions, in order: `command` (entityId, command {on, brightness, colorTemp, rgb}), `publish` (topic,
 *   payload, qos, retain), `notify` (message, title?), `log` (message, level?), `delay` (duration), `if`
 *   (conditions, then, else?). A failing action ends the run unless it says `continueOnError`.
 * - Durations: "90s", "5m", "1h30m", "2d"; offsets may be negative ("-30m"). Times are local to the house.
 * - Payloads and messages are templates (@hearth/entities' safe subset of Jinja): `{{ trigger.to }}`,
 *   `{{ trigger.payload_json.action }}`.
 *
 * `parseRule(json)` checks everything (unknown keys, limits in RULE_LIMITS) and answers errors with paths
 * (`triggers[0].entityId: required`); it never throws. `new RuleEngine(ports)` then takes the parsed rules
 * (`setRule`), is fed `stateChanged`, `mqttMessage` and `availabilityChanged`, and hands a trace of every
 * run to `ports.onTrace`.
 */
export * from './format.js';
export { parseRule, RULE_LIMITS, type ParseRuleResult, type Rule, type RuleError } from './parse.js';
export { missingReferences, referencesOf, ruleReferences, type RuleReference } from './references.js';
export { RuleEngine, type EngineOptions, type EntitySnapshot, type Location, type LogLevel, type RulePorts, type StartResult } from './engine.js';

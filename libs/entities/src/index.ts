export * from './mapping/definition.js';
export { EntityPipeline } from './pipeline.js';
export type { EntityEvents, EntityLog, EntityPipelinePorts, EntityStore, HistoryPoint, HistoryStore, MqttMessage, PublishOptions, SavedEntities, StatisticsPort } from './ports.js';
export { CommandRefused, EntityNotFound, HistoryRefused } from './errors.js';
export type { HistoryQuery } from './history/entity-history.js';
export { attributeSeriesKey, recordedSeries, type RecordedSeries } from './history/recorded-series.js';
export type { Entity } from './mapping/registry.js';
export type { EntityMapperOptions } from './mapping/entity-mapper.js';
export type { Device, EntityState } from './state/entity-states.js';
export type * from './view.js';
export { HISTORY_RESOLUTIONS } from './view.js';
export { ABBREVIATIONS, DEVICE_ABBREVIATIONS, ORIGIN_ABBREVIATIONS } from './mapping/ha-abbreviations.js';
export { encodeCommand, type EncodeResult, type OutgoingMessage } from './commands/encode.js';
export { commandProblems, describeFeatures, isEntityKind, type CommandProblem, type EntityCommand } from './commands/check.js';
export { hsToRgb, rgbToHs, rgbToXy, xyToRgb, type Rgb } from './values/color.js';
export { checkExtractor, extractValue, parseJsonPath, type ExtractResult, type JsonPath, type JsonPathResult } from './values/extract.js';
export { expandAbbreviations, parseDiscovery, type DiscoveryResult } from './mapping/ha-discovery.js';
export { HomieCollector, type HomieEvent } from './mapping/homie.js';
export { LIGHT_ATTRIBUTES } from './values/light.js';
export {
  DEVICE_PLACEHOLDER,
  loadProfiles,
  parseProfile,
  profileDefinitions,
  type DeviceProfile,
  type ParseProfileResult,
  type ProfileEntity,
  type ProfileError,
} from './mapping/profiles.js';
export { entityId, slugify, uniqueEntityId } from './mapping/slug.js';
export { decodeState, type DecodeStateResult, type EntityStateValue, type StateUpdate } from './state/decode.js';
export {
  compileTemplate,
  renderTemplate,
  toText,
  DEFAULT_TEMPLATE_VARIABLES,
  type CompiledTemplate,
  type CompileResult,
  type RenderResult,
  type TemplateError,
  type TemplateErrorCode,
} from './values/template.js';

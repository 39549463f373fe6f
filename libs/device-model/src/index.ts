export * from './definition.js';
export { ABBREVIATIONS, DEVICE_ABBREVIATIONS, ORIGIN_ABBREVIATIONS } from './ha-abbreviations.js';
export { encodeCommand, type EncodeResult, type EntityCommand, type OutgoingMessage } from './command.js';
export { hsToRgb, rgbToHs, rgbToXy, xyToRgb, type Rgb } from './color.js';
export { checkExtractor, extractValue, parseJsonPath, type ExtractResult, type JsonPath, type JsonPathResult } from './extract.js';
export { expandAbbreviations, parseDiscovery, type DiscoveryResult } from './ha-discovery.js';
export { HomieCollector, type HomieEvent } from './homie.js';
export { LIGHT_ATTRIBUTES } from './light.js';
export {
  DEVICE_PLACEHOLDER,
  loadProfiles,
  matchProfile,
  parseProfile,
  profileDefinitions,
  type DeviceProfile,
  type ParseProfileResult,
  type ProfileEntity,
  type ProfileError,
  type ProfileMatch,
} from './profiles.js';
export { entityId, slugify, uniqueEntityId } from './slug.js';
export { decodeState, type DecodeStateResult, type EntityStateValue, type StateUpdate } from './state.js';
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
} from './template.js';
export { topicMatches } from './topic.js';

// Public entry points of the OTLP wire decoders (protobuf and OTLP/JSON) and
// of the attribute conversions that export uses.

export {
  decodeLogsJson,
  decodeTracesJson,
  quoteLongIntegers,
  summarizeMetricsJson,
} from './decode-json'
export { decodeLogsProto, decodeTracesProto, summarizeMetricsProto } from './decode-proto'
export { MAX_ANY_VALUE_DEPTH, toOtlpJsonAnyValue, toOtlpJsonKeyValues } from './attributes'
export type { OtlpJsonKeyValue } from './attributes'
export { OtlpDecodeError } from './model'
export type * from './model'

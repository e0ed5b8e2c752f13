/**
 * What the YAML parser and the zod schemas say about a policy pack or a calendar file, as catalogue
 * keys: a zh-CN reader reads the problem in Chinese, not the libraries' English. A YAML error code
 * this list does not know is named by its code.
 */
import type { ErrorParams } from '../errors.js';
import type { MessageKey } from '../i18n/catalogue.js';

const YAML_CODES: Record<string, MessageKey> = {
  ALIAS_PROPS: 'detail.yamlAliasProps',
  BAD_ALIAS: 'detail.yamlBadAlias',
  BAD_DIRECTIVE: 'detail.yamlBadDirective',
  BAD_DQ_ESCAPE: 'detail.yamlBadEscape',
  BAD_INDENT: 'detail.yamlBadIndent',
  BAD_PROP_ORDER: 'detail.yamlBadPropOrder',
  BAD_SCALAR_START: 'detail.yamlBadScalarStart',
  BLOCK_AS_IMPLICIT_KEY: 'detail.yamlBlockAsKey',
  BLOCK_IN_FLOW: 'detail.yamlBlockInFlow',
  DUPLICATE_KEY: 'detail.yamlDuplicateKey',
  KEY_OVER_1024_CHARS: 'detail.yamlLongKey',
  MISSING_CHAR: 'detail.yamlMissingChar',
  MULTILINE_IMPLICIT_KEY: 'detail.yamlMultilineKey',
  MULTIPLE_ANCHORS: 'detail.yamlMultipleAnchors',
  MULTIPLE_DOCS: 'detail.yamlMultipleDocs',
  MULTIPLE_TAGS: 'detail.yamlMultipleTags',
  NON_STRING_KEY: 'detail.yamlNonStringKey',
  RESOURCE_EXHAUSTION: 'detail.yamlAliases',
  TAB_AS_INDENT: 'detail.yamlTabIndent',
  TAG_RESOLVE_FAILED: 'detail.yamlUnknownTag',
  UNEXPECTED_TOKEN: 'detail.yamlUnexpected',
  BAD_COLLECTION_TYPE: 'detail.yamlBadCollection',
};

/** A parse error of the yaml package as a catalogue key, with the parameters it needs. */
export function yamlProblem(error: { code?: string }): { key: MessageKey; params: ErrorParams } {
  const key = error.code === undefined ? undefined : YAML_CODES[error.code];
  return key ? { key, params: {} } : { key: 'detail.yamlOther', params: { code: error.code ?? '?' } };
}

/** What `doc.toJS` throws: only the alias cap (a few bytes of nested aliases expand to billions of nodes) is expected. */
export function yamlBuildProblem(error: unknown): { key: MessageKey; params: ErrorParams } {
  return /alias/i.test(error instanceof Error ? error.message : String(error)) ? { key: 'detail.yamlAliases', params: {} } : { key: 'detail.yamlOther', params: { code: 'toJS' } };
}

const TYPES: Record<string, string> = { number: 'what.typeNumber', string: 'what.typeString', array: 'what.typeList', object: 'what.typeMapping', boolean: 'what.typeBoolean', int: 'what.typeInteger' };

/** A zod issue as a catalogue key and its parameters. */
export function schemaProblem(issue: { code: string; [k: string]: unknown }): { problem: MessageKey; params: ErrorParams } {
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined ? { problem: 'detail.policyMissing', params: {} } : { problem: 'detail.policyType', params: { expected: TYPES[String(issue.expected)] ?? String(issue.expected) } };
    case 'too_small':
      return { problem: issue.origin === 'string' ? 'detail.schemaTooShort' : issue.origin === 'array' ? 'detail.schemaTooFew' : 'detail.policyTooSmall', params: { limit: String(issue.minimum) } };
    case 'too_big':
      return { problem: issue.origin === 'string' ? 'detail.schemaTooLong' : issue.origin === 'array' ? 'detail.schemaTooMany' : 'detail.policyTooBig', params: { limit: String(issue.maximum) } };
    case 'invalid_value':
      return { problem: 'detail.policyEnum', params: { values: ((issue.values as unknown[]) ?? []).map(String).join(', ') } };
    case 'invalid_key':
    case 'invalid_format':
      return { problem: 'detail.policyFormat', params: {} };
    case 'unrecognized_keys':
      return { problem: 'detail.schemaUnknownKeys', params: { keys: ((issue.keys as unknown[]) ?? []).map(String).join(', ') } };
    default:
      return { problem: 'detail.schemaOther', params: { code: issue.code } };
  }
}

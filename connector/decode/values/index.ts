export type { Converter, ValueOptions } from './types';
export { makeConverter, unavailablePlaceholder, UNAVAILABLE_VALUE_PLACEHOLDER } from './convert';
export { Oid, ARRAY_ELEMENT } from './oids';

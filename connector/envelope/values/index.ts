export type { Converter, ValueOptions } from './types';
export { makeConverter, unavailablePlaceholder, isDroppedType, notNullFallback, UNAVAILABLE_VALUE_PLACEHOLDER } from './convert';
export { Oid, ARRAY_ELEMENT } from './oids';

/**
 * `{}` or an object equal to it for a params schema and claims(): no own keys of any kind
 * (symbols and non-enumerable ones included) and the ordinary prototype. The loader explores
 * the claims of such parameters once per step type instead of once per step.
 */
export function isEmptyPlainObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype && Reflect.ownKeys(value).length === 0;
}

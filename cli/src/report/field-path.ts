/**
 * A JSON pointer as the path a person reads in their file: `/steps/2/parameters/args` →
 * `steps[2].parameters.args`; keys that are not identifiers are quoted (`env["MY-VAR"]`).
 * '' (the document itself) gives ''.
 */
export function fieldPath(pointer: string): string {
  if (pointer === '') return '';
  let out = '';
  for (const raw of pointer.slice(1).split('/')) {
    const token = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (/^(0|[1-9][0-9]*)$/.test(token)) out += `[${token}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(token)) out += out === '' ? token : `.${token}`;
    else out += `[${JSON.stringify(token)}]`;
  }
  return out;
}

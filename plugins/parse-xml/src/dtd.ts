/**
 * Finds a DTD declaration (`<!DOCTYPE`, `<!ENTITY`, `<!ELEMENT`, `<!ATTLIST`, `<!NOTATION`)
 * outside comments, CDATA sections and processing instructions. A document holding one is
 * refused before any parser sees it: no DTD means no entity definitions, so neither
 * external entities (XXE) nor entity expansion (billion laughs) can happen.
 */

/** Where a declaration starts and which one it is. */
export interface Declaration {
  offset: number;
  kind: string;
}

const DECLARATION = /^<!(DOCTYPE|ENTITY|ELEMENT|ATTLIST|NOTATION)\b/i;

/** The first DTD declaration in `text`, or null. */
export function findDeclaration(text: string): Declaration | null {
  let i = text.indexOf('<');
  while (i !== -1) {
    if (text.startsWith('<!--', i)) {
      const end = text.indexOf('-->', i + 4);
      if (end === -1) return null;
      i = text.indexOf('<', end + 3);
      continue;
    }
    if (text.startsWith('<![CDATA[', i)) {
      const end = text.indexOf(']]>', i + 9);
      if (end === -1) return null;
      i = text.indexOf('<', end + 3);
      continue;
    }
    if (text.startsWith('<?', i)) {
      const end = text.indexOf('?>', i + 2);
      if (end === -1) return null;
      i = text.indexOf('<', end + 2);
      continue;
    }
    const m = DECLARATION.exec(text.slice(i, i + 12));
    if (m) return { offset: i, kind: m[1]!.toUpperCase() };
    i = text.indexOf('<', i + 1);
  }
  return null;
}

/** 1-based line and column of a UTF-16 offset. */
export function positionOf(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const lines = before.split('\n');
  return { line: lines.length, column: (lines[lines.length - 1]?.length ?? 0) + 1 };
}

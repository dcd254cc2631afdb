/** Template scanning and resolution (`${{ steps.x.outputs.y }}`, `${{ vars.n }}`, `${{ env.N }}`). */
export { parseExpression, splitTemplate } from './grammar.ts';
export type { TemplateRef, Segment } from './grammar.ts';
export { scanTemplates, containsTemplate, escapePointerToken } from './scan.ts';
export type { TemplateOccurrence, TemplateSyntaxProblem } from './scan.ts';
export { resolveTemplates } from './resolve.ts';
export type { TemplateScope } from './resolve.ts';

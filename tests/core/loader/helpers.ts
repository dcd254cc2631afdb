import { Type, type TSchema } from '@sinclair/typebox';
import { fileURLToPath } from 'node:url';
import { definePlugin, type DefinedPlugin, type StepTypeLookup } from '../../../core/src/index.ts';

/** The first-party step types of issue 3. */
export const FIRST_PARTY = ['noop', 'create_file', 'read_file', 'edit_file', 'delete_file', 'copy_file', 'move_file', 'list_directory', 'command'];

/** A minimal plugin: open parameters, open outputs unless given. */
export function fakePlugin(type: string, schemas: { params?: TSchema; outputs?: TSchema } = {}): DefinedPlugin {
  return definePlugin({
    type,
    description: `fake ${type}`,
    params: schemas.params ?? Type.Object({}, { additionalProperties: true }),
    outputs: schemas.outputs ?? Type.Object({}, { additionalProperties: true }),
    capabilities: [],
    effect: 'pure',
    run: async () => ({}),
  }) as unknown as DefinedPlugin;
}

/** A Map-backed StepTypeLookup, as the registry contract allows. */
export function fakeRegistry(plugins: DefinedPlugin[] = FIRST_PARTY.map((t) => fakePlugin(t))): StepTypeLookup {
  const map = new Map(plugins.map((p) => [p.type, { definition: p }] as const));
  return {
    get: (type) => map.get(type),
    has: (type) => map.has(type),
    types: () => [...map.keys()].sort(),
  };
}

/** Absolute path of a file under fixtures/. */
export function fixture(path: string): string {
  return fileURLToPath(new URL(`../../../fixtures/${path}`, import.meta.url));
}

/** The RustChain corpus, beside the clone in ../shared (as in CI). */
export const CORPUS_DIR = fileURLToPath(new URL('../../../../shared/corpus/rustchain-missions/', import.meta.url));

import { PluginError, type StepContext } from '@rustchain/core/plugin';

/**
 * `settings.llm` from rustchain.config, checked by hand (settings are the plugin's to read):
 *
 *     settings: { llm: {
 *       default_provider: 'openai', default_model: 'gpt-4o-mini',
 *       providers: { local: { kind: 'openai', base_url: 'http://127.0.0.1:8080/v1', api_key_env: 'LOCAL_LLM_KEY', model: 'llama3' } },
 *       prices: { 'gpt-4o-mini': { input: 0.15, output: 0.6 } },   // per million tokens
 *     } }
 */

/** One configured provider. */
interface ProviderSettings {
  /** Wire protocol: `openai` (Chat Completions) or `anthropic` (Messages). Default: the built-in provider's, else `openai`. */
  kind?: 'openai' | 'anthropic';
  base_url?: string;
  /** The environment variable holding the key (read through ctx.env, so the env policy applies). */
  api_key_env?: string;
  /** Default chat model of this provider. */
  model?: string;
  /** Default embeddings model of this provider. */
  embedding_model?: string;
}

/** Price of one model, per million tokens. */
interface ModelPrice {
  input: number;
  output: number;
}

/** The `settings.llm` namespace. */
export interface LlmSettings {
  default_provider?: string;
  default_model?: string;
  providers: Record<string, ProviderSettings>;
  prices: Record<string, ModelPrice>;
}

function invalid(pointer: string, expected: string): PluginError {
  return new PluginError('E_CONFIG_INVALID', `settings.llm${pointer} must be ${expected}`, { details: { pointer: `/settings/llm${pointer}` }, nonRetryable: true });
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function optionalString(obj: Record<string, unknown>, key: string, at: string): string | undefined {
  const v = obj[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v === '') throw invalid(`${at}/${key}`, 'a non-empty string');
  return v;
}

/** Reads and checks settings.llm (empty when absent); E_CONFIG_INVALID on a wrong shape. */
export function llmSettings(ctx: Pick<StepContext, 'settings'>): LlmSettings {
  const raw = ctx.settings('llm');
  if (raw === undefined) return { providers: {}, prices: {} };
  if (!isObject(raw)) throw invalid('', 'an object');
  const out: LlmSettings = { providers: {}, prices: {} };
  const defaultProvider = optionalString(raw, 'default_provider', '');
  if (defaultProvider !== undefined) out.default_provider = defaultProvider;
  const defaultModel = optionalString(raw, 'default_model', '');
  if (defaultModel !== undefined) out.default_model = defaultModel;
  const providers = raw['providers'] ?? {};
  if (!isObject(providers)) throw invalid('/providers', 'an object of provider settings');
  for (const [name, p] of Object.entries(providers)) {
    const at = `/providers/${name}`;
    if (!isObject(p)) throw invalid(at, 'an object');
    const entry: ProviderSettings = {};
    const kind = p['kind'];
    if (kind !== undefined) {
      if (kind !== 'openai' && kind !== 'anthropic') throw invalid(`${at}/kind`, '"openai" or "anthropic"');
      entry.kind = kind;
    }
    for (const key of ['base_url', 'api_key_env', 'model', 'embedding_model'] as const) {
      const v = optionalString(p, key, at);
      if (v !== undefined) entry[key] = v;
    }
    out.providers[name] = entry;
  }
  const prices = raw['prices'] ?? {};
  if (!isObject(prices)) throw invalid('/prices', 'an object of model prices');
  for (const [model, price] of Object.entries(prices)) {
    const ok = isObject(price) && typeof price['input'] === 'number' && typeof price['output'] === 'number' && price['input'] >= 0 && price['output'] >= 0;
    if (!ok) throw invalid(`/prices/${model}`, '{ input, output } prices per million tokens (numbers >= 0)');
    out.prices[model] = { input: price['input'] as number, output: price['output'] as number };
  }
  return out;
}

/** The cost of `usage` for `model`, or undefined without a price. */
export function costOf(settings: LlmSettings, model: string, usage: { input_tokens: number; output_tokens?: number }): number | undefined {
  const price = settings.prices[model];
  if (price === undefined) return undefined;
  return (usage.input_tokens * price.input + (usage.output_tokens ?? 0) * price.output) / 1_000_000;
}

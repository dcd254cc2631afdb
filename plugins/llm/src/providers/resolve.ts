import { isRustchainError, PluginError, type StepContext } from '@rustchain/core/plugin';
import { llmSettings, type LlmSettings } from './settings.ts';
import type { ProviderSelection } from './types.ts';

/** A built-in provider: its wire protocol and defaults. */
interface BuiltIn {
  kind: 'openai' | 'anthropic';
  baseUrl: string;
  /** Environment variable that may override the base URL. */
  baseUrlEnv?: string;
  keyEnv?: string;
  /** The hosted API needs a key; a local server (or any other base URL) does not. */
  keyRequired: boolean;
  model: string;
  embeddingModel?: string;
}

/** The built-in providers; `claude` is the original's name for Anthropic. */
const BUILT_IN_PROVIDERS: Readonly<Record<string, BuiltIn>> = {
  openai: { kind: 'openai', baseUrl: 'https://api.openai.com/v1', baseUrlEnv: 'OPENAI_BASE_URL', keyEnv: 'OPENAI_API_KEY', keyRequired: true, model: 'gpt-4o-mini', embeddingModel: 'text-embedding-3-small' },
  anthropic: { kind: 'anthropic', baseUrl: 'https://api.anthropic.com', baseUrlEnv: 'ANTHROPIC_BASE_URL', keyEnv: 'ANTHROPIC_API_KEY', keyRequired: true, model: 'claude-3-5-haiku-latest' },
  ollama: { kind: 'openai', baseUrl: 'http://127.0.0.1:11434/v1', keyRequired: false, model: 'llama3.2', embeddingModel: 'nomic-embed-text' },
  shimmy: { kind: 'openai', baseUrl: 'http://127.0.0.1:11435/v1', keyRequired: false, model: 'default' },
};

const ALIASES: Readonly<Record<string, string>> = { claude: 'anthropic' };

/** Everything needed to call one provider. */
export interface Endpoint {
  /** Provider name after aliases. */
  name: string;
  kind: 'openai' | 'anthropic';
  baseUrl: string;
  /** Undefined for a keyless local server. */
  apiKey: string | undefined;
  model: string;
  embeddingModel: string | undefined;
  timeoutMs: number;
  maxRetries: number;
  settings: LlmSettings;
}

/** Reads a key variable: its value joins the run's secrets (redacted everywhere, whatever its name). */
function readKey(ctx: Pick<StepContext, 'env'>, name: string): string | undefined {
  return ctx.env.secret === undefined ? ctx.env.get(name) : ctx.env.secret(name);
}

/** Reads an optional variable: a policy refusal counts as unset (the step did not need it). */
function optionalEnv(ctx: Pick<StepContext, 'env'>, name: string, read: typeof readKey = (c, n) => c.env.get(n)): string | undefined {
  try {
    const value = read(ctx, name);
    return value === '' ? undefined : value;
  } catch (err) {
    if (isRustchainError(err) && err.code === 'E_POLICY_ENV_DENIED') return undefined;
    throw err;
  }
}

/** The provider name a step means: its own, else settings.llm.default_provider, else `openai`. */
function providerName(provider: string | undefined, settings: LlmSettings): string {
  const name = (provider ?? settings.default_provider ?? 'openai').toLowerCase();
  return ALIASES[name] ?? name;
}

/**
 * Resolves provider, base URL, key and model. Order: the call's own value, then
 * settings.llm.providers.<name>, then the environment (OPENAI_BASE_URL / ANTHROPIC_BASE_URL),
 * then the built-in default. The key comes from `api_key_env` or the conventional variable,
 * always through ctx.env (the env policy applies).
 */
export function resolveEndpoint(ctx: Pick<StepContext, 'env' | 'settings'>, selection: ProviderSelection, purpose: 'chat' | 'embed' = 'chat'): Endpoint {
  const settings = llmSettings(ctx);
  const name = providerName(selection.provider, settings);
  const builtIn = BUILT_IN_PROVIDERS[name];
  const configured = settings.providers[name];
  if (builtIn === undefined && configured === undefined) {
    throw new PluginError('E_LLM_PROVIDER_UNKNOWN', `unknown LLM provider "${name}": use ${Object.keys(BUILT_IN_PROVIDERS).join(', ')}, claude, or declare it under settings.llm.providers`, {
      details: { provider: name, known: [...Object.keys(BUILT_IN_PROVIDERS), ...Object.keys(settings.providers)] },
      nonRetryable: true,
    });
  }
  const kind = configured?.kind ?? builtIn?.kind ?? 'openai';
  const envBase = builtIn?.baseUrlEnv === undefined ? undefined : optionalEnv(ctx, builtIn.baseUrlEnv);
  const baseUrl = selection.base_url ?? configured?.base_url ?? envBase ?? builtIn?.baseUrl;
  if (baseUrl === undefined) {
    throw new PluginError('E_LLM_PROVIDER_UNKNOWN', `provider "${name}" has no base_url: set it on the step or in settings.llm.providers.${name}.base_url`, { details: { provider: name }, nonRetryable: true });
  }
  const keyEnv = configured?.api_key_env ?? builtIn?.keyEnv;
  const hosted = builtIn !== undefined && builtIn.keyRequired && baseUrl === builtIn.baseUrl;
  const keyRequired = hosted || configured?.api_key_env !== undefined;
  let apiKey: string | undefined;
  if (keyEnv !== undefined) {
    // A required key's refusal is the policy's to report (E_POLICY_ENV_DENIED names the flag).
    apiKey = keyRequired ? readKey(ctx, keyEnv) : optionalEnv(ctx, keyEnv, readKey);
    if (apiKey === '') apiKey = undefined;
  }
  if (keyRequired && apiKey === undefined) {
    throw new PluginError('E_LLM_NO_API_KEY', `provider "${name}" needs an API key: set ${keyEnv ?? 'its key variable'} (and allow it with --allow-env)`, {
      details: { provider: name, ...(keyEnv === undefined ? {} : { env: keyEnv }) },
      nonRetryable: true,
    });
  }
  // default_model belongs to the default provider: a step naming another provider gets that one's default.
  const isDefaultProvider = selection.provider === undefined || name === providerName(undefined, settings);
  const model = selection.model ?? configured?.model ?? (isDefaultProvider ? settings.default_model : undefined) ?? builtIn?.model;
  if (model === undefined && purpose === 'chat') {
    throw new PluginError('E_LLM_PROVIDER_UNKNOWN', `provider "${name}" has no default model: set \`model\` on the step or settings.llm.providers.${name}.model`, { details: { provider: name }, nonRetryable: true });
  }
  return {
    name, kind, baseUrl: baseUrl.replace(/\/+$/, ''), apiKey,
    model: model ?? '',
    embeddingModel: selection.model ?? configured?.embedding_model ?? builtIn?.embeddingModel,
    timeoutMs: selection.timeout_ms ?? 120_000,
    maxRetries: selection.max_retries ?? 2,
    settings,
  };
}

import type { ExecSession } from '@rustchain/core/plugin';
import { ReadBuffer, serializeMessage } from '@modelcontextprotocol/sdk/shared/stdio.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

/**
 * The MCP stdio transport (newline-delimited JSON-RPC) over a process opened with
 * ctx.exec.open, so the server's command goes through the policy like any `command` step,
 * never around it (the SDK's own StdioClientTransport spawns by itself).
 */
export class SessionTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  private session: ExecSession | undefined;
  private readonly buffer = new ReadBuffer();

  constructor(private readonly open: () => Promise<ExecSession>) {}

  async start(): Promise<void> {
    const session = await this.open();
    this.session = session;
    session.onOutput((chunk) => {
      this.buffer.append(Buffer.from(chunk, 'utf8'));
      for (;;) {
        let message: JSONRPCMessage | null;
        try {
          message = this.buffer.readMessage();
        } catch (error) {
          this.onerror?.(error as Error);
          continue;
        }
        if (message === null) break;
        this.onmessage?.(message);
      }
    });
    void session.exited.then(() => this.onclose?.());
  }

  async send(message: JSONRPCMessage): Promise<void> {
    if (this.session === undefined) throw new Error('the MCP stdio session is not started');
    this.session.write(serializeMessage(message));
  }

  async close(): Promise<void> {
    this.buffer.clear();
    await this.session?.close();
  }

  /** What the server wrote to stderr (for error messages). */
  stderr(): string {
    return this.session?.stderr() ?? '';
  }
}

/**
 * A benchmark server in its own process: `node --import tsx bench/http/server.ts <framework>
 * <variant>`. Started by the cost harness (pinned with taskset); tells its parent the port and the
 * `Authorization` value to send over IPC, and exits on `stop`.
 */
import { FRAMEWORKS, VARIANTS, startServer, type Framework, type Variant } from './apps';

async function main(): Promise<void> {
  const [framework, variant] = process.argv.slice(2) as [Framework, Variant];
  if (!FRAMEWORKS.includes(framework) || !VARIANTS.includes(variant)) {
    throw new Error(`usage: server.ts <${FRAMEWORKS.join('|')}> <${VARIANTS.join('|')}>`);
  }
  const server = await startServer(framework, variant);
  process.on('message', (message: { type: string }) => {
    if (message.type === 'stop') {
      void server.close().finally(() => process.exit(0));
      setTimeout(() => process.exit(0), 1000).unref();
    }
  });
  process.on('disconnect', () => process.exit(0));
  process.send!({ type: 'ready', port: server.port, authorization: server.authorization });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

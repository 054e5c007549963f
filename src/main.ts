import { loadConfig } from './server/config.js';
import { createService } from './server/service.js';

const config = loadConfig();
const service = await createService(config);
const { app } = service;
await app.listen({ host: config.host, port: config.port });

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'shutting down');
    service.close().then(
      () => process.exit(0),
      (error: unknown) => {
        app.log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  });
}

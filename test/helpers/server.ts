import type { AddressInfo } from 'node:net';
import { loadConfig, type Config } from '../../src/server/config.js';
import { createService, type Service } from '../../src/server/service.js';

export interface TestServer {
  service: Service;
  config: Config;
  /** http://127.0.0.1:port */
  httpUrl: string;
  /** ws://127.0.0.1:port */
  wsUrl: string;
  close(): Promise<void>;
}

/** Starts the real service on a free loopback port with the pool at its full default size. */
export async function startServer(overrides: Partial<Config> = {}): Promise<TestServer> {
  const config = loadConfig(process.env, { logLevel: 'warn', host: '127.0.0.1', port: 0, ...overrides });
  const service = await createService(config);
  await service.app.listen({ host: config.host, port: 0 });
  const { port } = service.app.server.address() as AddressInfo;
  return {
    service,
    config,
    httpUrl: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}`,
    close: () => service.close(),
  };
}

import type { FastifyInstance } from 'fastify';

export default async function healthPlugin(app: FastifyInstance): Promise<void> {
  const started = Date.now();

  app.get('/healthz', async () => {
    const { spec } = app.pipeline;
    return {
      status: 'ok',
      uptimeS: Math.round((Date.now() - started) / 1000),
      pool: app.pipeline.stats(),
      model: { labels: spec.labels, inputSize: spec.input.size },
    };
  });

  app.get('/metrics', async (_request, reply) => {
    reply.type(app.metrics.registry.contentType);
    return app.metrics.registry.metrics();
  });
}

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

/** The part of models/emotion.json the service relies on; everything else there is documentation. */
const ModelSpecSchema = Type.Object({
  labels: Type.Array(Type.String(), { minItems: 2 }),
  input: Type.Object({ name: Type.String(), size: Type.Integer({ minimum: 8, maximum: 512 }), channels: Type.Literal(1) }),
  output: Type.Object({ name: Type.String(), kind: Type.Literal('probabilities') }),
  normalize: Type.Object({ scale: Type.Number(), mean: Type.Number(), std: Type.Number({ exclusiveMinimum: 0 }) }),
  crop: Type.Object({ scale: Type.Number({ exclusiveMinimum: 0 }), offsetY: Type.Number() }),
});

export type ModelSpec = Static<typeof ModelSpecSchema> & { onnxPath: string };

export async function loadModelSpec(modelDir: string): Promise<ModelSpec> {
  const path = join(modelDir, 'emotion.json');
  const json: unknown = JSON.parse(await readFile(path, 'utf8'));
  if (!Value.Check(ModelSpecSchema, json)) {
    const first = Value.Errors(ModelSpecSchema, json).First();
    throw new Error(`${path}: ${first?.path ?? ''} ${first?.message ?? 'invalid'}`);
  }
  return { ...json, onnxPath: join(modelDir, 'emotion.onnx') };
}

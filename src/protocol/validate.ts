import { TypeCompiler } from '@sinclair/typebox/compiler';
import { ServerMessageSchema, type ServerMessage } from './messages.js';

const serverMessage = TypeCompiler.Compile(ServerMessageSchema);

/** Parses and validates one JSON text from the server; throws with the first schema error. */
export function parseServerMessage(text: string): ServerMessage {
  const value: unknown = JSON.parse(text);
  if (!serverMessage.Check(value)) {
    const first = serverMessage.Errors(value).First();
    throw new Error(`invalid server message: ${first ? `${first.path} ${first.message}` : 'unknown'}`);
  }
  return value;
}

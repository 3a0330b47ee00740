/**
 * Standard base64 (RFC 4648 §4) for the JSON serializer's binary convention. Uses Node's Buffer when the
 * global exists (native speed) and a pure-TS path otherwise, so this file stays importable in browsers.
 */
import { base64 } from '@scure/base';

type NodeBufferView = Uint8Array & { toString(encoding: 'base64'): string };
interface NodeBufferStatic {
  from(buffer: ArrayBufferLike, byteOffset: number, length: number): NodeBufferView;
  from(text: string, encoding: 'base64'): NodeBufferView;
}
const NodeBuffer = (globalThis as { Buffer?: NodeBufferStatic }).Buffer;

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export function encodeBase64(data: Uint8Array): string {
  if (NodeBuffer !== undefined)
    return NodeBuffer.from(data.buffer, data.byteOffset, data.length).toString('base64');
  return base64.encode(data);
}

/** Returns `undefined` for anything but padded standard base64. */
export function decodeBase64(text: string): Uint8Array | undefined {
  if (text.length % 4 !== 0 || !BASE64.test(text)) return undefined;
  if (NodeBuffer !== undefined) {
    const out = NodeBuffer.from(text, 'base64');
    return new Uint8Array(out.buffer, out.byteOffset, out.length);
  }
  try {
    return base64.decode(text);
  } catch {
    return undefined;
  }
}

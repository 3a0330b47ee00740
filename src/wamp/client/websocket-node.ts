/** Node: the `ws` package (Node 20 has no global WebSocket; `ws` is also faster and bounded). */
import { WebSocket } from 'ws';
import type { WebSocketConstructor } from './websocket.ts';

export const DefaultWebSocket: WebSocketConstructor | undefined =
  WebSocket as unknown as WebSocketConstructor;

/** Browsers (and runtimes with a global WebSocket): the platform's own. No Node import on this path. */
import type { WebSocketConstructor } from './websocket.ts';

export const DefaultWebSocket: WebSocketConstructor | undefined = (
  globalThis as { WebSocket?: WebSocketConstructor }
).WebSocket;

/**
 * Binds the relay's server. The usual failures (port taken, privileged port, an address this machine does
 * not have) become one sentence saying what to do, as a typed error (`ERR_IO`, exit 2 in the CLI: the user
 * can fix it), instead of a bare `listen EADDRINUSE` that reads like a crash.
 */
import type { Server } from 'node:net';
import { IoError } from '../errors.ts';

/** The relay could not listen where it was told to (an `IoError`, `ERR_IO`); `cause` has the system error. */
export class ListenError extends IoError {
  constructor(message: string, cause: unknown) {
    super(message, { cause });
  }
}

/** Ports below this need a privilege (CAP_NET_BIND_SERVICE on Linux) unless the system lowered the limit. */
const FIRST_UNPRIVILEGED_PORT = 1024;

export function explainListenError(error: NodeJS.ErrnoException, host: string, port: number): string {
  switch (error.code) {
    case 'EADDRINUSE':
      return `port ${port} on ${host} is already in use: stop the other process or pass --port N`;
    case 'EACCES':
      return port < FIRST_UNPRIVILEGED_PORT
        ? `port ${port} on ${host} needs privileges this process does not have: pass --port ${FIRST_UNPRIVILEGED_PORT} or higher, or grant CAP_NET_BIND_SERVICE`
        : `listening on port ${port} on ${host} was refused (permission denied): pass another --port or --host`;
    case 'EADDRNOTAVAIL':
      return `${host} is not an address of this machine: pass --host with one of its addresses (0.0.0.0 for all)`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `cannot resolve the host name ${host}: pass --host with an IP address or a name this machine resolves`;
    default:
      return `cannot listen on port ${port} on ${host}: ${error.code ?? error.message}`;
  }
}

/** Resolves once `server` listens on `host:port`; rejects with a `ListenError`. */
export function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const fail = (error: NodeJS.ErrnoException) =>
      reject(new ListenError(explainListenError(error, host, port), error));
    server.once('error', fail);
    server.listen(port, host, () => {
      server.off('error', fail);
      resolve();
    });
  });
}

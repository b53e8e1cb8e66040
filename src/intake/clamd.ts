/**
 * Virus scanning by ClamAV's clamd, where the force runs it (CLAMD_HOST or
 * CLAMD_SOCKET: docs/attachments.md): every upload's bytes are streamed to
 * clamd with its INSTREAM command before anything else is done with them,
 * and a file is taken only on clamd's "OK". Fails closed: clamd unreachable,
 * slow or answering an error refuses the upload (SERVICE_UNAVAILABLE), never
 * lets it through unscanned. Nothing of the file is logged; a detection names
 * only the signature.
 */
import { connect, type Socket } from 'node:net';
import { badInput, unavailable } from '../errors.js';

export interface ClamdConfig {
  /** host:port over TCP, or a Unix socket path. */
  host?: string;
  port?: number;
  socket?: string;
  timeoutMs?: number;
}

export interface VirusScanner {
  /** Resolves when clamd says the bytes are clean; throws BAD_USER_INPUT on a detection, SERVICE_UNAVAILABLE otherwise. */
  scan(bytes: Uint8Array): Promise<void>;
}

/** INSTREAM chunks: clamd's StreamMaxLength bounds the whole; each chunk is length-prefixed. */
const CHUNK = 64 * 1024;

export function createClamdScanner(config: ClamdConfig): VirusScanner {
  const timeoutMs = config.timeoutMs ?? 30_000;
  return {
    scan: (bytes) =>
      new Promise<void>((resolve, reject) => {
        let answer = '';
        let settled = false;
        const socket: Socket = config.socket ? connect(config.socket) : connect(config.port ?? 3310, config.host ?? '127.0.0.1');
        const finish = (err?: Error) => {
          if (settled) return;
          settled = true;
          socket.destroy();
          if (err) reject(err);
          else resolve();
        };
        socket.setTimeout(timeoutMs, () => finish(unavailable('The virus scanner did not answer in time; try again')));
        socket.on('error', () => finish(unavailable('The virus scanner cannot be reached; try again later')));
        socket.on('data', (d) => {
          answer += d.toString('latin1');
        });
        socket.on('close', () => {
          const reply = answer.replace(/\0/g, '').trim();
          if (reply === 'stream: OK') return finish();
          const found = /^stream: (.+) FOUND$/.exec(reply);
          if (found) return finish(badInput(`The file was refused: the virus scanner found ${found[1]}`, ['file']));
          finish(unavailable('The virus scanner could not scan the file; try again later'));
        });
        socket.on('connect', () => {
          socket.write('zINSTREAM\0');
          for (let at = 0; at < bytes.length; at += CHUNK) {
            const part = bytes.subarray(at, at + CHUNK);
            const size = Buffer.alloc(4);
            size.writeUInt32BE(part.length);
            socket.write(size);
            socket.write(part);
          }
          socket.end(Buffer.alloc(4)); // a zero-length chunk ends the stream
        });
      }),
  };
}

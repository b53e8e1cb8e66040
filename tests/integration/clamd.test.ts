/**
 * Virus scanning against a real clamd (Debian's clamav-daemon; the public
 * signature database cannot be downloaded here, so clamd loads one signature
 * of our own: the EICAR test file's MD5 hash in a `.hdb` file). An upload of
 * EICAR is refused naming the signature, a photo passes, and with clamd gone
 * uploads are refused (fail closed), nothing stored.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureClamd } from '../../scripts/stack/binaries.mjs';
import { bootApp, type TestApp } from '../support/app.js';
import { codeOf, findReport, recordCall, waitForStatus } from '../support/desk.js';
import { createStaff } from '../support/factories.js';
import { phonePhoto, upload } from '../support/upload.js';

const EICAR = Buffer.from('X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*', 'latin1');
const ATTACH_CALL = `mutation($ref: String!, $file: File!) { attachToCall(reference: $ref, file: $file) { type size } }`;

const dir = join(tmpdir(), `clamd-${randomUUID().slice(0, 8)}`);
const socket = join(dir, 'clamd.sock');
let clamd: ChildProcess | undefined;
let app: TestApp;

beforeAll(async () => {
  // Installed with apt-get on a first run as root, like redis-server and chromium; otherwise the error says how.
  const CLAMD = ensureClamd();
  mkdirSync(join(dir, 'db'), { recursive: true });
  // One signature of our own: MD5:size:name of the EICAR test file.
  writeFileSync(join(dir, 'db', 'hotline-test.hdb'), `${createHash('md5').update(EICAR).digest('hex')}:${EICAR.length}:Hotline.Test.EICAR\n`);
  writeFileSync(join(dir, 'clamd.conf'), [`Foreground yes`, `LocalSocket ${socket}`, `DatabaseDirectory ${join(dir, 'db')}`, `LogFile ${join(dir, 'clamd.log')}`, `StreamMaxLength 25M`].join('\n') + '\n');
  clamd = spawn(CLAMD, ['-c', join(dir, 'clamd.conf')], { stdio: 'ignore' });
  for (let i = 0; i < 200 && !existsSync(socket); i++) await new Promise((r) => setTimeout(r, 100));
  if (!existsSync(socket)) throw new Error('clamd did not open its socket within 20 s');
  app = await bootApp({ worker: true, env: { CLAMD_SOCKET: socket } });
}, 240_000);
afterAll(async () => {
  clamd?.kill('SIGTERM');
  await app?.close();
});

describe('clamd scanning', () => {
  it('refuses EICAR naming the signature, takes a clean photo, and refuses everything once clamd is gone', async () => {
    const handler = await createStaff(app, 'CALL_HANDLER');
    const id = await recordCall(app, handler.token, 1);
    const { reference } = await waitForStatus(app, id, 'TRIAGED');

    const infected = await upload(app, ATTACH_CALL, { ref: reference }, { bytes: EICAR, name: 'eicar.jpg', type: 'image/jpeg' }, handler.token);
    expect(codeOf(infected)).toBe('BAD_USER_INPUT');
    expect(infected.errors![0]!.message).toMatch(/virus scanner found Hotline\.Test\.EICAR/);

    const clean = await upload(app, ATTACH_CALL, { ref: reference }, { bytes: await phonePhoto() }, handler.token);
    expect(clean.errors).toBeUndefined();
    expect((await findReport(app, id)).attachments).toHaveLength(1);

    clamd!.kill('SIGTERM');
    await new Promise((r) => clamd!.once('exit', r));
    const unscanned = await upload(app, ATTACH_CALL, { ref: reference }, { bytes: await phonePhoto() }, handler.token);
    expect(codeOf(unscanned)).toBe('SERVICE_UNAVAILABLE');
    expect((await findReport(app, id)).attachments).toHaveLength(1);
  }, 60_000);
});

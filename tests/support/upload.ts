/**
 * File uploads as a client sends them: a GraphQL multipart request
 * (https://github.com/jaydenseric/graphql-multipart-request-spec) with the
 * file in the `file` variable, and test files made with sharp (a phone photo
 * with GPS EXIF, images of noise so their bytes are their own).
 */
import { randomBytes } from 'node:crypto';
import sharp from 'sharp';
import type { GqlResult, TestApp } from './app.js';

/** Sends `query` with `variables.file` set to the given bytes as a multipart part. */
export async function upload<T = any>(app: TestApp, query: string, variables: Record<string, unknown>, file: { bytes: Uint8Array; name?: string; type?: string }, token?: string): Promise<GqlResult<T>> {
  const form = new FormData();
  form.set('operations', JSON.stringify({ query, variables: { ...variables, file: null } }));
  form.set('map', JSON.stringify({ 0: ['variables.file'] }));
  form.set('0', new Blob([new Uint8Array(file.bytes)], { type: file.type ?? 'application/octet-stream' }), file.name ?? 'upload.bin');
  const res = await fetch(app.url, {
    method: 'POST',
    // The CSRF header a browser cannot send cross-site without a preflight (graphql/yoga.ts).
    headers: { 'x-graphql-yoga-csrf': '1', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: form,
  });
  const text = await res.text();
  let json: { data?: T; errors?: GqlResult<T>['errors'] } = {};
  try {
    json = JSON.parse(text);
  } catch {
    json = { errors: [{ message: text }] };
  }
  return { status: res.status, data: json.data ?? null, errors: json.errors };
}

/** Where the test photo says it was taken (a phone's GPS fix). */
export const GPS = { latitude: 51.5033, longitude: -0.1196 };

/** A JPEG of random noise (its bytes are its own) carrying EXIF as a phone writes it: make, model, serial, time and a GPS position. */
export async function phonePhoto(width = 320, height = 240): Promise<Buffer> {
  const pixels = randomBytes(width * height * 3);
  return sharp(pixels, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 92 })
    .withExif({
      IFD0: { Make: 'PhoneCo', Model: 'PhoneCo X1', Software: 'PhoneOS 17.2', DateTime: '2026:11:28 13:45:07' },
      IFD2: { DateTimeOriginal: '2026:11:28 13:45:07', BodySerialNumber: 'SN-48213-XZ' },
      IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '51/1 30/1 1188/100', GPSLongitudeRef: 'W', GPSLongitude: '0/1 7/1 1056/100' },
    })
    .toBuffer();
}

/** A PNG of random noise. */
export const noisePng = (width = 64, height = 64) => sharp(randomBytes(width * height * 3), { raw: { width, height, channels: 3 } }).png().toBuffer();

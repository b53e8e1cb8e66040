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

/** A picture a person could recognise in a screenshot (a van on a street, drawn), as a phone JPEG with GPS EXIF. */
export async function vanPhoto(): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="640" height="400">
    <rect width="640" height="400" fill="#9cc3e6"/><rect y="260" width="640" height="140" fill="#6b6b6b"/>
    <rect x="40" y="120" width="180" height="140" fill="#c8b79a"/><rect x="420" y="90" width="180" height="170" fill="#b9a58a"/>
    <rect x="170" y="170" width="300" height="110" rx="12" fill="#f2f2f2" stroke="#333" stroke-width="4"/>
    <rect x="380" y="185" width="80" height="50" fill="#5a7fa3"/>
    <circle cx="230" cy="285" r="28" fill="#222"/><circle cx="410" cy="285" r="28" fill="#222"/>
    <rect x="190" y="245" width="70" height="18" fill="#ffd400" stroke="#333"/>
  </svg>`;
  return sharp(Buffer.from(svg))
    .jpeg({ quality: 90 })
    .withExif({
      IFD0: { Make: 'PhoneCo', Model: 'PhoneCo X1', DateTime: '2026:11:28 13:45:07' },
      IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '51/1 30/1 1188/100', GPSLongitudeRef: 'W', GPSLongitude: '0/1 7/1 1056/100' },
    })
    .toBuffer();
}

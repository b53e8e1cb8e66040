/**
 * What an uploaded file becomes before anything of it is stored
 * (docs/attachments.md): its type is sniffed from the bytes (file-type),
 * never taken from the name or the client's MIME type; JPEG, PNG and WebP are
 * decoded and re-encoded by sharp with no metadata at all (EXIF with its GPS
 * position, XMP, IPTC, maker notes, embedded thumbnails, the ICC profile:
 * pixels are converted to sRGB), decoding bounded by a pixel count; a PDF is
 * parsed and re-written by pdf-lib without its document information
 * dictionary, XMP metadata streams or file identifier, and refused when it
 * carries JavaScript or actions that run on opening. HEIC is refused with a
 * request for JPEG; any other type is refused naming the types taken.
 *
 * An investigator's evidence keeps its original bytes (evidential metadata
 * matters there) with their SHA-256, after the same type and safety checks.
 */
import { createHash } from 'node:crypto';
import { fileTypeFromBuffer } from 'file-type';
import { PDFArray, PDFDict, PDFDocument, PDFName, PDFRef, PDFStream } from 'pdf-lib';
import sharp from 'sharp';
import { badInput } from '../errors.js';
import { ATTACHMENT_TYPES, type AttachmentKind, type AttachmentType } from '../reports/model/attachments.js';

/** Decoded pixels an image may have (a small file can decode to gigabytes: a decompression bomb). */
export const MAX_IMAGE_PIXELS = 50_000_000;

export const TYPES_TAKEN = 'JPEG, PNG or WebP images, or PDF documents';

export interface SanitisedFile {
  type: AttachmentType;
  bytes: Uint8Array;
  /** SHA-256 (hex) of the bytes as received: evidence only. */
  sha256?: string;
}

const refuse = (message: string) => badInput(message, ['file']);

/** PDF names that run something (JavaScript, actions on opening or on events, launching programs). */
const ACTIVE_PDF_NAMES = new Set(['JS', 'JavaScript', 'OpenAction', 'AA', 'Launch', 'RichMedia']);

/** Metadata entries removed from every PDF dictionary (XMP streams, application private data). */
const PDF_METADATA_KEYS = ['Metadata', 'PieceInfo'];

/** Sniffs, checks and strips one file; throws BAD_USER_INPUT with a clear message on anything refused. */
export async function sanitiseUpload(input: Uint8Array, kind: AttachmentKind, maxBytes: number): Promise<SanitisedFile> {
  if (input.length === 0) throw refuse('The file is empty');
  if (input.length > maxBytes) throw refuse(`The file is larger than the ${formatBytes(maxBytes)} limit`);
  const sniffed = await fileTypeFromBuffer(input);
  const mime = sniffed?.mime;
  if (mime === 'image/heic' || mime === 'image/heif' || mime === 'image/heic-sequence' || mime === 'image/heif-sequence') {
    throw refuse('HEIC photos are not taken: please send the photo as a JPEG (on an iPhone, share it as JPEG or set Camera › Formats › Most Compatible)');
  }
  if (!mime || !(ATTACHMENT_TYPES as readonly string[]).includes(mime)) {
    throw refuse(`This type of file is not taken${mime ? ` (${mime})` : ''}: send ${TYPES_TAKEN}`);
  }
  const type = mime as AttachmentType;
  assertNotPolyglot(input, type);
  const sha256 = kind === 'EVIDENCE' ? createHash('sha256').update(input).digest('hex') : undefined;
  if (type === 'application/pdf') {
    const cleaned = await cleanPdf(input);
    return kind === 'EVIDENCE' ? { type, bytes: input, sha256 } : { type, bytes: cleaned };
  }
  const cleaned = await reencodeImage(input, type);
  return kind === 'EVIDENCE' ? { type, bytes: input, sha256 } : { type, bytes: cleaned };
}

/** Decodes and re-encodes an image with no metadata, upright (the EXIF orientation applied, then dropped). */
async function reencodeImage(input: Uint8Array, type: AttachmentType): Promise<Uint8Array> {
  try {
    // failOn 'warning': a truncated or damaged image is refused, not half-decoded. sharp keeps no metadata unless asked (no withMetadata/keepExif/keepIccProfile).
    const image = sharp(input, { limitInputPixels: MAX_IMAGE_PIXELS, failOn: 'warning', sequentialRead: true }).rotate();
    const out =
      type === 'image/jpeg'
        ? image.jpeg({ quality: 90, mozjpeg: false })
        : type === 'image/png'
          ? image.png({ compressionLevel: 6 })
          : image.webp({ quality: 90 });
    return new Uint8Array(await out.toBuffer());
  } catch (err) {
    const message = (err as Error).message ?? '';
    if (/pixel limit/i.test(message)) throw refuse(`The image has too many pixels (more than ${MAX_IMAGE_PIXELS.toLocaleString('en-GB')}): send a smaller image`);
    throw refuse('The image could not be read completely (it may be damaged or cut short): send it again');
  }
}

/**
 * Refuses a file that is also another format (a polyglot): a ZIP archive read
 * from its end, a PDF inside an image, HTML near the start. Re-encoding would
 * drop such a payload from an image anyway; evidence keeps its bytes, so the
 * check comes first for every kind.
 */
function assertNotPolyglot(input: Uint8Array, type: AttachmentType): void {
  const buf = Buffer.from(input.buffer, input.byteOffset, input.length);
  // A ZIP's end-of-central-directory record sits in its last 65,557 bytes; a reader finds the archive from there.
  const tailStart = Math.max(0, buf.length - 65_557);
  if (buf.indexOf('PK\x05\x06', tailStart, 'latin1') >= 0) throw refuse('The file is also a ZIP archive (a polyglot file) and is not taken');
  if (type !== 'application/pdf' && buf.indexOf('%PDF-', 0, 'latin1') >= 0) throw refuse('The image also contains a PDF document (a polyglot file) and is not taken');
  if (/<(html|script|svg|iframe)\b/i.test(buf.subarray(0, 1024).toString('latin1'))) throw refuse('The file also contains HTML (a polyglot file) and is not taken');
}

/** Parses and re-writes a PDF without its metadata; refuses JavaScript and actions run on opening. */
async function cleanPdf(input: Uint8Array): Promise<Uint8Array> {
  // pdf-lib reads a PDF cut short without complaint: its end marker must be there.
  if (Buffer.from(input.buffer, input.byteOffset, input.length).subarray(-1024).indexOf('%%EOF', 0, 'latin1') < 0) throw refuse('The PDF is incomplete (it may have been cut short): send it again');
  let pdf: PDFDocument;
  try {
    pdf = await PDFDocument.load(input, { updateMetadata: false, throwOnInvalidObject: true });
  } catch (err) {
    if (/encrypted/i.test((err as Error).message ?? '')) throw refuse('Password-protected PDFs are not taken: remove the password and send it again');
    throw refuse('The PDF could not be read (it may be damaged or cut short): send it again');
  }
  // Every parsed object (pdf-lib has unpacked the object streams), and every dictionary nested directly inside one.
  const context = pdf.context;
  const drop: PDFRef[] = [];
  for (const [, object] of context.enumerateIndirectObjects()) {
    assertInactive(object);
    const dict = object instanceof PDFStream ? object.dict : object instanceof PDFDict ? object : null;
    if (!dict) continue;
    for (const name of PDF_METADATA_KEYS) {
      const value = dict.get(PDFName.of(name));
      if (value instanceof PDFRef) drop.push(value);
      if (value !== undefined) dict.delete(PDFName.of(name));
    }
  }
  const info = context.trailerInfo.Info;
  if (info instanceof PDFRef) drop.push(info);
  context.trailerInfo.Info = undefined;
  context.trailerInfo.ID = undefined;
  for (const ref of drop) context.delete(ref);
  try {
    return await pdf.save({ useObjectStreams: false, updateFieldAppearances: false });
  } catch {
    throw refuse('The PDF could not be re-written (it may be damaged): send it again');
  }
}

/** Throws on a JavaScript or auto-run action anywhere inside `object` (names compared decoded: `/J#61vaScript` is `/JavaScript`). */
function assertInactive(object: unknown, depth = 0): void {
  if (depth > 32) throw refuse('The PDF nests its objects too deeply to be checked');
  const dict = object instanceof PDFStream ? object.dict : object instanceof PDFDict ? object : null;
  if (dict) {
    for (const [key, value] of dict.entries()) {
      const name = key.decodeText();
      if (ACTIVE_PDF_NAMES.has(name) || (name === 'S' && value instanceof PDFName && ['JavaScript', 'Launch'].includes(value.decodeText()))) {
        throw refuse('PDFs with JavaScript or actions that run on opening are not taken: print it to a new PDF and send that');
      }
      assertInactive(value, depth + 1);
    }
  } else if (object instanceof PDFArray) {
    for (let i = 0; i < object.size(); i++) assertInactive(object.get(i), depth + 1);
  }
}

function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${Math.round(n / (1024 * 1024))} MiB` : `${Math.round(n / 1024)} KiB`;
}

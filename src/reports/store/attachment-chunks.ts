/**
 * Where attached files are stored: `attachment_chunks`, one document per
 * encrypted chunk (`<attachment id>:<index>`, report id, attachment id,
 * index, ciphertext), read and deleted by `_id` alone (the one filter
 * FerretDB 1.x evaluates by index: reports/store/side-tables.ts). GridFS
 * would do this on MongoDB; FerretDB 1.24 has none, and this works on both.
 * Every chunk document is a durable commit, so chunks are large
 * (crypto/file-stream.ts FILE_CHUNK_BYTES, 1 MiB of plaintext each) and a
 * file's chunks go in one `insertMany`.
 *
 * A file becomes visible only when its record is pushed onto the report,
 * after all its chunks are stored (reports/desk/attachments.ts). Before the
 * chunks, an entry in `attachment_uploads` names the upload; the commit
 * removes it. An entry left behind (a process killed mid-upload, a refused
 * commit) is found by the periodic sweep (src/tasks/attachment-sweep.ts),
 * which deletes the chunks of any upload whose record never reached the
 * report.
 */
import { Binary, type Db } from 'mongodb';
import { toMinute } from '../../time.js';

export interface AttachmentChunkDoc {
  _id: string;
  reportId: string;
  attachmentId: string;
  index: number;
  data: Binary;
}

export interface AttachmentUploadDoc {
  _id: string;
  reportId: string;
  chunks: number;
  /** To the minute: the sweep needs no finer, and partner activity keeps no finer. */
  startedAt: Date;
}

const chunkId = (attachmentId: string, index: number) => `${attachmentId}:${index}`;

export type AttachmentChunks = ReturnType<typeof createAttachmentChunks>;

export function createAttachmentChunks(db: Db) {
  const chunks = db.collection<AttachmentChunkDoc>('attachment_chunks');
  const uploads = db.collection<AttachmentUploadDoc>('attachment_uploads');

  async function deleteFile(attachmentId: string, count: number) {
    for (let i = 0; i < count; i++) await chunks.deleteOne({ _id: chunkId(attachmentId, i) });
  }

  return {
    /** Names an upload before its chunks are written (so the sweep can find them if it never commits). */
    async begin(reportId: string, attachmentId: string, count: number) {
      await uploads.insertOne({ _id: attachmentId, reportId, chunks: count, startedAt: toMinute(new Date()) });
    },

    /** Stores a file's ciphertext chunks in one insertMany (ordered: a failure leaves a prefix, which the sweep removes). */
    async write(reportId: string, attachmentId: string, ciphertexts: readonly Uint8Array[]) {
      await chunks.insertMany(
        ciphertexts.map((c, index) => ({ _id: chunkId(attachmentId, index), reportId, attachmentId, index, data: new Binary(c, Binary.SUBTYPE_DEFAULT) })),
        { ordered: true },
      );
    },

    /** The upload committed (its record is on the report): nothing left for the sweep. */
    async finish(attachmentId: string) {
      await uploads.deleteOne({ _id: attachmentId });
    },

    /** An upload refused after its chunks were written: its chunks and entry go now. */
    async abandon(attachmentId: string, count: number) {
      await deleteFile(attachmentId, count);
      await uploads.deleteOne({ _id: attachmentId });
    },

    /** A file's ciphertext chunks in order; null when one is missing. */
    async read(attachmentId: string, count: number): Promise<Uint8Array[] | null> {
      const out: Uint8Array[] = [];
      for (let i = 0; i < count; i++) {
        const doc = await chunks.findOne({ _id: chunkId(attachmentId, i) });
        if (!doc) return null;
        out.push(doc.data.value());
      }
      return out;
    },

    /** Deletes a stored file's chunks (erasure). */
    deleteFile,

    /** Upload entries older than `before`: the sweep's candidates. */
    staleUploads: (before: Date, limit = 100) => uploads.find({ startedAt: { $lt: before } }).limit(limit).toArray(),
    /** Drops an upload entry (the sweep, once it has decided). */
    dropUpload: (attachmentId: string) => uploads.deleteOne({ _id: attachmentId }),

    async ensureIndexes() {
      await uploads.createIndex({ startedAt: 1 });
    },
  };
}

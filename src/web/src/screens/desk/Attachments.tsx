/**
 * The files attached to a report (docs/attachments.md): listed by kind, type,
 * size and time; each opened on request through the audited read
 * (`attachmentContent`) and shown from memory as a `blob:` URL, an image
 * inline and a PDF in the browser's own viewer. Nothing is written to browser
 * storage; the URL is revoked when the file is hidden or the page is left.
 * Downloading is a separate action behind a warning, recorded as a download.
 */
import { useEffect, useState } from 'react';
import { plainMessage, request, upload } from '../../api/client';
import { graphql } from '../../gql';
import { Dialog, DialogButtons, formatTime } from '../../ui/ui';
import { AttachFile, formatSize, TYPE_WORDS } from './AttachFile';
import type { Act, ReportData } from './types';

const CONTENT = graphql(`
  query AttachmentContent($reportId: ID!, $attachmentId: ID!) {
    attachmentContent(reportId: $reportId, attachmentId: $attachmentId) { attachment { id type } contentBase64 }
  }
`);

const ADD_EVIDENCE = graphql(`
  mutation AttachEvidence($reportId: ID!, $file: File!) {
    attachEvidence(reportId: $reportId, file: $file) { id sha256 }
  }
`);

const DOWNLOAD = graphql(`
  mutation DownloadAttachment($reportId: ID!, $attachmentId: ID!) {
    downloadAttachment(reportId: $reportId, attachmentId: $attachmentId) { attachment { id type } contentBase64 }
  }
`);

type Attachment = ReportData['attachments'][number];

const KIND_WORDS: Record<string, string> = { PARTNER: 'From the referring partner', HANDLER: 'From the caller, via the call handler', EVIDENCE: 'Evidence (original bytes kept)' };

/** A blob from the base64 an audited read answered (in memory only). */
function blobOf(base64: string, type: string): Blob {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return new Blob([bytes], { type });
}

function AttachmentItem({ report, file, n }: { report: ReportData; file: Attachment; n: number }) {
  const [url, setUrl] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [downloaded, setDownloaded] = useState(false);
  const type = TYPE_WORDS[file.type] ?? { words: file.type, ext: 'bin' };
  const what = file.type === 'application/pdf' ? 'PDF' : 'image';
  const label = `File ${n}: ${type.words}, ${formatSize(file.size)}`;
  useEffect(() => () => {
    if (url) URL.revokeObjectURL(url);
  }, [url]);

  const show = async () => {
    setBusy(true);
    setError(null);
    try {
      const { attachmentContent } = await request(CONTENT, { reportId: report.id, attachmentId: file.id });
      setUrl(URL.createObjectURL(blobOf(attachmentContent.contentBase64, file.type)));
    } catch (e) {
      setError(plainMessage(e));
    }
    setBusy(false);
  };

  const download = async () => {
    setBusy(true);
    setError(null);
    try {
      const { downloadAttachment } = await request(DOWNLOAD, { reportId: report.id, attachmentId: file.id });
      const href = URL.createObjectURL(blobOf(downloadAttachment.contentBase64, file.type));
      const a = document.createElement('a');
      a.href = href;
      a.download = `${report.reference}-file-${n}.${type.ext}`;
      a.click();
      URL.revokeObjectURL(href);
      setDownloaded(true);
      setConfirming(false);
    } catch (e) {
      setError(plainMessage(e));
    }
    setBusy(false);
  };

  return (
    <li>
      <p>
        <strong>{label}</strong>
        <br />
        <span className="hint">
          {KIND_WORDS[file.kind] ?? file.kind}; received {formatTime(file.createdAt)}
          {file.sha256 && (
            <>
              ; SHA-256 <span className="mono">{file.sha256}</span>
            </>
          )}
        </span>
      </p>
      <div className="actions">
        {url ? (
          <button type="button" onClick={() => setUrl(null)}>
            Hide {what} {n}
          </button>
        ) : (
          <button type="button" disabled={busy} onClick={() => void show()}>
            {busy ? 'Opening…' : `${what === 'PDF' ? 'Open' : 'Show'} ${what} ${n}`}
          </button>
        )}
        <button type="button" disabled={busy} onClick={() => setConfirming(true)}>
          Download file {n}…
        </button>
      </div>
      {error && (
        <div className="alert error" role="alert">
          <p>{error}</p>
        </div>
      )}
      {downloaded && <p className="hint">File {n} was downloaded; the download is recorded in the audit log.</p>}
      {url &&
        (file.type === 'application/pdf' ? (
          <p>
            <a href={url} target="_blank" rel="noreferrer">
              Open the PDF in the browser’s viewer
            </a>
          </p>
        ) : (
          <img className="attachment-image" src={url} alt={`${label}, as attached to report ${report.reference}`} />
        ))}
      <Dialog open={confirming} title={`Download file ${n}?`} onClose={() => setConfirming(false)}>
        <div className="alert warn">
          <p>The file will leave the service and be saved on this computer, outside its protection. Download it only if the case needs it on this machine, and delete it when done. The download is recorded in the audit log.</p>
        </div>
        <DialogButtons label={`Download file ${n}`} busyLabel="Downloading…" busy={busy} onAct={() => void download()} onCancel={() => setConfirming(false)} />
      </Dialog>
    </li>
  );
}

/** `canAdd`: the viewer holds the open report and may file evidence ("Add evidence": original bytes and their SHA-256 kept). */
export function Attachments({ report, canAdd, act }: { report: ReportData; canAdd: boolean; act: Act }) {
  if (!report.attachments.length && !canAdd) return null;
  return (
    <section className="panel" aria-labelledby="attachments-title">
      <h2 id="attachments-title">Attached files</h2>
      <p className="hint">Photos and documents had their metadata (location, device, times) removed when they were received; evidence keeps its original bytes. Opening a file is recorded in the audit log.</p>
      {report.attachments.length > 0 ? (
        <ol className="notes attachments">
          {report.attachments.map((file, i) => (
            <AttachmentItem key={file.id} report={report} file={file} n={i + 1} />
          ))}
        </ol>
      ) : (
        <p className="empty">No files attached.</p>
      )}
      {canAdd && (
        <>
          <h3>Add evidence</h3>
          <AttachFile
            label="Evidence file"
            hint="A JPEG, PNG or WebP image or a PDF. Evidence is kept exactly as you file it, metadata included, with its SHA-256 for the chain of custody; handlers and partners never see it."
            button="Add evidence"
            send={(file) => act('Evidence added: its SHA-256 is shown with the file.', () => upload(ADD_EVIDENCE, { reportId: report.id }, file))}
          />
        </>
      )}
    </section>
  );
}

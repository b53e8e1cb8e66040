/**
 * The link chart of a report (/reports/:id/chart), reached from the report
 * page and loaded as its own chunk (routes.tsx: React.lazy), with Cytoscape.js
 * in it: the first visit of the console does not carry it.
 *
 * Three tabs over the same neighbourhood (the server decides what the viewer
 * may see; opening it is audited): the drawing (with "Export PNG" for a
 * briefing: the export is recorded through `recordChartExport` before the
 * file is made), a table view of the same items and connections, and the
 * timeline. Depth 1 or 2, kept in the address (`?depth=2`).
 */
import './chart.css';
import { useQuery } from '@tanstack/react-query';
import type { Core } from 'cytoscape';
import { useCallback, useRef, useState, type KeyboardEvent } from 'react';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import { ApiError, plainMessage, request } from '../../api/client';
import { ErrorMessage, Loading, Notice, Select } from '../../ui/ui';
import { ChartTable } from './ChartTable';
import { Graph } from './Graph';
import { NEIGHBOURHOOD, RECORD_CHART_EXPORT } from './operations';
import { Timeline } from './Timeline';

const TABS = [
  { id: 'drawing', label: 'Chart' },
  { id: 'table', label: 'Table view' },
  { id: 'timeline', label: 'Timeline' },
] as const;
type Tab = (typeof TABS)[number]['id'];

export default function ChartScreen() {
  const { id = '' } = useParams();
  const [params, setParams] = useSearchParams();
  const depth = params.get('depth') === '2' ? 2 : 1;
  const [tab, setTab] = useState<Tab>('drawing');
  const [notice, setNotice] = useState<string | null>(null);
  const [exportError, setExportError] = useState<string | null>(null);
  const [exporting, setExporting] = useState(false);
  const cy = useRef<Core | null>(null);
  const navigate = useNavigate();
  const tabRefs = useRef<(HTMLButtonElement | null)[]>([]);
  // gcTime 0: the chart's values are dropped from memory as soon as the page is left.
  const query = useQuery({ queryKey: ['chart', id, depth], queryFn: () => request(NEIGHBOURHOOD, { id, depth }), gcTime: 0, retry: false });
  const onOpen = useCallback((reportId: string) => navigate(`/reports/${reportId}`), [navigate]);
  const onReady = useCallback((c: Core | null) => {
    cy.current = c;
  }, []);

  if (query.isPending) return <Loading what="Drawing the link chart" />;
  const denied = query.error instanceof ApiError && (query.error.code === 'FORBIDDEN' || query.error.code === 'NOT_FOUND');
  if (denied) {
    return (
      <section aria-labelledby="chart-title">
        <h1 id="chart-title">You cannot open this chart</h1>
        <div className="alert error" role="alert">
          <p>The report does not exist, or it belongs to a desk you do not work on. If you need it, ask the duty supervisor.</p>
        </div>
      </section>
    );
  }
  if (query.isError) {
    return (
      <section aria-labelledby="chart-title">
        <h1 id="chart-title">Link chart</h1>
        <ErrorMessage error={query.error} onRetry={() => void query.refetch()} />
      </section>
    );
  }
  const chart = query.data.reportNeighbourhood;
  const root = chart.nodes.find((n) => n.depth === 0);
  const reference = root?.reference ?? '';

  const exportPng = async () => {
    setNotice(null);
    setExportError(null);
    if (!cy.current) return;
    setExporting(true);
    try {
      // On record first: no audit entry, no picture.
      await request(RECORD_CHART_EXPORT, { id: chart.rootId, depth: chart.depth });
      const blob = await cy.current.png({ output: 'blob-promise', full: true, bg: '#ffffff', scale: 2 });
      const url = URL.createObjectURL(blob);
      const a = document.createElement('a');
      a.href = url;
      a.download = `link-chart-${reference}-depth-${chart.depth}.png`;
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 1_000);
      setNotice(`Exported ${a.download}. The export was recorded in the audit log.`);
    } catch (e) {
      setExportError(plainMessage(e));
    } finally {
      setExporting(false);
    }
  };

  // Tabs as the WAI-ARIA pattern has them: arrow keys move between tabs, Tab into the panel.
  const onTabKey = (e: KeyboardEvent<HTMLButtonElement>, index: number) => {
    const to = e.key === 'ArrowRight' ? (index + 1) % TABS.length : e.key === 'ArrowLeft' ? (index - 1 + TABS.length) % TABS.length : null;
    if (to === null) return;
    e.preventDefault();
    setTab(TABS[to]!.id);
    tabRefs.current[to]?.focus();
  };

  const reports = chart.nodes.filter((n) => n.kind === 'REPORT').length;
  const values = chart.nodes.filter((n) => n.kind === 'ENTITY').length;
  return (
    <section aria-labelledby="chart-title">
      <p>
        <Link to={`/reports/${chart.rootId}`}>← Report {reference}</Link>
      </p>
      <h1 id="chart-title">
        Link chart of <span className="mono">{reference}</span>
      </h1>
      <p className="subtitle">
        {reports} report{reports === 1 ? '' : 's'} you may read and {values} shared value{values === 1 ? '' : 's'}. Reports of a desk you do not work on are shown as one item per desk, with nothing of what they hold. Opening this chart was recorded in the audit log.
      </p>
      <div className="grid">
        <Select
          label="Depth"
          hint="How many links away from this report"
          value={String(depth)}
          onChange={(e) => setParams(e.target.value === '2' ? { depth: '2' } : {}, { replace: true })}
          options={[
            { value: '1', label: '1: the reports linked to this one' },
            { value: '2', label: '2: and the reports linked to those' },
          ]}
        />
      </div>
      {chart.truncated.length > 0 && (
        <div className="alert warn" role="note" aria-label="More not shown">
          <p>
            <strong>More not shown.</strong>
          </p>
          {chart.truncated.map((t) => (
            <p key={t}>{t.charAt(0).toUpperCase() + t.slice(1)}.</p>
          ))}
        </div>
      )}
      <div className="tabs" role="tablist" aria-label="Views of the chart">
        {TABS.map((t, i) => (
          <button
            key={t.id}
            ref={(el) => {
              tabRefs.current[i] = el;
            }}
            type="button"
            role="tab"
            id={`tab-${t.id}`}
            aria-selected={tab === t.id}
            aria-controls={`panel-${t.id}`}
            tabIndex={tab === t.id ? 0 : -1}
            onClick={() => setTab(t.id)}
            onKeyDown={(e) => onTabKey(e, i)}
          >
            {t.label}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`}>
        {tab === 'drawing' && (
          <>
            <Notice message={notice} />
            {exportError && (
              <div className="alert error" role="alert">
                <p>{exportError}</p>
              </div>
            )}
            <div className="actions">
              <button type="button" className="primary" disabled={exporting} onClick={() => void exportPng()}>
                {exporting ? 'Exporting…' : 'Export PNG'}
              </button>
              <span className="hint">A picture of the chart for a briefing; who exported it is recorded.</span>
            </div>
            <ul className="chart-legend" aria-label="Key">
              <li><span className="swatch report" aria-hidden="true" />Report</li>
              <li><span className="swatch held" aria-hidden="true" />Reports of another desk</li>
              <li><span className="swatch name" aria-hidden="true" />Person</li>
              <li><span className="swatch vehicle" aria-hidden="true" />Vehicle</li>
              <li><span className="swatch phone" aria-hidden="true" />Phone</li>
              <li><span className="swatch postcode" aria-hidden="true" />Place</li>
            </ul>
            <Graph chart={chart} onOpen={onOpen} onReady={onReady} />
          </>
        )}
        {tab === 'table' && <ChartTable chart={chart} />}
        {tab === 'timeline' && <Timeline chart={chart} />}
      </div>
    </section>
  );
}

/**
 * The link chart drawn with Cytoscape.js (a canvas, cose force-directed
 * layout), in the chart's own chunk (loaded only when the chart is opened).
 *
 * Strict CSP (src/http/console.ts: no inline <style>): Cytoscape prepends a
 * <style> element to the page unless an element with its stylesheet's id
 * already exists; we put an empty <meta> under that id first, and its one
 * rule (`position: relative` on the container) is in chart.css. Cytoscape
 * sets the rest of its styles through the CSSOM (element.style), which the
 * policy allows. The e2e test listens for `securitypolicyviolation`.
 *
 * Keyboard: the drawing is one tab stop; arrow keys move the selection from
 * node to node (announced in words), Enter opens the selected report. The
 * table view says the same for screen readers.
 */
import cytoscape, { type Core, type ElementDefinition } from 'cytoscape';
import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { edgeWords, nodeSentence, type Chart } from './words';

const CYTOSCAPE_STYLESHEET_ID = '__________cytoscape_stylesheet';

/** Keeps Cytoscape from adding an inline <style> (see the file's comment). */
function claimStylesheetId() {
  if (document.getElementById(CYTOSCAPE_STYLESHEET_ID)) return;
  const marker = document.createElement('meta');
  marker.id = CYTOSCAPE_STYLESHEET_ID;
  document.head.appendChild(marker);
}

const COLOURS = { report: '#1d4f91', root: '#123a6b', held: '#505a5f', name: '#00703c', vehicle: '#6f3c91', phone: '#b35c00', postcode: '#8a1538', line: '#626a6e' };

const STYLE: cytoscape.StylesheetJson = [
  { selector: 'node', style: { label: 'data(label)', 'font-size': 11, 'text-wrap': 'wrap', 'text-max-width': '120px', 'text-valign': 'bottom', 'text-margin-y': 4, color: '#1b1b1b' } },
  { selector: 'node.REPORT', style: { shape: 'round-rectangle', width: 26, height: 26, 'background-color': COLOURS.report } },
  { selector: 'node.root', style: { 'background-color': COLOURS.root, width: 34, height: 34, 'border-width': 3, 'border-color': '#ffbf47' } },
  { selector: 'node.PLACEHOLDER', style: { shape: 'octagon', width: 30, height: 30, 'background-color': '#ffffff', 'border-width': 2, 'border-style': 'dashed', 'border-color': COLOURS.held } },
  { selector: 'node.ENTITY', style: { shape: 'ellipse', width: 20, height: 20 } },
  { selector: 'node.name', style: { 'background-color': COLOURS.name } },
  { selector: 'node.vehicle', style: { 'background-color': COLOURS.vehicle, shape: 'diamond' } },
  { selector: 'node.phone', style: { 'background-color': COLOURS.phone, shape: 'triangle' } },
  { selector: 'node.postcode', style: { 'background-color': COLOURS.postcode, shape: 'hexagon' } },
  { selector: 'node:selected', style: { 'overlay-color': '#ffbf47', 'overlay-opacity': 0.45, 'overlay-padding': 6 } },
  { selector: 'edge', style: { width: 2, 'line-color': COLOURS.line, 'curve-style': 'bezier', 'font-size': 9, color: '#505a5f', 'text-background-color': '#ffffff', 'text-background-opacity': 1 } },
  { selector: 'edge.LINK', style: { label: 'data(label)', width: 3, 'line-color': COLOURS.report } },
  // A possible link (names that only sound alike) is weaker: dashed and thinner, and said so in its label.
  { selector: 'edge.LINK.POSSIBLE', style: { 'line-style': 'dashed', width: 2 } },
  { selector: 'edge.SHARES', style: { width: 1.5 } },
  { selector: 'edge.HELD', style: { 'line-style': 'dashed', 'line-color': COLOURS.held } },
];

function elementsOf(chart: Chart): ElementDefinition[] {
  const byId = new Map(chart.nodes.map((n) => [n.id, n]));
  return [
    ...chart.nodes.map((n) => ({
      group: 'nodes' as const,
      data: { id: n.id, label: n.kind === 'REPORT' ? `${n.reference}\n${n.desk ?? ''}` : n.label },
      classes: [n.kind, n.entityKind ?? '', n.depth === 0 ? 'root' : ''].filter(Boolean).join(' '),
    })),
    ...chart.edges.map((e) => ({
      group: 'edges' as const,
      data: { id: e.id, source: e.source, target: e.target, label: e.kind === 'LINK' ? (e.strength === 'POSSIBLE' ? 'possible: ' : '') + (e.reasons.join(', ') || 'manual') : edgeWords(e, byId.get(e.target)) },
      classes: [e.kind, e.strength ?? ''].filter(Boolean).join(' '),
    })),
  ];
}

export function Graph({ chart, onOpen, onReady }: { chart: Chart; onOpen: (reportId: string) => void; onReady: (cy: Core | null) => void }) {
  const container = useRef<HTMLDivElement>(null);
  const cyRef = useRef<Core | null>(null);
  const [selected, setSelected] = useState(0);
  const [announce, setAnnounce] = useState('');
  // The callbacks as of the last render, so the drawing is made again only for another chart.
  const callbacks = useRef({ onOpen, onReady });
  callbacks.current = { onOpen, onReady };

  useEffect(() => {
    if (!container.current) return;
    claimStylesheetId();
    const cy = cytoscape({
      container: container.current,
      elements: elementsOf(chart),
      style: STYLE,
      layout: { name: 'cose', animate: false, nodeDimensionsIncludeLabels: true, padding: 24, idealEdgeLength: () => 90, nodeRepulsion: () => 9000 },
      minZoom: 0.3,
      maxZoom: 3,
      wheelSensitivity: 0.3,
      selectionType: 'single',
    });
    cy.on('tap', 'node', (evt) => {
      const index = chart.nodes.findIndex((n) => n.id === evt.target.id());
      if (index >= 0) setSelected(index);
    });
    cy.on('dbltap', 'node', (evt) => {
      const node = chart.nodes.find((n) => n.id === evt.target.id());
      if (node?.reportId) callbacks.current.onOpen(node.reportId);
    });
    cyRef.current = cy;
    callbacks.current.onReady(cy);
    return () => {
      callbacks.current.onReady(null);
      cy.destroy();
      cyRef.current = null;
    };
  }, [chart]);

  // The selection follows the keyboard (and taps); what is selected is said in words.
  useEffect(() => {
    const cy = cyRef.current;
    const node = chart.nodes[selected];
    if (!cy || !node) return;
    cy.$(':selected').unselect();
    cy.getElementById(node.id).select();
    const links = chart.edges.filter((e) => e.source === node.id || e.target === node.id).length;
    setAnnounce(`${nodeSentence(node)}. ${links} connection${links === 1 ? '' : 's'}.${node.reportId ? ' Press Enter to open it.' : ''}`);
  }, [selected, chart]);

  const onKey = (e: KeyboardEvent<HTMLDivElement>) => {
    const count = chart.nodes.length;
    if (!count) return;
    if (e.key === 'ArrowRight' || e.key === 'ArrowDown') setSelected((i) => (i + 1) % count);
    else if (e.key === 'ArrowLeft' || e.key === 'ArrowUp') setSelected((i) => (i - 1 + count) % count);
    else if (e.key === 'Home') setSelected(0);
    else if (e.key === 'End') setSelected(count - 1);
    else if (e.key === 'Enter') {
      const id = chart.nodes[selected]?.reportId;
      if (id) onOpen(id);
    } else return;
    e.preventDefault();
  };

  return (
    <>
      <p className="hint" id="chart-keys">
        Select the drawing, then use the arrow keys to move from one item to the next and Enter to open a report. The table view lists the same items and connections.
      </p>
      <div
        ref={container}
        className="chart-canvas"
        tabIndex={0}
        role="group"
        aria-roledescription="link chart"
        aria-label="Link chart drawing"
        aria-describedby="chart-keys chart-selected"
        onKeyDown={onKey}
        data-testid="chart-canvas"
      />
      <p id="chart-selected" className="chart-selected" aria-live="polite">
        {announce}
      </p>
    </>
  );
}

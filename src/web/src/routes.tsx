/**
 * The console's screens and the operation each needs. Whether the signed-in
 * user may see a screen is answered by the server's policy table (the
 * session's `operations`); this file only says which operation a screen is for.
 */
import { lazy, Suspense, type ReactNode } from 'react';
import { Account } from './screens/Account';
import { AdminPartners, AdminUsers } from './screens/Admin';
import { AuditLog } from './screens/Audit';
import { AdminRoutingRules, AdminWebhooks } from './screens/Integrations';
import { DeskQueue } from './screens/Desk';
import { MySubmissions } from './screens/MySubmissions';
import { Notifications } from './screens/Notifications';
import { RecordCall } from './screens/RecordCall';
import { FollowUpCall } from './screens/FollowUpCall';
import { ReportPage } from './screens/ReportPage';
import { Search } from './screens/Search';
import { Entity } from './screens/Entity';
import { MyReports } from './screens/search/MyReports';
import { Supervisor } from './screens/Supervisor';
import { Overview } from './screens/Overview';
import { Loading } from './ui/ui';

// The statistics screen and its chart library are a chunk of their own, fetched on the first visit to it (the console's first load stays small).
const Statistics = lazy(() => import('./screens/Statistics'));
// Its sub-pages likewise (the committee report draws the same chart library): each a chunk fetched when opened.
const London = lazy(() => import('./screens/statistics/london/London').then((m) => ({ default: m.London })));
const Export = lazy(() => import('./screens/statistics/export/Export').then((m) => ({ default: m.Export })));
const Report = lazy(() => import('./screens/statistics/export/Report').then((m) => ({ default: m.Report })));
/** A statistics sub-page behind its loading words. */
const statisticsPage = (page: ReactNode) => <Suspense fallback={<Loading what="Loading the statistics" />}>{page}</Suspense>;

/** The link chart and Cytoscape.js: a chunk of their own, loaded when a chart is opened (the first visit stays small). */
const ChartScreen = lazy(() => import('./screens/chart/ChartScreen'));

export interface Screen {
  path: string;
  /** Shown in the navigation; screens without a label are reached from another screen. */
  label?: string;
  /** The tab's title when it is not the label (ScreenTitle.tsx). */
  title?: string;
  operation: string;
  element: ReactNode;
  /**
   * Where the user lands after sign-in: the allowed screen with the lowest
   * rank; without any, the first allowed screen with a label (in this order).
   */
  home?: number;
}

export const SCREENS: Screen[] = [
  // Supervisors only (policy): their landing screen, before "Record a call" which they may also use.
  { path: '/overview', label: 'Overview', operation: 'supervisorOverview', element: <Overview />, home: 1 },
  { path: '/call', label: 'Record a call', operation: 'recordHotlineCall', element: <RecordCall /> },
  { path: '/follow-up', label: 'Follow-up call', operation: 'recordFollowUp', element: <FollowUpCall /> },
  { path: '/submissions', label: 'My submissions', operation: 'mySubmissions', element: <MySubmissions /> },
  { path: '/desk', label: 'Desk queue', operation: 'deskQueue', element: <DeskQueue /> },
  { path: '/my-reports', label: 'My reports', operation: 'myReports', element: <MyReports page /> },
  { path: '/search', label: 'Search', operation: 'searchReports', element: <Search /> },
  { path: '/reports/:id', title: 'Report', operation: 'report', element: <ReportPage /> },
  // Reached from a subject, phone, vehicle or postcode on a report (screens/desk/ReportDetails.tsx): an opaque reference, never the value.
  { path: '/entities/:ref', title: 'Entity', operation: 'entity', element: <Entity /> },
  // Reached from the report page's "Open link chart".
  { path: '/reports/:id/chart', title: 'Link chart', operation: 'reportNeighbourhood', element: <Suspense fallback={<Loading what="Opening the link chart" />}><ChartScreen /></Suspense> },
  // Reached from the bell in the header (screens/notifications/Bell.tsx).
  { path: '/notifications', title: 'Notifications', operation: 'myNotifications', element: <Notifications /> },
  { path: '/supervisor', label: 'Supervisor', operation: 'supervisorQueue', element: <Supervisor /> },
  // Supervisors (exact figures) and OVERSIGHT (the published tables): OVERSIGHT's landing screen; supervisors keep /overview (rank 1).
  {
    path: '/statistics',
    label: 'Statistics',
    operation: 'statistics',
    element: (
      <Suspense fallback={<Loading what="Loading the statistics" />}>
        <Statistics />
      </Suspense>
    ),
    home: 2,
  },
  { path: '/audit', label: 'Audit log', operation: 'auditLog', element: <AuditLog /> },
  { path: '/admin/users', label: 'Users', operation: 'users', element: <AdminUsers /> },
  { path: '/admin/partners', label: 'Partners', operation: 'partners', element: <AdminPartners /> },
  { path: '/admin/webhooks', label: 'Webhooks', operation: 'webhookEndpoints', element: <AdminWebhooks /> },
  // Admins reload the rules; supervisors and auditors may read them through the API but have no screen for them.
  { path: '/admin/routing', label: 'Routing rules', operation: 'reloadRoutingRules', element: <AdminRoutingRules /> },
  // The statistics screens' sub-pages, reached from the statistics screen's sub-navigation (screens/statistics/StatisticsNav.tsx).
  { path: '/statistics/london', title: 'London picture', operation: 'statistics', element: statisticsPage(<London />) },
  { path: '/statistics/export', title: 'Export statistics', operation: 'statistics', element: statisticsPage(<Export />) },
  { path: '/statistics/report', title: 'Committee report', operation: 'statistics', element: statisticsPage(<Report />) },
  // Every signed-in staff user (last, so it is nobody's home screen unless it is their only one).
  { path: '/account', label: 'Account', operation: 'mySessions', element: <Account /> },
];

/** The screen a user lands on among those they may see: the lowest `home` rank, else the first with a label. */
export function homeOf(screens: readonly Screen[]): string | undefined {
  const ranked = screens.filter((s) => s.home !== undefined).sort((a, b) => a.home! - b.home!);
  return (ranked[0] ?? screens.find((s) => s.label))?.path;
}

/**
 * The console's screens and the operation each needs. Whether the signed-in
 * user may see a screen is answered by the server's policy table (the
 * session's `operations`); this file only says which operation a screen is for.
 */
import type { ReactNode } from 'react';
import { Account } from './screens/Account';
import { AdminPartners, AdminUsers } from './screens/Admin';
import { AuditLog } from './screens/Audit';
import { DeskQueue } from './screens/Desk';
import { MySubmissions } from './screens/MySubmissions';
import { Notifications } from './screens/Notifications';
import { RecordCall } from './screens/RecordCall';
import { FollowUpCall } from './screens/FollowUpCall';
import { ReportPage } from './screens/ReportPage';
import { Search } from './screens/Search';
import { MyReports } from './screens/search/MyReports';
import { Supervisor } from './screens/Supervisor';

export interface Screen {
  path: string;
  /** Shown in the navigation; screens without a label are reached from another screen. */
  label?: string;
  /** The tab's title when it is not the label (ScreenTitle.tsx). */
  title?: string;
  operation: string;
  element: ReactNode;
}

export const SCREENS: Screen[] = [
  { path: '/call', label: 'Record a call', operation: 'recordHotlineCall', element: <RecordCall /> },
  { path: '/follow-up', label: 'Follow-up call', operation: 'recordFollowUp', element: <FollowUpCall /> },
  { path: '/submissions', label: 'My submissions', operation: 'mySubmissions', element: <MySubmissions /> },
  { path: '/desk', label: 'Desk queue', operation: 'deskQueue', element: <DeskQueue /> },
  { path: '/my-reports', label: 'My reports', operation: 'myReports', element: <MyReports page /> },
  { path: '/search', label: 'Search', operation: 'searchReports', element: <Search /> },
  { path: '/reports/:id', title: 'Report', operation: 'report', element: <ReportPage /> },
  // Reached from the bell in the header (screens/notifications/Bell.tsx).
  { path: '/notifications', title: 'Notifications', operation: 'myNotifications', element: <Notifications /> },
  { path: '/supervisor', label: 'Supervisor', operation: 'supervisorQueue', element: <Supervisor /> },
  { path: '/audit', label: 'Audit log', operation: 'auditLog', element: <AuditLog /> },
  { path: '/admin/users', label: 'Users', operation: 'users', element: <AdminUsers /> },
  { path: '/admin/partners', label: 'Partners', operation: 'partners', element: <AdminPartners /> },
  // Every signed-in staff user (last, so it is nobody's home screen unless it is their only one).
  { path: '/account', label: 'Account', operation: 'mySessions', element: <Account /> },
];

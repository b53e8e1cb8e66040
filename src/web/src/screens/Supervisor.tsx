/**
 * The supervisor's screen (/supervisor): the queue of reports needing a
 * supervisor, the national threat level, caller reveals and the retention
 * review, one section each, shown only when the role may run it.
 */
import { useSession } from '../session/session';
import { CallerReveals } from './oversight/CallerReveals';
import { RetentionReview } from './oversight/RetentionReview';
import { SupervisorQueue } from './oversight/SupervisorQueue';
import { ThreatLevelPanel } from './oversight/ThreatLevelPanel';

export function Supervisor() {
  const { can } = useSession();
  return (
    <div className="oversight">
      <h1>Supervisor</h1>
      <nav aria-label="On this page" className="page-toc">
        <ul>
          {can('supervisorQueue') && <li><a href="#sq-title">Supervisor queue</a></li>}
          {can('threatLevel') && <li><a href="#tl-title">Threat level</a></li>}
          {can('callerReveals') && <li><a href="#cr-title">Caller reveals</a></li>}
          {can('retentionReview') && <li><a href="#rr-title">Retention review</a></li>}
        </ul>
      </nav>
      {can('supervisorQueue') && <SupervisorQueue />}
      {can('threatLevel') && <ThreatLevelPanel />}
      {can('callerReveals') && <CallerReveals />}
      {can('retentionReview') && <RetentionReview />}
    </div>
  );
}

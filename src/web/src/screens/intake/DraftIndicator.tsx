/**
 * In the header while a call or follow-up is being typed and its screen is
 * not open: what is being typed, its timer, and a link back to it. The
 * draft itself is kept in memory (session/drafts.tsx).
 */
import { NavLink } from 'react-router';
import { clock, DRAFT_FORMS, useDrafts } from '../../session/drafts';
import { useNow } from '../../ui/useNow';

export function DraftIndicator({ here }: { here: string }) {
  const drafts = useDrafts();
  const now = useNow();
  const away = drafts.names.filter((n) => DRAFT_FORMS[n].path !== here);
  if (away.length === 0) return null;
  return (
    <span className="draft-indicator">
      {away.map((name) => {
        const started = drafts.get(name)?.startedAt;
        return (
          <NavLink key={name} to={DRAFT_FORMS[name].path}>
            {DRAFT_FORMS[name].label}
            {started ? ` (${clock((now - started) / 1000)})` : ''}, not recorded yet: go back to it
          </NavLink>
        );
      })}
    </span>
  );
}

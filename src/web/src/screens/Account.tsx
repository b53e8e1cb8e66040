/** The "Account" screen for every signed-in staff user: own password, second factor, own sessions. */
import { useQueryClient } from '@tanstack/react-query';
import { useSession } from '../session/session';
import { humanise } from '../ui/ui';
import { ChangePassword } from './account/ChangePassword';
import { MY_SESSIONS_KEY, MySessions } from './account/MySessions';
import { SecondFactor } from './account/SecondFactor';
import { AlertSettings } from './alerts/AlertSettings';

export function Account() {
  const { session, can } = useSession();
  const queryClient = useQueryClient();
  if (!session) return null;
  const { user } = session;
  return (
    <div className="account">
      <h1>Your account</h1>
      <p>
        Signed in as <strong>{user.username}</strong> · {user.roles.map(humanise).join(', ')}
        {user.desk ? ` · ${user.desk} desk` : ''}
      </p>
      {can('changePassword') && <ChangePassword onChanged={() => void queryClient.invalidateQueries({ queryKey: MY_SESSIONS_KEY })} />}
      {can('mySecondFactor') && <SecondFactor />}
      {can('mySessions') && <MySessions />}
      {can('urgentAlerts') && <AlertSettings />}
    </div>
  );
}

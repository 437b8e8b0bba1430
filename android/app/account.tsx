import { RequireSession } from '../src/RequireSession';
import { AccountScreen } from '../src/screens/AccountScreen';

export default function Account() {
  return (
    <RequireSession>
      <AccountScreen />
    </RequireSession>
  );
}

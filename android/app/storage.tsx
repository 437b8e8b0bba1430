import { RequireSession } from '../src/RequireSession';
import { StorageScreen } from '../src/screens/StorageScreen';

export default function Storage() {
  return (
    <RequireSession>
      <StorageScreen />
    </RequireSession>
  );
}

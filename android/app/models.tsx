import { RequireSession } from '../src/RequireSession';
import { ModelsScreen } from '../src/screens/ModelsScreen';

export default function Models() {
  return (
    <RequireSession>
      <ModelsScreen />
    </RequireSession>
  );
}

import { useIsFocused, useRouter } from 'expo-router';
import { RequireSession } from '../src/RequireSession';
import { JobsScreen } from '../src/screens/JobsScreen';

export default function Jobs() {
  const router = useRouter();
  const focused = useIsFocused();
  return (
    <RequireSession>
      <JobsScreen active={focused} onOpen={(id) => router.push({ pathname: '/job/[id]', params: { id } })} />
    </RequireSession>
  );
}

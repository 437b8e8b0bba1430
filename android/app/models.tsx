import { useRouter } from 'expo-router';
import { RequireSession } from '../src/RequireSession';
import { ModelsScreen } from '../src/screens/ModelsScreen';

export default function Models() {
  const router = useRouter();
  return (
    <RequireSession>
      <ModelsScreen onStorage={() => router.push('/storage')} />
    </RequireSession>
  );
}

import { useLocalSearchParams, useRouter } from 'expo-router';
import { notifyJobFinished } from '../../src/jobs/notify';
import { RequireSession } from '../../src/RequireSession';
import { JobScreen } from '../../src/screens/JobScreen';

export default function Job() {
  const router = useRouter();
  const { id } = useLocalSearchParams<{ id: string }>();
  return (
    <RequireSession>
      <JobScreen id={id} onModels={() => router.push('/models')} onFinished={(job) => void notifyJobFinished(job).catch(() => undefined)} />
    </RequireSession>
  );
}

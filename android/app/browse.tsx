import { useLocalSearchParams, useRouter } from 'expo-router';
import { RequireSession } from '../src/RequireSession';
import { BrowseScreen } from '../src/screens/BrowseScreen';

export default function Browse() {
  const router = useRouter();
  const p = useLocalSearchParams<{ author: string; repo: string; revision?: string; path?: string }>();
  return (
    <RequireSession>
      <BrowseScreen
        author={p.author}
        repo={p.repo}
        revision={p.revision}
        path={p.path}
        onStarted={(id) => router.push({ pathname: '/job/[id]', params: { id } })}
      />
    </RequireSession>
  );
}

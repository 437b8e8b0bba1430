import { Redirect, useLocalSearchParams, useRouter } from 'expo-router';
import { PasteUrlScreen } from '../src/screens/PasteUrlScreen';
import { useSession } from '../src/session';
import { useSharedLinks } from '../src/share/SharedLinkContext';

// Reached by navigation after sign-in, by a deep link d011dl://paste?url=<link> (prefills the field),
// and by a link shared from the browser (src/share/ShareIntake.tsx; filled in and opened).
export default function Paste() {
  const router = useRouter();
  const { ready, signedIn, signOut } = useSession();
  const { pending, done } = useSharedLinks();
  const { url } = useLocalSearchParams<{ url?: string }>();
  if (!ready) return null; // stored tokens not loaded yet (cold start from a link)
  if (!signedIn) return <Redirect href={{ pathname: '/', params: url ? { url } : {} }} />;
  return (
    <PasteUrlScreen
      key={url ?? ''}
      initialUrl={url ?? ''}
      shared={pending}
      onSharedHandled={done}
      onParsed={(p) =>
        router.push({ pathname: '/browse', params: { author: p.author, repo: p.repo, revision: p.revision ?? 'main', ...(p.path ? { path: p.path } : {}) } })
      }
      onModels={() => router.push('/models')}
      onAccount={() => router.push('/account')}
      onSignOut={() => void signOut().then(() => router.replace('/'))}
    />
  );
}

import { Redirect, useLocalSearchParams, useRouter } from 'expo-router';
import { PasteUrlScreen } from '../src/screens/PasteUrlScreen';
import { useSession } from '../src/session';

export default function Paste() {
  const router = useRouter();
  const { signedIn, signOut } = useSession();
  const { url } = useLocalSearchParams<{ url?: string }>();
  if (!signedIn) return <Redirect href="/" />;
  return (
    <PasteUrlScreen
      initialUrl={url ?? ''}
      onParsed={(p) =>
        router.push({ pathname: '/browse', params: { author: p.author, repo: p.repo, revision: p.revision ?? 'main', ...(p.path ? { path: p.path } : {}) } })
      }
      onModels={() => router.push('/models')}
      onSignOut={() => void signOut().then(() => router.replace('/'))}
    />
  );
}

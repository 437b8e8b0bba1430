import { Redirect, useLocalSearchParams, useRouter } from 'expo-router';
import { LoginScreen } from '../src/screens/LoginScreen';
import { useSession } from '../src/session';

export default function Index() {
  const router = useRouter();
  const { signedIn } = useSession();
  // `url`: a deep link d011dl://paste?url=… that arrived signed out, for the paste screen after sign-in.
  const { url } = useLocalSearchParams<{ url?: string }>();
  const paste = { pathname: '/paste', params: url ? { url } : {} } as const;
  if (signedIn) return <Redirect href={paste} />;
  return <LoginScreen onLoggedIn={() => router.replace(paste)} />;
}

import { Redirect, useRouter } from 'expo-router';
import { LoginScreen } from '../src/screens/LoginScreen';
import { useSession } from '../src/session';

export default function Index() {
  const router = useRouter();
  const { signedIn } = useSession();
  if (signedIn) return <Redirect href="/paste" />;
  return <LoginScreen onLoggedIn={() => router.replace('/paste')} />;
}

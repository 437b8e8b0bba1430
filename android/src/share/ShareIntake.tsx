import { useEffect } from 'react';
import { useRouter } from 'expo-router';
import { useShareIntentContext } from 'expo-share-intent';
import { useSharedLinks } from './SharedLinkContext';

/**
 * Takes what the Android share sheet sends to the app (Share → D011DL in the browser), hands the
 * Hugging Face link in it to the paste screen and clears the intent. Renders nothing. On web the
 * expo-share-intent hook is disabled and `hasShareIntent` stays false.
 */
export function ShareIntake() {
  const { hasShareIntent, shareIntent, resetShareIntent } = useShareIntentContext();
  const { offer } = useSharedLinks();
  const router = useRouter();
  useEffect(() => {
    if (!hasShareIntent) return;
    offer({ webUrl: shareIntent.webUrl, text: shareIntent.text });
    // The paste route sends a signed-out user to sign in; the pending share waits there.
    router.navigate('/paste');
    resetShareIntent();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [hasShareIntent, shareIntent]);
  return null;
}

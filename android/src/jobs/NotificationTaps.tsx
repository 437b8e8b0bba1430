import { useEffect, useRef } from 'react';
import { useRouter } from 'expo-router';
import * as Notifications from 'expo-notifications';

/** The job a tapped "Download finished" notification is about (./notify.ts puts its id in the data). */
export function tappedJob(r: Notifications.NotificationResponse | null | undefined): string | null {
  if (!r || r.actionIdentifier !== Notifications.DEFAULT_ACTION_IDENTIFIER) return null;
  const id = r.notification?.request?.content?.data?.downloadId;
  return typeof id === 'string' ? id : null;
}

/**
 * A tap on a job notification opens that job, also when the tap started the app (the last response):
 * the job route then waits for the stored session (src/RequireSession.tsx). Renders nothing; not
 * mounted on web, which has no notifications. A notification module that fails only loses the jump.
 */
export function NotificationTaps() {
  const router = useRouter();
  const opened = useRef(new Set<string>());
  useEffect(() => {
    const open = (r: Notifications.NotificationResponse | null | undefined) => {
      const id = tappedJob(r);
      const key = r?.notification?.request?.identifier ?? id;
      if (!id || !key || opened.current.has(key)) return;
      opened.current.add(key);
      router.push({ pathname: '/job/[id]', params: { id } });
    };
    let sub: { remove(): void } | null = null;
    try {
      open(Notifications.getLastNotificationResponse());
      sub = Notifications.addNotificationResponseReceivedListener(open);
    } catch {
      // no notification module (some test and web setups): nothing to open
    }
    return () => sub?.remove();
  }, [router]);
  return null;
}

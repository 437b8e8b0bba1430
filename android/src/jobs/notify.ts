import { Platform } from 'react-native';
import * as Notifications from 'expo-notifications';
import type { Download } from '@d011dl/contract';
import { finishedText } from './watch';

let permissionAsked = false;

export async function ensureNotificationPermission(): Promise<boolean> {
  if (Platform.OS === 'web') return false;
  const current = await Notifications.getPermissionsAsync();
  if (current.granted) return true;
  if (permissionAsked) return false;
  permissionAsked = true;
  return (await Notifications.requestPermissionsAsync()).granted;
}

/** A local notification saying a job the user started has finished. */
export async function notifyJobFinished(job: Download): Promise<void> {
  if (!(await ensureNotificationPermission())) return;
  await Notifications.scheduleNotificationAsync({ content: { ...finishedText(job), data: { downloadId: job.id } }, trigger: null });
}

// "Copy path" without a new native module (expo-clipboard is not a dependency and would need a new
// prebuild): in a browser the Clipboard API, on the phone Android's share sheet, whose "Copy" action
// puts the text on the clipboard (and which also offers sending it to another app).
import { Platform, Share } from 'react-native';

export type CopyOutcome = 'copied' | 'shared' | 'dismissed' | 'failed';

export async function copyPath(path: string): Promise<CopyOutcome> {
  try {
    if (Platform.OS === 'web') {
      const clip = (globalThis as { navigator?: { clipboard?: { writeText(t: string): Promise<void> } } }).navigator?.clipboard;
      if (!clip) return 'failed';
      await clip.writeText(path);
      return 'copied';
    }
    const r = await Share.share({ message: path, title: 'Path on the server' });
    return r.action === Share.dismissedAction ? 'dismissed' : 'shared';
  } catch {
    return 'failed';
  }
}

/** What to tell the person after a copy attempt; empty when there is nothing to say. */
export function copyMessage(outcome: CopyOutcome): string {
  if (outcome === 'copied') return 'Path copied.';
  if (outcome === 'failed') return 'Could not copy: select the path above and copy it by hand.';
  return '';
}

import type { ReactElement } from 'react';
import { render } from '@testing-library/react-native';
import { KEYS, memoryStore } from '../api/storage';
import { SessionProvider, useSession } from '../session';
import { useEffect } from 'react';
import { BASE } from './fakeFetch';

function Restore({ children }: { children: ReactElement }) {
  const { restore, ready } = useSession();
  useEffect(() => {
    void restore();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  return ready ? children : null;
}

/** Render a screen inside a signed-in session whose fetch is `fetchImpl`. */
export async function renderSignedIn(ui: ReactElement, fetchImpl: typeof fetch, extra: Record<string, string> = {}) {
  const store = memoryStore({ [KEYS.baseUrl]: BASE, [KEYS.token]: 'tok-1', [KEYS.refreshToken]: 'ref-1', ...extra });
  return render(
    <SessionProvider store={store} fetchImpl={fetchImpl}>
      <Restore>{ui}</Restore>
    </SessionProvider>,
  );
}

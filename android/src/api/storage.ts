import { Platform } from 'react-native';
import * as SecureStore from 'expo-secure-store';

import { memoryStore, type KeyValueStore } from './keys.ts';

export { KEYS, memoryStore, type KeyValueStore } from './keys.ts';

/** expo-secure-store on Android/iOS; localStorage on web (SecureStore has no web implementation). */
export function defaultStore(): KeyValueStore {
  if (Platform.OS === 'web') return webStore();
  return {
    get: (k) => SecureStore.getItemAsync(k),
    set: (k, v) => SecureStore.setItemAsync(k, v),
    remove: (k) => SecureStore.deleteItemAsync(k),
  };
}

function webStore(): KeyValueStore {
  const ls = (globalThis as { localStorage?: Storage }).localStorage;
  if (!ls) return memoryStore();
  return {
    get: async (k) => ls.getItem(k),
    set: async (k, v) => ls.setItem(k, v),
    remove: async (k) => ls.removeItem(k),
  };
}

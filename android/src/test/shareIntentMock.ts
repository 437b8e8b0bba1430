// expo-share-intent is a native module; screens rendered under AppRoot in tests get one with no intent.
// Use with jest.mock('expo-share-intent', () => require('../test/shareIntentMock').noShareIntent).
export const noShareIntent = {
  ShareIntentProvider: ({ children }: { children: unknown }) => children,
  useShareIntentContext: () => ({
    isReady: true,
    error: null,
    hasShareIntent: false,
    shareIntent: { files: null, type: null, text: null, webUrl: null },
    resetShareIntent: () => {},
  }),
};

// Pulls the Hugging Face link out of what a browser's share sheet sends: either the bare URL or
// "page title\nURL" (Chrome, Firefox), sometimes with more text around it. No react-native imports.

/** The part of a share intent this app looks at (expo-share-intent's ShareIntent has both fields). */
export interface SharedContent {
  webUrl?: string | null;
  text?: string | null;
}

export const NO_HF_LINK_MESSAGE = 'The shared text has no Hugging Face link';

// Hosts the API's /hf/parse-url accepts: huggingface.co, www.huggingface.co, hf.co, with or without
// the scheme ("huggingface.co/a/b" pasted from an address bar). A path is required (the bare home page
// names no repo), the host must end there ("hf.company.com"), and must not be part of another URL's path.
const HF_URL = /(?<![\w.@/:-])(?:https?:\/\/)?(?:(?:www\.)?huggingface\.co|hf\.co)\/[^\s<>"'`]+/i;
// A share that is only a repo id, as the Hub's "copy model name" button gives: "author/repo".
const BARE_ID = /^[A-Za-z0-9][\w.-]*\/[A-Za-z0-9][\w.-]*$/;
const TRAILING_PUNCTUATION = /[.,;:!?)\]}>'"»]+$/;

/** The first Hugging Face URL in `text`, without sentence punctuation stuck to its end; null if none. */
export function findHfUrl(text: string | null | undefined): string | null {
  if (!text) return null;
  const m = HF_URL.exec(text);
  return m ? m[0].replace(TRAILING_PUNCTUATION, '') : null;
}

/** The Hugging Face link of a share: `webUrl` if it is one, otherwise the first one in `text`, otherwise
 * a text that is only "author/repo"; null if none. */
export function sharedHfUrl(shared: SharedContent): string | null {
  const text = shared.text?.trim() ?? '';
  return findHfUrl(shared.webUrl) ?? findHfUrl(shared.text) ?? (BARE_ID.test(text) ? text : null);
}

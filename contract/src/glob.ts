// The file filter of the portal's tree and the Android browse screen: one rule, so a filter typed in
// either selects the same files. No imports: the portal's browser script loads this file as well.
//
// A filter is a comma-separated list of globs; a file matches when any of them does. In a glob `*` is
// any run of characters (slashes too) and `?` is one character; everything else is literal and case is
// ignored. A glob is matched against the whole path or against its last segments, so `*.json` finds
// JSON files in every folder and `onnx/*.bin` finds them in any folder named onnx.

/** The regular expression of one glob. */
export function globToRegExp(glob: string): RegExp {
  const body = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`(^|/)${body}$`, 'i');
}

/** The test of a filter's text, or null when the filter is empty (everything matches). */
export function globFilter(filter: string): ((path: string) => boolean) | null {
  const res = filter
    .split(',')
    .map((g) => g.trim())
    .filter(Boolean)
    .map(globToRegExp);
  if (res.length === 0) return null;
  return (path) => res.some((re) => re.test(path));
}

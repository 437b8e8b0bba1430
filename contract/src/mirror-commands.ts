// The "use it" one-liners for a downloaded revision, shown by the portal's catalog and the Android app:
// the same text in both, with the mirror's address (HF_ENDPOINT=http://<host>:32002/mirror).

export interface MirrorCommand {
  /** what runs it, e.g. "hf download" */
  label: string;
  command: string;
}

// a shell word: safe characters stay bare, anything else is single-quoted
const sh = (s: string) => (/^[\w./:@=+-]+$/.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`);
const py = (s: string) => JSON.stringify(s);

/** The mirror's URL as a lab machine reaches it: the host people use, the API's port. */
export function mirrorEndpoint(host: string, apiPort: number | string = 32002, protocol = 'http'): string {
  const bare = host.replace(/:\d+$/, '');
  return `${protocol}://${bare.includes(':') && !bare.startsWith('[') ? `[${bare}]` : bare}:${apiPort}/mirror`;
}

export function mirrorCommands(m: { endpoint: string; author: string; repo: string; revision: string; gguf: boolean; token?: string }): MirrorCommand[] {
  const id = `${m.author}/${m.repo}`;
  const env = `HF_ENDPOINT=${m.endpoint} HF_TOKEN=${m.token ?? '<token>'}`;
  const out: MirrorCommand[] = [
    { label: 'hf download', command: `${env} hf download ${sh(id)} --revision ${sh(m.revision)}` },
    {
      label: 'huggingface_hub',
      command: `${env} python -c ${sh(`from huggingface_hub import snapshot_download; print(snapshot_download(${py(id)}, revision=${py(m.revision)}))`)}`,
    },
  ];
  if (!m.gguf) {
    out.push({
      label: 'transformers',
      command: `${env} python -c ${sh(`from transformers import AutoModel; AutoModel.from_pretrained(${py(id)}, revision=${py(m.revision)})`)}`,
    });
  } else if (m.revision === 'main') {
    // llama.cpp's -hf always takes the main branch (it reads /refs)
    out.push({ label: 'llama.cpp', command: `${env} llama-server -hf ${sh(id)}` });
  }
  return out;
}

/** A GGUF repo: its name says so (…-GGUF) or it holds .gguf files. */
export const isGgufRepo = (repo: string, paths: string[] = []) => /gguf/i.test(repo) || paths.some((p) => p.toLowerCase().endsWith('.gguf'));

// The quant table (GET /hf/quants): a repo's weights grouped into what one would download together.
// The grouping is pure, so the portal and the Android app can run it on a tree they already hold.
import { z } from 'zod';
import { HfNameSchema, RevisionSchema } from './names.ts';

export const QuantsQuerySchema = z.object({
  author: HfNameSchema,
  repo: HfNameSchema,
  revision: RevisionSchema.default('main'),
});
export type QuantsQuery = z.input<typeof QuantsQuerySchema>;

export const QuantFileSchema = z.object({ path: z.string(), size_bytes: z.number().int().nonnegative() });
export type QuantFile = z.infer<typeof QuantFileSchema>;

export const QuantGroupSchema = z.object({
  id: z.string().describe('stable within the repo: the shared path of the group (split suffix and extension removed)'),
  kind: z.enum(['gguf', 'safetensors']),
  quant: z.string().nullable().describe('GGUF quant type from the file name (Q4_K_M, IQ3_XXS, BF16, …); null when the name says none'),
  label: z.string().describe('what to show: the quant type, or the shard set / file name'),
  files: z.array(QuantFileSchema),
  size_bytes: z.number().int().nonnegative(),
  bits_per_weight: z.number().nullable().describe("nominal bits per weight of the quant type (llama.cpp's figures); null when unknown"),
  ram_bytes: z.number().int().nonnegative().describe('estimated memory to load it: size_bytes plus RAM_OVERHEAD'),
  complete: z.boolean().describe('false for a split or shard set with parts missing from the repo'),
  downloaded: z.boolean().describe('every file of the group is done in the catalog for this revision'),
});
export type QuantGroup = z.infer<typeof QuantGroupSchema>;

export const QuantsResponseSchema = z.object({
  groups: z.array(QuantGroupSchema),
  always_useful: z.array(QuantFileSchema).describe('small files outside any group (README, config, tokenizer, …): pre-selected with any group'),
  other: z.array(QuantFileSchema).describe('other weight-like files outside any group (e.g. .bin, .pt, .onnx): never pre-selected'),
  ram_overhead: z.string().describe('how ram_bytes is estimated'),
});
export type QuantsResponse = z.infer<typeof QuantsResponseSchema>;

/** RAM to load a group: its bytes plus 10 % and 512 MiB for the runtime, KV cache at a modest context and buffers. */
export const RAM_OVERHEAD = { fraction: 0.1, fixedBytes: 512 * 1024 * 1024 };
export const RAM_OVERHEAD_TEXT = 'size + 10 % + 512 MiB (runtime, KV cache at a modest context, compute buffers); a long context needs more';

// llama.cpp's file types (tools/quantize's list and ggml's types), longest names first so that
// Q4_K_M is not read as Q4_K. Bits per weight: ggml's block sizes for pure types; for the K-quant
// mixes the figures llama.cpp's quantize table gives for a 7-8B model (approximate).
const BPW: Record<string, number | null> = {
  F32: 32,
  F16: 16,
  BF16: 16,
  Q8_0: 8.5,
  Q6_K: 6.56,
  Q5_K_M: 5.69,
  Q5_K_S: 5.54,
  Q5_1: 6,
  Q5_0: 5.5,
  Q4_K_M: 4.89,
  Q4_K_S: 4.58,
  Q4_1: 5,
  Q4_0: 4.5,
  Q4_0_4_4: 4.5,
  Q4_0_4_8: 4.5,
  Q4_0_8_8: 4.5,
  Q3_K_L: 4.27,
  Q3_K_M: 3.91,
  Q3_K_S: 3.5,
  Q2_K: 2.96,
  Q2_K_S: 2.96,
  IQ4_NL: 4.5,
  IQ4_XS: 4.25,
  IQ3_M: 3.66,
  IQ3_S: 3.44,
  IQ3_XS: 3.3,
  IQ3_XXS: 3.06,
  IQ2_M: 2.7,
  IQ2_S: 2.5,
  IQ2_XS: 2.31,
  IQ2_XXS: 2.06,
  IQ1_M: 1.75,
  IQ1_S: 1.56,
  TQ2_0: 2.06,
  TQ1_0: 1.69,
  MXFP4: 4.25,
  MXFP4_MOE: 4.25,
  // unsloth's dynamic mixes: no single figure
  Q2_K_XL: null,
  Q3_K_XL: null,
  Q4_K_XL: null,
  Q5_K_XL: null,
  Q6_K_XL: null,
  Q8_K_XL: null,
  IQ1_M_XL: null,
  IQ2_XXS_XL: null,
};
const QUANT_NAMES = Object.keys(BPW).sort((a, b) => b.length - a.length);
// a quant name stands between separators (or at the ends): "-Q4_K_M.", ".q8_0-", "/BF16/"
const QUANT_RE = new RegExp(`(?:^|[-._/])(?:UD-)?(${QUANT_NAMES.join('|')})(?=$|[-._/])`, 'i');
const SPLIT_RE = /-(\d{5})-of-(\d{5})(?=\.gguf$)/i;
const SHARD_RE = /^(.*)-(\d{5})-of-(\d{5})\.safetensors$/;
const INDEX_RE = /^(.*)\.safetensors\.index\.json$/;
const WEIGHT_EXT = /\.(gguf|safetensors|bin|pt|pth|ckpt|onnx|h5|msgpack|tflite|mlmodel|pte|nemo|llamafile)$/i;

/** The GGUF quant type a file name names, upper-cased ("model.q4_k_m.gguf" → "Q4_K_M"), or null. */
export function ggufQuantType(path: string): string | null {
  const m = QUANT_RE.exec(path.replace(/\.gguf$/i, ''));
  return m ? m[1]!.toUpperCase() : null;
}

export const ramEstimate = (bytes: number) => Math.round(bytes * (1 + RAM_OVERHEAD.fraction) + RAM_OVERHEAD.fixedBytes);

/**
 * Groups a repo's files (path and size) into quant groups. GGUF: one group per file, a split set
 * (`-00001-of-00003.gguf`) as one group. Safetensors: a shard set by its `<name>.safetensors.index.json`
 * and the `<name>-NNNNN-of-MMMMM.safetensors` shards (the names transformers writes and the index
 * lists); a lone `.safetensors` file is a group of its own. `isDone(path)` marks groups already downloaded.
 */
export function groupQuants(files: QuantFile[], isDone: (path: string) => boolean = () => false): Omit<QuantsResponse, 'ram_overhead'> {
  type Acc = { kind: 'gguf' | 'safetensors'; quant: string | null; label: string; files: QuantFile[]; expected: number };
  const groups = new Map<string, Acc>();
  const rest: QuantFile[] = [];
  const add = (id: string, init: Omit<Acc, 'files'>, f: QuantFile) => {
    const g = groups.get(id) ?? { ...init, files: [] };
    groups.set(id, g);
    g.files.push(f);
  };
  const name = (id: string) => id.slice(id.lastIndexOf('/') + 1);
  const shardSets = new Map<string, number>();
  for (const f of files) {
    const m = SHARD_RE.exec(f.path);
    if (m) shardSets.set(m[1]!, Number(m[3]));
  }
  const indexed = new Set(files.flatMap((f) => INDEX_RE.exec(f.path)?.[1] ?? []).filter((p) => shardSets.has(p)));
  for (const f of files) {
    if (/\.gguf$/i.test(f.path)) {
      const split = SPLIT_RE.exec(f.path);
      const id = f.path.replace(SPLIT_RE, '').replace(/\.gguf$/i, '');
      const quant = ggufQuantType(f.path);
      // a vision projector is not a quant of the model, though its name carries a type
      const label = quant ? (/^mmproj/i.test(name(id)) ? `mmproj ${quant}` : quant) : name(id);
      add(id, { kind: 'gguf', quant, label, expected: split ? Number(split[2]) : 1 }, f);
      continue;
    }
    const prefix = SHARD_RE.exec(f.path)?.[1] ?? INDEX_RE.exec(f.path)?.[1];
    if (prefix !== undefined && shardSets.has(prefix)) {
      const n = shardSets.get(prefix)!;
      add(prefix, { kind: 'safetensors', quant: null, label: `${name(prefix)} (${n} shards)`, expected: n + (indexed.has(prefix) ? 1 : 0) }, f);
      continue;
    }
    if (/\.safetensors$/i.test(f.path)) {
      add(f.path.replace(/\.safetensors$/i, ''), { kind: 'safetensors', quant: null, label: name(f.path), expected: 1 }, f);
      continue;
    }
    rest.push(f);
  }
  const out: QuantGroup[] = [];
  for (const [id, g] of groups) {
    g.files.sort((a, b) => (a.path < b.path ? -1 : 1));
    const size = g.files.reduce((s, f) => s + f.size_bytes, 0);
    out.push({
      id,
      kind: g.kind,
      quant: g.quant,
      label: g.label,
      files: g.files,
      size_bytes: size,
      bits_per_weight: g.quant ? (BPW[g.quant] ?? null) : null,
      ram_bytes: ramEstimate(size),
      complete: g.files.length >= g.expected,
      downloaded: g.files.every((f) => isDone(f.path)),
    });
  }
  out.sort((a, b) => a.size_bytes - b.size_bytes || (a.id < b.id ? -1 : 1));
  return {
    groups: out,
    always_useful: rest.filter((f) => !WEIGHT_EXT.test(f.path)),
    other: rest.filter((f) => WEIGHT_EXT.test(f.path)),
  };
}

/** Worth a table above the tree: a choice between groups, or GGUF quants; one lone weights file is not. */
export const hasQuantChoice = (t: Pick<QuantsResponse, 'groups'>): boolean => t.groups.length > 1 || t.groups.some((g) => g.kind === 'gguf');

/** What "download this quant (+ config files)" selects: the group's files and every always-useful file. */
export function quantSelection(table: Pick<QuantsResponse, 'always_useful'>, group: Pick<QuantGroup, 'files'>): string[] {
  return [...group.files.map((f) => f.path), ...table.always_useful.map((f) => f.path)];
}
